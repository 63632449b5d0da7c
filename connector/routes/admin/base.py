"""What every admin API endpoint shares: the session and its shop, reading requests, JSON answers.

`admin` authenticates the call with one of two bearer tokens: the WordPress plugin's admin token
(`wca1.`, services.admin.access: a WooCommerce store and a WP user; 401 when refused) or else the
merchant's Shopify session token (`requires_session`: 503 while Shopify is not configured, 401
with the retry header when refused). It then finds the installed shop the token speaks for, on
the token's own platform, and hands only that shop to the endpoint, so no id in a path or a
query, and no token of one platform, can reach another shop's rows. An endpoint says what is
wrong by raising `Problem`, answered as JSON.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector import jsonsafe
from connector.routes.sessions import requires_session, session_user
from connector.services.admin.access import (
    AdminTokenRejected,
    is_admin_token,
    verify_admin_token,
)
from connector.services.admin.merchant import AdminShop, ShopNotInstalled, admin_shop
from connector.services.base.limits import FieldInvalid, too_long
from connector.services.base.runtime import Runtime

# A session token is Shopify's; the plugin's admin tokens name their own platform.
SHOPIFY = "shopify"
MAX_BODY = 64 * 1024
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
# Ids are 64-bit in the database; a longer number in a path names nothing.
MAX_ID = 2**63 - 1


class Problem(Exception):
    """An answer that says what is wrong: its status, message and any extra fields."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": message, **extra}


@dataclass(frozen=True)
class Call:
    """What an admin endpoint works with: the request, the runtime, the shop and who acts."""

    request: Request
    runtime: Runtime
    shop: AdminShop
    actor: str


AdminEndpoint = Callable[[Call], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def _plain(value: Any) -> Any:
    """What json cannot write itself: service rows (dataclasses), exact Decimals, ISO times."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)  # a string, so no amount is ever rounded through a float
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no JSON form")


class AdminJSON(JSONResponse):
    """A JSON answer that writes the services' rows as they are, with no copying into dicts."""

    def render(self, content: Any) -> bytes:
        """The body: UTF-8 JSON with Decimals as strings and times as ISO-8601."""
        text = json.dumps(
            content, default=_plain, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
        return text.encode()


def answer(value: Any, status: int = 200) -> AdminJSON:
    """A JSON answer of `value` (dicts, lists and the services' rows)."""
    return AdminJSON(value, status_code=status)


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def _serve(endpoint: AdminEndpoint, call: Call) -> Response:
    try:
        response = await endpoint(call)
    except Problem as exc:
        response = answer(exc.body, exc.status)
    response.headers["Cache-Control"] = "no-store"
    return response


def admin(endpoint: AdminEndpoint) -> Endpoint:
    """Wrap an endpoint: the bearer token, then the shop it names, then Problems as JSON."""

    @requires_session
    async def shopify(request: Request, domain: str) -> Response:
        runtime: Runtime = request.app.state.runtime
        try:
            shop = await admin_shop(SHOPIFY, domain)
        except ShopNotInstalled as exc:
            return answer({"error": str(exc)}, 403)
        # The staff member who holds the session acts; a token without one speaks for the shop.
        actor = session_user(request) or domain
        return await _serve(endpoint, Call(request, runtime, shop, actor))

    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        token = _bearer(request)
        if not is_admin_token(token):
            return await shopify(request)
        runtime: Runtime = request.app.state.runtime
        try:
            access = await verify_admin_token(runtime, token, runtime.now())
        except AdminTokenRejected as exc:
            body = {"error": "invalid admin token", "reason": exc.reason, "detail": str(exc)}
            return answer(body, 401)
        # A WordPress user: the id the plugin signed, so the record says who on which platform.
        actor = f"{access.shop.platform}:user:{access.user}"
        return await _serve(endpoint, Call(request, runtime, access.shop, actor))

    return run


async def json_body(request: Request, *, required: bool) -> Any:
    """The parsed body; 413 past MAX_BODY, 400 when it is not JSON (or missing but required)."""
    raw = bytearray()
    # Read as it streams, so an oversized body is refused before it is all in memory.
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise Problem(413, f"body is larger than {MAX_BODY} bytes")
    if not raw.strip() and not required:
        return {}
    try:
        return jsonsafe.loads(bytes(raw))
    except jsonsafe.JSONRejected as exc:
        # Past a limit (nesting, a number's size) the message says which; a typo is just "not JSON".
        message = f"body is not valid JSON: {exc}" if exc.limit else "body is not valid JSON"
        raise Problem(400, message) from None


def known(body: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """`body` as an object of fields among `names` (null is absent); else 422 listing why."""
    if not isinstance(body, dict):
        raise Problem(422, "invalid body", fields=[field_error("(root)", "must be an object")])
    bad = [field_error(k, "is not a known field") for k in sorted(body) if k not in names]
    if bad:
        raise Problem(422, "invalid body", fields=bad)
    return {k: v for k, v in body.items() if v is not None}


def invalid(path: str, message: str) -> Problem:
    """A 422 for one field at fault."""
    return Problem(422, "invalid body", fields=[field_error(path, message)])


def text_field(body: dict[str, Any], name: str, *, required: bool = False) -> str:
    """The string field `name` of a `known` body ("" when absent and not required); else 422."""
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise invalid(name, "is required" if value is None or value == "" else "must be a string")
    problem = too_long(name, value)  # the shared limits, checked here before any storage call
    if problem is not None:
        raise invalid(name, problem)
    return value


def decimal_field(body: dict[str, Any], name: str) -> Decimal | None:
    """The field `name` as an exact amount ("10.50"; a number is read through its text)."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid(name, 'must be an amount such as "10.00"')
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise invalid(name, f'must be an amount such as "10.00", got {value!r}') from None
    if not amount.is_finite():
        raise invalid(name, "must be a finite amount")
    return amount


def cursor(request: Request) -> int | None:
    """The `cursor` query parameter: the `next_cursor` of the page before; else 400."""
    text = request.query_params.get("cursor")
    if text is not None and not (text.isdigit() and int(text) <= MAX_ID):
        raise Problem(400, f"cursor must be the next_cursor of a page, got {text!r}")
    return int(text) if text else None


def page(rows: list[Any], size: int, key: str) -> dict[str, Any]:
    """A page of `size` from `size + 1` rows (one more says a next page exists, with no count)."""
    more = len(rows) > size
    return {key: rows[:size], "next_cursor": str(rows[size - 1].id) if more else None}


def texts(body: Any, names: tuple[str, ...]) -> dict[str, str]:
    """`body` as an object of text fields among `names` (null is absent); else 422 listing why.

    Each name's length limit is the shared one (services.base.limits), checked here at the edge.
    """
    if not isinstance(body, dict):
        raise Problem(422, "invalid body", fields=[field_error("(root)", "must be an object")])
    bad = [field_error(k, "is not a known field") for k in sorted(body) if k not in names]
    for k, v in sorted(body.items()):
        if k not in names or v is None:
            continue
        problem = "must be a string or null" if not isinstance(v, str) else too_long(k, v)
        if problem is not None:
            bad.append(field_error(k, problem))
    if bad:
        raise Problem(422, "invalid body", fields=bad)
    return {k: v for k, v in body.items() if v is not None}


def field_error(path: str, message: str) -> dict[str, str]:
    """One entry of a 422's `fields`: where in the body, and what is wrong there."""
    return {"path": path, "message": message}


def invalid_field(exc: FieldInvalid) -> Problem:
    """A service's FieldInvalid as the 422 that names the field."""
    return Problem(422, "invalid body", fields=[field_error(exc.field, exc.message)])


def limit(request: Request) -> int:
    """The `limit` query parameter (1 to MAX_LIMIT, DEFAULT_LIMIT when absent); else 400."""
    text = request.query_params.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise Problem(400, f"limit must be a whole number from 1 to {MAX_LIMIT}, got {text!r}")
    return int(text)


def choice(request: Request, name: str, choices: tuple[str, ...]) -> str | None:
    """The query parameter `name` if given, one of `choices`; else 400 naming them."""
    value = request.query_params.get(name)
    if value is not None and value not in choices:
        listed = ", ".join(choices)
        raise Problem(400, f"unknown {name} {value!r}: use one of {listed}", valid=choices)
    return value


def moment(request: Request, name: str) -> datetime | None:
    """The query parameter `name` as an aware time (UTC when it names no offset); else 400."""
    text = request.query_params.get(name)
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise Problem(400, f"{name} must be an ISO-8601 date or time, got {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class IdConvertor(Convertor[str]):
    """`{id:id}`: digits, kept as text until `path_id` reads them.

    Starlette's `int` convertor calls int() on any run of digits, and past 4300 digits Python
    refuses (ValueError, a 500); here the length is checked before any conversion.
    """

    regex = "[0-9]+"

    def convert(self, value: str) -> str:
        """The digits as they came."""
        return value

    def to_string(self, value: str) -> str:
        """The digits back into a path."""
        return str(value)


register_url_convertor("id", IdConvertor())


def path_id(request: Request, what: str, name: str = "id") -> int:
    """The integer path parameter `name`; 404 ("no {what} N") past the database's 64 bits."""
    text = str(request.path_params[name])
    if len(text) > len(str(MAX_ID)) or int(text) > MAX_ID:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise Problem(404, f"no {what} {shown}")
    return int(text)
