"""Every route, fed malformed, oversized, deeply nested, unicode and huge-number input, with and
without a valid signature, answers below 500 and logs no traceback.

Hypothesis draws the inputs (bounded and derandomised, so CI runs the same examples each time);
the routes are read from the app itself, so a new route is fuzzed without being listed here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import BaseRoute, Mount, Route

from connector.app import create_app
from connector.routes import demo as demo_routes
from connector.services import demo
from connector.services.base.runtime import Runtime
from platforms.sandbox.adapter import signed_headers as sandbox_headers
from platforms.woocommerce.adapter import WooCommerceAdapter
from tests.admin.conftest import bearer
from tests.storefront.factories import SANDBOX, proxy_query, shopify_shop, token_headers
from tests.support import woocommerce_payloads as woo
from tests.support.fake_shopify import FakeShopify
from tests.support.fake_woocommerce import FakeWooCommerce, resolve_public
from tests.support.shopify_payloads import signed_headers
from tests.woocommerce.test_routes import connected

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
EXAMPLES = 6  # per route and kind of request: about a thousand requests in all
PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")

# -- what is sent ------------------------------------------------------------------------------

HUGE_NUMBERS = st.sampled_from(["1e999999", "-1e999999", "9" * 5000, "1" + "0" * 400, "NaN"])
TEXT = st.text(max_size=40) | st.text(min_size=300, max_size=600) | HUGE_NUMBERS
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from([
    "email", "customer_id", "name", "locale", "note", "ref", "min_subtotal", "hold_days",
    "currency", "advocate_reward", "points", "reason", "kind", "value", "key_id", "user_id",
    "consumer_key", "consumer_secret", "key_permissions", "attributes", "id", "total_price",
])  # fmt: skip
OBJECTS = st.dictionaries(FIELDS, JSON_VALUES, max_size=6)


def _deep(levels: int, opener: bytes, closer: bytes) -> bytes:
    return opener * levels + b"1" + closer * levels


BODIES = st.one_of(
    OBJECTS.map(lambda o: json.dumps(o).encode()),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.sampled_from([
        _deep(5000, b"[", b"]"), _deep(3000, b'{"a":', b"}"), b"{" * 100_000,
        b'{"min_subtotal": 1e999999, "hold_days": 99999999999999999999999}',
        b"9" * 6000, b'"' + "\u202e\u0000\U0001f600".encode() * 300 + b'"',
        b"x" * 70_000, b'{"email": "' + b"a" * 100_000 + b'@x.y"}',
    ]),
)  # fmt: skip
QUERY_VALUES = TEXT | st.sampled_from(["-1", "0", "99999999999999999999", "2026-13-45", ""])
QUERIES = st.dictionaries(
    st.sampled_from(["limit", "cursor", "status", "state", "since", "until", "locale", "shop",
                     "platform", "q", "search", "user_id", "success", "lang", "order"]),
    QUERY_VALUES, max_size=4,
)  # fmt: skip
PATH_VALUES = {
    "int": st.integers(min_value=0, max_value=10**30).map(str),
    "str": st.sampled_from(["x", "k" * 500, "%E2%80%AE", "..", "shopify", "sandbox", "me"]) | TEXT,
}


def _routes(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in routes:
        if isinstance(route, Mount):
            found += _routes(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            found += [
                (m, prefix + route.path_format) for m in sorted(route.methods or ()) if m != "HEAD"
            ]
    return found


ROUTES = sorted(
    set(_routes([*create_app().routes, *demo_routes.routes]))
)  # every route of `connector serve`, and the demo's


def _fill(template: str, values: list[str]) -> str:
    """The path with each {param} replaced by the next drawn value (URL-quoted)."""
    from urllib.parse import quote

    drawn = iter(values)
    return PARAM.sub(lambda m: quote(next(drawn), safe=""), template)


def _kinds(template: str) -> list[str]:
    return [m.group(2) or "str" for m in PARAM.finditer(template)]


# -- the app under fire -----------------------------------------------------------------------


class Target:
    """The app, a client, and what a valid signature looks like for each way in."""

    def __init__(self, client: httpx.AsyncClient, runtime: Runtime, woo_path: str, woo_secret: str):
        self.client = client
        self.runtime = runtime
        self.woo_path = woo_path
        self.woo_secret = woo_secret

    def signed(self, template: str, path: str, body: bytes, n: int) -> tuple[str, dict[str, str]]:
        """The path (maybe with a signed query) and the headers that authenticate this request."""
        if template == "/webhooks/{platform}":
            if n % 2:
                return "/webhooks/shopify", signed_headers(body, "orders/paid", f"fuzz-{n}")
            secret = self.runtime.webhook_secrets(demo.PLATFORM)[0]
            headers = sandbox_headers(
                secret, body, topic="orders/paid", shop=demo.SHOP, delivery_id=f"fuzz-{n}"
            )
            return "/webhooks/sandbox", headers
        if template.startswith("/webhooks/woocommerce/"):
            headers = woo.signed_headers(body, secret=self.woo_secret, delivery_id=f"f{n}")
            return self.woo_path, headers
        if template.startswith("/admin/api"):
            return path, bearer()
        if template.startswith("/proxy/"):
            customer = str(n * 7919) if n % 3 else "9" * 80
            query = urlencode(proxy_query(self.runtime.now(), customer))
            return f"{path}{'&' if '?' in path else '?'}{query}", {}
        if template.startswith("/storefront/api"):
            query = urlencode(SANDBOX)
            headers = {**token_headers(self.runtime, "1001"), "Origin": "http://127.0.0.1:8000"}
            return f"{path}{'&' if '?' in path else '?'}{query}", headers
        return path, {}


@pytest.fixture
async def target(
    runtime: Runtime, fake_shopify: FakeShopify, fake_woo: FakeWooCommerce
) -> AsyncIterator[Target]:
    """The app with a Shopify shop, a connected WooCommerce store and the demo shop installed."""
    app = create_app(runtime=runtime, manage_db=False, run_worker=False)
    app.router.routes.extend(demo_routes.routes)
    adapter = runtime.adapter("woocommerce")
    assert isinstance(adapter, WooCommerceAdapter)

    async def everything_is_private(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]  # the connect form never reaches out: every address is refused

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://connector.example.com"
        ) as client:
            adapter.rest.resolve = resolve_public
            woo_path, woo_secret = await connected(runtime, client)
            adapter.rest.resolve = everything_is_private
            await shopify_shop(runtime)
            await demo.set_up(runtime, "http://127.0.0.1:8000/demo/")
            yield Target(client, runtime, woo_path, woo_secret)


def _tracebacks(records: list[logging.LogRecord]) -> list[str]:
    return [
        r.getMessage() for r in records
        if r.exc_info or r.exc_text or "Traceback" in r.getMessage()
    ]  # fmt: skip


async def _fire(
    target: Target,
    caplog: pytest.LogCaptureFixture,
    request: tuple[str, str, list[str], dict[str, str], bytes, str, bool],
) -> None:
    """Send one request; assert it answered below 500 and logged no traceback."""
    method, template, values, query, body, content_type, with_signature = request
    path = _fill(template, values)
    if query:
        path += "?" + urlencode(query)
    headers = {"Content-Type": content_type}
    if with_signature:
        n = len(path) * 31 + len(body) + sum(map(ord, path[-8:]))
        path, signed = target.signed(template, path, body, n)
        headers.update(signed)
    caplog.clear()
    caplog.set_level(logging.INFO)

    answer = await target.client.request(method, path, content=body, headers=headers)

    assert answer.status_code < 500, (method, path[:200], answer.status_code, answer.text[:300])
    assert _tracebacks(caplog.records) == [], (method, path[:200])


FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)  # fmt: skip
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]
# The inputs that once broke a route, sent to every route every time, signed and not.
NASTY_BODIES = [
    _deep(5000, b"[", b"]"), _deep(3000, b'{"a":', b"}"),
    b'{"min_subtotal": "1e999999", "hold_days": 99999999999999999999999, "customer_id": "'
    + b"9" * 500 + b'", "email": "' + b"a" * 400 + b'@x.y", "name": "\\u202e' + b"n" * 300 + b'"}',
    b'{"note": 1e999999}', b"\xff\xfe{", b"x" * 70_000,
]  # fmt: skip
NASTY_PATHS = {"int": ["9" * 20, "0"], "str": ["k" * 500, "\u00e9\u202e%00"]}


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {t}" for m, t in ROUTES])
async def test_the_inputs_that_once_broke_a_route_break_none(
    target: Target, caplog: pytest.LogCaptureFixture, method: str, template: str
) -> None:
    kinds = _kinds(template)
    bodies = NASTY_BODIES if method in ("POST", "PUT", "PATCH") else [b""]
    for i in range(2):
        values = [NASTY_PATHS[kind][i] for kind in kinds]
        query = {"limit": "99999999999999999999", "since": "2026-13-45", "cursor": "9" * 30}
        for body in bodies:
            for with_signature in (False, True):
                request = (method, template, values, query, body, CONTENT_TYPES[0], with_signature)
                await _fire(target, caplog, request)


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {t}" for m, t in ROUTES])
@FUZZ
@given(data=st.data())
async def test_no_input_makes_a_route_fail_or_log_a_traceback(
    target: Target, caplog: pytest.LogCaptureFixture, method: str, template: str, data: Any
) -> None:
    body = data.draw(BODIES, label="body") if method in ("POST", "PUT", "PATCH") else b""
    query = data.draw(QUERIES, label="query")
    values = [data.draw(PATH_VALUES[kind], label=kind) for kind in _kinds(template)]
    content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="content type")
    with_signature = data.draw(st.booleans(), label="signed")

    await _fire(
        target, caplog, (method, template, values, query, body, content_type, with_signature)
    )
