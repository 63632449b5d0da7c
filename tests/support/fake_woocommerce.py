"""A fake WooCommerce store on respx: REST API v3 and the REST index, stateful and strict.

It authenticates like the store: HTTP Basic only over https; over http one-legged OAuth 1.0a,
checked the way WooCommerce's PHP does it (its own code, not ours): the signature against the
store's *home URL*, the timestamp within 15 minutes, and every nonce used once. Coupon bodies are
checked against the coupon schema (`woocommerce_schema`) and a bad one is refused with
`rest_invalid_param` and recorded in `invalid`, which the fixture asserts is empty.

    with installed_woo() as woo:             # or the `fake_woo` fixture
        woo.add_customer("ana@example.org", orders=2)
        woo.fail_next(503)                   # script the next answers
        ...                                  # code under test calls https://store.example/wp-json/...
        assert woo.paths() == ["GET /coupons"]
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import respx

from tests.support.woocommerce_payloads import CONSUMER_KEY, CONSUMER_SECRET, HOME
from tests.support.woocommerce_payloads import order as order_payload
from tests.support.woocommerce_schema import coupon_problems, customer_problems

NOW = 1_795_186_800  # 2026-11-20T15:00:00Z
PUBLIC_ADDRESS = "93.184.215.14"
TOPICS = tuple(
    f"{resource}.{event}"
    for resource in ("order", "coupon", "customer", "product")
    for event in ("created", "updated", "deleted", "restored")
)
Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


@dataclass(frozen=True)
class Call:
    """One authenticated request the fake answered."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    auth: str  # basic | oauth


def _error(status: int, code: str, message: str, **data: Any) -> httpx.Response:
    return httpx.Response(
        status, json={"code": code, "message": message, "data": {"status": status, **data}}
    )


def _rawurlencode(text: str) -> str:
    return quote(text, safe="~")


def php_oauth_signature(method: str, base_url: str, params: Mapping[str, str], secret: str) -> str:
    """WooCommerce's check: encode each k=v, join with %26 (already encoded), HMAC with secret&."""
    pairs = [
        _rawurlencode(f"{_rawurlencode(k)}={_rawurlencode(params[k])}")
        for k in sorted(params)
        if k != "oauth_signature"
    ]
    string_to_sign = f"{method}&{_rawurlencode(base_url)}&{'%26'.join(pairs)}"
    mac = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


async def resolve_public(host: str, port: int) -> list[str]:
    """A resolver for tests: every name is one public address, and nothing leaves the process."""
    return [PUBLIC_ADDRESS]


class FakeWooCommerce:
    """One store's REST API, in memory."""

    def __init__(
        self,
        home: str = HOME,
        *,
        consumer_key: str = CONSUMER_KEY,
        consumer_secret: str = CONSUMER_SECRET,
    ) -> None:
        self.home = home
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.now = NOW
        self.coupons: dict[int, dict[str, Any]] = {}
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.secrets: dict[int, str] = {}  # write-only in WooCommerce; kept here to check them
        self.orders: dict[int, dict[str, Any]] = {}
        self.customers: dict[int, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.invalid: list[str] = []
        self.nonces: set[str] = set()
        self._scripted: list[Answer] = []
        self._ids = itertools.count(101)

    @property
    def api(self) -> str:
        """The REST API base URL."""
        return f"{self.home}/wp-json/wc/v3"

    def paths(self) -> list[str]:
        """`METHOD /path` of each answered request, in order."""
        return [f"{c.method} {c.path}" for c in self.calls]

    # -- seeding -----------------------------------------------------------------------------

    def add_customer(self, email: str, *, orders: int = 0) -> str:
        """A registered customer who has placed `orders` paid orders; returns the id."""
        customer_id = next(self._ids)
        self.customers[customer_id] = {"id": customer_id, "email": email, "role": "customer"}
        for _ in range(orders):
            self.add_order(next(self._ids), email=email, customer_id=customer_id)
        return str(customer_id)

    def add_order(self, order_id: int, **fields: Any) -> dict[str, Any]:
        """An order in the documented shape (see `woocommerce_payloads.order`)."""
        payload = order_payload(order_id, home=self.home, **fields)
        self.orders[order_id] = payload
        return payload

    def add_coupon(self, code: str, **fields: Any) -> dict[str, Any]:
        """A coupon that already exists in the store."""
        coupon_id = next(self._ids)
        coupon = {"id": coupon_id, "code": code.lower(), "status": "publish", **fields}
        self.coupons[coupon_id] = coupon
        return coupon

    def add_webhook(self, topic: str, delivery_url: str, *, status: str = "active") -> int:
        """A webhook that already exists in the store; returns its id."""
        hook_id = next(self._ids)
        self.webhooks[hook_id] = {
            "id": hook_id,
            "name": topic,
            "status": status,
            "topic": topic,
            "delivery_url": delivery_url,
        }
        return hook_id

    # -- scripting ---------------------------------------------------------------------------

    def respond_next(self, *answers: Answer) -> None:
        """Answer the next requests with these (a response, or a function of the request)."""
        self._scripted.extend(answers)

    def fail_next(self, status: int, *, headers: Mapping[str, str] | None = None) -> None:
        """Answer the next request with a bare HTTP error."""
        self.respond_next(httpx.Response(status, headers=headers, text=f"HTTP {status}"))

    # -- the HTTP side -----------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """respx side effect for every URL under the store's home."""
        path = request.url.path
        if path.rstrip("/") == urlsplit(self.home).path + "/wp-json":
            return httpx.Response(
                200,
                json={"name": "Test Store", "home": self.home, "namespaces": ["wp/v2", "wc/v3"]},
            )
        if self._scripted:
            answer = self._scripted.pop(0)
            return answer(request) if callable(answer) else answer
        params = dict(request.url.params.multi_items())
        auth = self._authenticate(request, params)
        if isinstance(auth, httpx.Response):
            return auth
        route = path.removeprefix(urlsplit(self.api).path)
        body = json.loads(request.content) if request.content else None
        query = {k: v for k, v in params.items() if not k.startswith("oauth_")}
        self.calls.append(Call(request.method, route, query, body, auth))
        return self._route(request.method, route, query, body)

    def _authenticate(self, request: httpx.Request, params: dict[str, str]) -> str | httpx.Response:
        if request.url.scheme == "https":
            expected = base64.b64encode(f"{self.consumer_key}:{self.consumer_secret}".encode())
            if request.headers.get("authorization") != f"Basic {expected.decode()}":
                return _error(
                    401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."
                )
            return "basic"
        if params.get("oauth_consumer_key") != self.consumer_key:
            return _error(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        base = self.home + request.url.path.removeprefix(urlsplit(self.home).path)
        signature = php_oauth_signature(request.method, base, params, self.consumer_secret)
        if not hmac.compare_digest(signature, params.get("oauth_signature", "")):
            return _error(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature - provided signature does not match.",
            )
        if abs(int(params.get("oauth_timestamp", "0")) - self.now) > 15 * 60:
            return _error(401, "woocommerce_rest_authentication_error", "Invalid timestamp.")
        nonce = params.get("oauth_nonce", "")
        if nonce in self.nonces:
            return _error(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid nonce - nonce has already been used.",
            )
        self.nonces.add(nonce)
        return "oauth"

    def _route(self, method: str, route: str, params: dict[str, str], body: Any) -> httpx.Response:
        parts = route.strip("/").split("/")
        collection, item = (
            parts[0],
            (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None),
        )
        handlers: dict[tuple[str, str, bool], Callable[..., httpx.Response]] = {
            ("GET", "coupons", False): self._list_coupons,
            ("POST", "coupons", False): self._create_coupon,
            ("PUT", "coupons", True): self._update_coupon,
            ("DELETE", "coupons", True): self._delete_coupon,
            ("GET", "webhooks", False): self._list_webhooks,
            ("POST", "webhooks", False): self._create_webhook,
            ("PUT", "webhooks", True): self._update_webhook,
            ("DELETE", "webhooks", True): self._delete_webhook,
            ("GET", "orders", False): self._list_orders,
            ("GET", "customers", False): self._list_customers,
            ("GET", "customers", True): self._get_customer,
            ("PUT", "customers", True): self._update_customer,
        }
        handler = handlers.get((method, collection, item is not None))
        if handler is None:
            return _error(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
        return handler(params=params, body=body, item=item)

    @staticmethod
    def _page(items: list[dict[str, Any]], params: dict[str, str]) -> httpx.Response:
        per_page = int(params.get("per_page", "10"))
        page = int(params.get("page", "1"))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {
            "X-WP-Total": str(len(items)),
            "X-WP-TotalPages": str(max(1, math.ceil(len(items) / per_page))),
        }
        return httpx.Response(200, json=chunk, headers=headers)

    # -- coupons -----------------------------------------------------------------------------

    def _list_coupons(self, params: dict[str, str], **_: Any) -> httpx.Response:
        code = params.get("code", "").lower()
        found = [c for c in self.coupons.values() if not code or c["code"] == code]
        return self._page(found, params)

    def _create_coupon(self, body: Any, params: dict[str, str], **_: Any) -> httpx.Response:
        problems = coupon_problems(body, creating=True)
        if problems:
            self.invalid.extend(problems)
            return _error(400, "rest_invalid_param", "Invalid parameter(s): " + "; ".join(problems))
        code = str(body["code"]).lower()
        if any(c["code"] == code for c in self.coupons.values()):
            return _error(
                400, "woocommerce_rest_coupon_code_already_exists", "The coupon code already exists"
            )
        coupon_id = next(self._ids)
        coupon = {
            "id": coupon_id,
            "usage_count": 0,
            "used_by": [],
            "discount_type": "fixed_cart",
            **body,
            "code": code,
            "amount": str(Decimal(str(body.get("amount", 0))).quantize(Decimal("0.01"))),
        }
        self.coupons[coupon_id] = coupon
        return httpx.Response(201, json=coupon)

    def _update_coupon(self, item: int, body: Any, **_: Any) -> httpx.Response:
        coupon = self.coupons.get(item)
        if coupon is None:
            return _error(404, "woocommerce_rest_shop_coupon_invalid_id", "Invalid ID.")
        problems = coupon_problems(body, creating=False)
        if problems:
            self.invalid.extend(problems)
            return _error(400, "rest_invalid_param", "Invalid parameter(s): " + "; ".join(problems))
        coupon.update(body)
        if "amount" in body:
            coupon["amount"] = str(Decimal(str(body["amount"])).quantize(Decimal("0.01")))
        return httpx.Response(200, json=coupon)

    def _delete_coupon(self, item: int, params: dict[str, str], **_: Any) -> httpx.Response:
        coupon = self.coupons.get(item)
        if coupon is None:
            return _error(404, "woocommerce_rest_shop_coupon_invalid_id", "Invalid ID.")
        if params.get("force") != "true":
            coupon["status"] = "trash"
            return httpx.Response(200, json=coupon)
        del self.coupons[item]
        return httpx.Response(200, json=coupon)

    def coupon_is_active(self, code: str) -> bool:
        """Whether checkout would accept the code now (exists, published, not expired)."""
        for coupon in self.coupons.values():
            if coupon["code"] == code.lower() and coupon.get("status") == "publish":
                expires = coupon.get("date_expires")
                if expires is None:
                    return True
                when = datetime.fromisoformat(str(expires).replace("Z", "+00:00"))
                return when.timestamp() > self.now
        return False

    # -- webhooks ----------------------------------------------------------------------------

    def _list_webhooks(self, params: dict[str, str], **_: Any) -> httpx.Response:
        return self._page(list(self.webhooks.values()), params)

    def _create_webhook(self, body: Any, **_: Any) -> httpx.Response:
        if body.get("topic") not in TOPICS:
            return _error(
                400,
                "woocommerce_rest_shop_webhook_invalid_topic",
                "Webhook topic is required and must be valid.",
            )
        hook_id = self.add_webhook(
            body["topic"], body["delivery_url"], status=body.get("status", "active")
        )
        self.webhooks[hook_id]["name"] = body.get("name", "")
        if body.get("secret"):
            self.secrets[hook_id] = body["secret"]
        return httpx.Response(201, json=self.webhooks[hook_id])

    def _update_webhook(self, item: int, body: Any, **_: Any) -> httpx.Response:
        hook = self.webhooks.get(item)
        if hook is None:
            return _error(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        if "secret" in body:
            self.secrets[item] = body["secret"]
        hook.update({k: v for k, v in body.items() if k != "secret"})
        return httpx.Response(200, json=hook)

    def _delete_webhook(self, item: int, params: dict[str, str], **_: Any) -> httpx.Response:
        if params.get("force") != "true":
            return _error(
                501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing."
            )
        hook = self.webhooks.pop(item, None)
        if hook is None:
            return _error(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        self.secrets.pop(item, None)
        return httpx.Response(200, json=hook)

    # -- orders and customers ----------------------------------------------------------------

    def _list_orders(self, params: dict[str, str], **_: Any) -> httpx.Response:
        found = list(self.orders.values())
        if "modified_after" in params:
            after = datetime.fromisoformat(params["modified_after"])
            found = [o for o in found if datetime.fromisoformat(o["date_modified_gmt"]) > after]
        if "customer" in params:
            found = [o for o in found if str(o["customer_id"]) == params["customer"]]
        if "status" in params:
            wanted = params["status"].split(",")
            found = [o for o in found if o["status"] in wanted]
        if "search" in params:
            # A fuzzy text search: any order whose JSON mentions the text.
            text = params["search"].lower()
            found = [o for o in found if text in json.dumps(o).lower()]
        if params.get("orderby") == "id":
            found.sort(key=lambda o: o["id"], reverse=params.get("order") == "desc")
        return self._page(found, params)

    def _list_customers(self, params: dict[str, str], **_: Any) -> httpx.Response:
        email = params.get("email", "").lower()
        found = [c for c in self.customers.values() if not email or c["email"].lower() == email]
        return self._page(found, params)

    def _get_customer(self, item: int, **_: Any) -> httpx.Response:
        customer = self.customers.get(item)
        if customer is None:
            return _error(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return httpx.Response(200, json=customer)

    def _update_customer(self, item: int, body: Any, **_: Any) -> httpx.Response:
        customer = self.customers.get(item)
        if customer is None:
            return _error(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        problems = customer_problems(body)
        if problems:
            self.invalid.extend(problems)
            return _error(400, "rest_invalid_param", "Invalid parameter(s): " + "; ".join(problems))
        metas = customer.setdefault("meta_data", [])
        for entry in body.get("meta_data", []):
            found = next((m for m in metas if m["key"] == entry["key"]), None)
            if found is None:
                metas.append({"id": next(self._ids), **entry})
            else:
                found["value"] = entry["value"]
        customer.update({k: v for k, v in body.items() if k != "meta_data"})
        return httpx.Response(200, json=customer)

    def tier_meta(self, customer_id: str) -> str | None:
        """The customer's `referral_connector_tier` meta value, if any."""
        metas = self.customers[int(customer_id)].get("meta_data", [])
        return next((m["value"] for m in metas if m["key"] == "referral_connector_tier"), None)


@contextmanager
def installed_woo(home: str = HOME) -> Iterator[FakeWooCommerce]:
    """Route the store's URLs to a new fake; any other request fails the test."""
    fake = FakeWooCommerce(home)
    with respx.mock(assert_all_called=False) as router:
        router.route(url__startswith=home).mock(side_effect=fake.handle)
        yield fake
    assert fake.invalid == [], "the code sent a coupon body WooCommerce would refuse"


@pytest.fixture
def fake_woo() -> Iterator[FakeWooCommerce]:
    """The fake WooCommerce store for one test (registered in tests/conftest.py)."""
    with installed_woo() as fake:
        yield fake
