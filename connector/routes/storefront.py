"""The storefront: the widget's files and the JSON API it calls from shoppers' browsers.

Two ways in, one API (described by GET /storefront/openapi.json):

- Shopify: `{proxy path}/...` through the App Proxy. Shopify signs the query and names the
  signed-in customer; the browser calls its own shop's origin, so no CORS is involved.
- WooCommerce and the sandbox: `/storefront/...` with the loader plugin's signed token in
  `X-Referral-Token` and the shop in `?platform=&shop=` (so even a CORS preflight knows the
  shop); CORS admits only that shop's origins, and a call from any other origin is refused
  before it changes anything.

Both run the same authentication backend interface, then the same action, so a rule (rate
limits, privacy) cannot hold on one path and not the other.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from connector import jsonsafe
from connector.errors import NotConfigured
from connector.routes.clients import client_ip
from connector.services.base.limits import too_long
from connector.services.base.runtime import Runtime
from connector.services.rewards.birthdays import BirthdayAlreadySet, BirthdayInvalid
from connector.services.rewards.choices import AlreadyChosen, ChoiceError, NoSuchReward
from connector.services.storefront import api
from connector.services.storefront.api import Visitor
from connector.services.storefront.assets import Asset, load_assets
from connector.services.storefront.terms import TermsNotAccepted
from connector.services.storefront.tokens import BadToken, TokenShop, read_token, token_shop
from connector.settings import REPO_ROOT
from platforms.shopify.app_proxy import ProxyRejected, verify_app_proxy

PREFIX = "/storefront"
DEFAULT_PROXY_PATH = "/proxy"  # app.toml's [shopify.app_proxy] path when no settings are given
OPENAPI = REPO_ROOT / "connector" / "static" / "storefront-openapi.json"
TOKEN_HEADER = "x-referral-token"
TOKEN_PLATFORMS = ("woocommerce", "sandbox")
MAX_BODY = 4096
MAX_ID = 2**63 - 1  # ids are 64-bit in the database: a larger one names nothing
MAX_VERSION = 2**31 - 1  # a program version number fits a 32-bit column
IMMUTABLE = "public, max-age=31536000, immutable"
# The loader is the one stable URL: short enough that a new widget reaches shoppers quickly.
SHORT = "public, max-age=300"
log = logging.getLogger("connector.storefront")

Action = Callable[[Runtime, Visitor, Request, Mapping[str, Any]], Awaitable[Response]]


class Refused(Exception):
    """A storefront request refused before any action: status, machine reason, headers."""

    def __init__(self, status: int, reason: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = dict(headers or {})


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _error(status: int, reason: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status, headers=dict(headers or {}))


# ---------------------------------------------------------------------------------------------
# The widget's files: content-versioned, gzip, ETag, long-lived caching
# ---------------------------------------------------------------------------------------------


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        quality = params.strip()
        if not quality.startswith("q="):
            return True
        try:
            return float(quality[2:]) > 0
        except ValueError:
            return False
    return False


def _matches(header: str | None, tags: set[str]) -> bool:
    if not header:
        return False
    given = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in given or bool(given & tags)


def _send_asset(request: Request, asset: Asset, cache: str) -> Response:
    gzipped = _accepts_gzip(request.headers.get("accept-encoding", ""))
    headers = {
        "Cache-Control": cache,
        "ETag": asset.gzip_etag if gzipped else asset.etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        # WooCommerce pages load it from our origin; let pages with COEP embed it too.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if _matches(request.headers.get("if-none-match"), {asset.etag, asset.gzip_etag}):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    body = asset.gzipped if gzipped else asset.body
    return Response(body, headers=headers, media_type=asset.content_type)


async def loader(request: Request) -> Response:
    """The loader: a stable URL naming the widget's current version."""
    return _send_asset(request, load_assets().loader, SHORT)


async def widget(request: Request) -> Response:
    """The widget at its versioned URL (immutable); an old version is sent to the current one."""
    assets = load_assets()
    if request.path_params["version"] != assets.version:
        # Relative, so it resolves under the App Proxy path as well as under ours.
        target = f"../{assets.version}/widget.js"
        return RedirectResponse(target, status_code=302, headers={"Cache-Control": "no-cache"})
    return _send_asset(request, assets.widget, IMMUTABLE)


async def openapi(request: Request) -> Response:
    """The storefront API's OpenAPI document."""
    return FileResponse(OPENAPI, media_type="application/json", headers={"Cache-Control": SHORT})


# ---------------------------------------------------------------------------------------------
# Authentication backends
# ---------------------------------------------------------------------------------------------


class StorefrontAuth(Protocol):
    """Proves who calls: a shop and, when signed in, its customer. Raises Refused."""

    async def authenticate(self, request: Request) -> Visitor:
        """The verified visitor of this request."""
        ...


def _customer(customer_id: str | None) -> str | None:
    """A signed customer id, refused (400) when no store column could hold it."""
    problem = too_long("customer_id", customer_id)
    if problem is not None:
        raise Refused(400, "invalid_customer_id")
    return customer_id


class AppProxyAuth:
    """Shopify: the App Proxy's signed query, checked with the app secret (current or previous)."""

    async def authenticate(self, request: Request) -> Visitor:
        """The shop and signed-in customer the verified query names."""
        runtime = _runtime(request)
        shopify = runtime.settings.shopify
        if not shopify.configured:
            raise NotConfigured("Shopify", "set SHOPIFY_API_KEY and SHOPIFY_API_SECRET")
        secrets = [s.reveal() for s in shopify.secrets]
        try:
            proxied = verify_app_proxy(
                request.query_params.multi_items(), secrets, now=runtime.now()
            )
        except ProxyRejected as exc:
            log.warning("refused an App Proxy request: %s (%s)", exc.reason.value, exc.detail)
            raise Refused(401, exc.reason.value) from exc
        customer = _customer(proxied.customer_id)
        agent = request.headers.get("user-agent")
        return Visitor("shopify", proxied.shop, customer, client_ip(request), agent)


def _own_origins(request: Request) -> frozenset[str]:
    public = urlsplit(_runtime(request).settings.public_url)
    mine = {f"{public.scheme}://{public.netloc}", f"{request.url.scheme}://{request.url.netloc}"}
    return frozenset(mine)


async def _token_shop(request: Request) -> TokenShop:
    platform = request.query_params.get("platform", "")
    domain = request.query_params.get("shop", "")
    if platform not in TOKEN_PLATFORMS or not domain:
        raise Refused(400, "missing_shop")
    try:
        found = await token_shop(_runtime(request), platform, domain)
    except api.ShopUnknown as exc:
        raise Refused(404, "unknown_shop") from exc
    # Our own pages (the demo store) may call too.
    return replace(found, origins=found.origins | _own_origins(request))


class TokenAuth:
    """WooCommerce and the sandbox: a token the shop's page was rendered with, from its origin."""

    async def authenticate(self, request: Request) -> Visitor:
        """The shop and customer the token names, if it verifies and the origin is the shop's."""
        found = await _token_shop(request)
        origin = request.headers.get("origin")
        if origin is not None and origin not in found.origins:
            raise Refused(403, "origin_not_allowed")
        runtime = _runtime(request)
        token = request.headers.get(TOKEN_HEADER, "")
        try:
            claims = read_token(token, found.keys, found.domain, runtime.now())
        except BadToken as exc:
            raise Refused(401, "bad_token") from exc
        return Visitor(
            found.platform, found.domain, _customer(claims.customer_id), client_ip(request),
            request.headers.get("user-agent"),
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------


def _text(body: Mapping[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise Refused(422, f"invalid_{name}")
    return value.strip() or None


async def _config(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    return JSONResponse(await api.config(runtime, v, r.query_params.get("locale")))


async def _me(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    try:
        return JSONResponse(await api.me(runtime, v))
    except api.NotSignedIn:
        return _error(401, "not_signed_in")
    except api.NotAdvocate:
        return _error(404, "not_an_advocate")


async def _choose(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    shown = b.get("leaderboard")
    if shown is not None and not isinstance(shown, bool):
        return _error(422, "invalid_leaderboard")
    try:
        return JSONResponse(await api.choose(runtime, v, _text(b, "cause", 128), shown))
    except api.NotSignedIn:
        return _error(401, "not_signed_in")
    except api.NotAdvocate:
        return _error(404, "not_an_advocate")
    except ValueError:
        return _error(422, "invalid_cause")


def _terms_version(body: Mapping[str, Any]) -> int | None:
    value = body.get("terms_version")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_VERSION:
        raise Refused(422, "invalid_terms_version")
    return value


def _terms_refused(exc: TermsNotAccepted) -> Response:
    """409 for terms other than those in force, 422 for none: either way, the ones to show."""
    version = exc.terms["version"]
    if exc.outdated:
        status, reason = 409, "terms_outdated"
        message = f"The program's terms changed (version {version} is in force): show them again."
    else:
        status, reason = 422, "terms_not_accepted"
        message = f"Accept the program's terms (version {version}) to join: show them again."
    body = {"error": reason, "message": message, "terms": exc.terms}
    return JSONResponse(body, status_code=status)


async def _join(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    email = _text(b, "email", 320)
    terms = _terms_version(b)
    if v.customer_id is None and (email is None or "@" not in email):
        return _error(422, "invalid_email")
    try:
        joined = await api.join(runtime, v, email, _text(b, "locale", 16), terms)
    except TermsNotAccepted as exc:
        return _terms_refused(exc)
    except ValueError:
        return _error(422, "invalid_email")
    return JSONResponse(joined)


async def _click(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    ref = _text(b, "ref", 64)
    found = await api.click(runtime, v, ref) if ref else None
    return JSONResponse(found) if found is not None else _error(404, "unknown_ref")


async def _claim(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    ref, email = _text(b, "ref", 64), _text(b, "email", 320)
    if not email or "@" not in email:
        return _error(422, "invalid_email")
    try:
        found = await api.claim(runtime, v, ref, email) if ref else None
    except ValueError:
        return _error(422, "invalid_email")
    return JSONResponse(found) if found is not None else _error(404, "unknown_ref")


async def _share(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    channel = _text(b, "channel", 16)
    if channel not in api.SHARE_CHANNELS:
        return _error(422, "invalid_channel")
    return JSONResponse(await api.share(runtime, v, channel))


async def _redeem(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    item, key = _text(b, "item", 64), _text(b, "key", 64)
    if not item:
        return _error(422, "invalid_item")
    if not key:
        return _error(422, "invalid_key")
    try:
        return JSONResponse(await api.redeem(runtime, v, item, key))
    except api.NotSignedIn:
        return _error(401, "not_signed_in")
    except api.NotAdvocate:
        return _error(404, "not_a_member")
    except api.NoSuchItem:
        return _error(404, "unknown_item")
    except api.NotEnoughPoints:
        return _error(409, "not_enough_points")
async def _pick(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    reward, choice, key = b.get("reward"), _text(b, "choice", 32), _text(b, "key", 64)
    if not isinstance(reward, int) or isinstance(reward, bool) or not 0 < reward <= MAX_ID:
        return _error(422, "invalid_reward")
    if not choice:
        return _error(422, "invalid_choice")
    if not key:
        return _error(422, "invalid_key")
    try:
        return JSONResponse(await api.pick(runtime, v, reward, choice, key))
    except api.NotSignedIn:
        return _error(401, "not_signed_in")
    except api.NotAdvocate:
        return _error(404, "not_an_advocate")
    except ChoiceError as exc:
        status = {NoSuchReward: 404, AlreadyChosen: 409}.get(type(exc), 422)
        return JSONResponse({"error": exc.reason, "message": str(exc)}, status_code=status)


# An international number as a person types it: digits with spaces, dashes, dots, brackets.
_PHONE = re.compile(r"\+?[0-9 ().-]{8,24}")


async def _whatsapp(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    opt_in = b.get("opt_in", True)
    phone = _text(b, "phone", 32)
    if not isinstance(opt_in, bool):
        return _error(422, "invalid_opt_in")
    digits = sum(ch.isdigit() for ch in phone or "")
    if opt_in and (phone is None or not _PHONE.fullmatch(phone) or not 8 <= digits <= 15):
        return _error(422, "invalid_phone")
    try:
        return JSONResponse(await api.whatsapp(runtime, v, phone, opt_in))
    except api.NotSignedIn:
        return _error(401, "not_signed_in")
    except api.NotAdvocate:
        return _error(404, "not_an_advocate")


async def _birthday(runtime: Runtime, v: Visitor, r: Request, b: Mapping[str, Any]) -> Response:
    try:
        return JSONResponse(await api.birthday(runtime, v, b.get("month"), b.get("day")))
    except api.NotSignedIn:
        return _error(401, "not_signed_in")
    except api.NotAdvocate:
        return _error(404, "not_a_member")
    except BirthdayInvalid:
        return _error(422, "invalid_birthday")
    except BirthdayAlreadySet:
        return _error(409, "birthday_already_set")


ACTIONS: dict[str, tuple[str, Action]] = {
    "config": ("GET", _config),
    "me": ("GET", _me),
    "join": ("POST", _join),
    "click": ("POST", _click),
    "claim": ("POST", _claim),
    "choose": ("POST", _choose),
    "share": ("POST", _share),
    "redeem": ("POST", _redeem),
    "whatsapp": ("POST", _whatsapp),
    "birthday": ("POST", _birthday),
    "pick": ("POST", _pick),
}


async def _body(request: Request) -> Mapping[str, Any]:
    if request.method != "POST":
        return {}
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Refused(413, "body_too_large")
    try:
        data = jsonsafe.loads(raw or b"{}")
    except ValueError as exc:
        raise Refused(400, "invalid_json") from exc
    if not isinstance(data, dict):
        raise Refused(400, "invalid_json")
    return data


async def _run(request: Request, auth: StorefrontAuth) -> Response:
    """Authenticate, rate-limit, then run the action; every answer is private and uncached."""
    name = request.path_params["action"]
    method, action = ACTIONS.get(name, ("", None))
    if action is None:
        raise Refused(404, "unknown_action")
    if request.method != method:
        raise Refused(405, "method_not_allowed", {"Allow": method})
    runtime = _runtime(request)
    visitor = await auth.authenticate(request)
    body = await _body(request)
    verdict = await api.check_rate(runtime, name, visitor)
    if not verdict.allowed:
        raise Refused(429, "rate_limited", {"Retry-After": str(verdict.retry_after)})
    try:
        return await action(runtime, visitor, request, body)
    except api.ShopUnknown as exc:
        raise Refused(404, "unknown_shop") from exc


async def _answer(request: Request, auth: StorefrontAuth) -> Response:
    try:
        response = await _run(request, auth)
    except Refused as exc:
        response = _error(exc.status, exc.reason, exc.headers)
    except NotConfigured as exc:
        response = _error(503, str(exc))
    response.headers["Cache-Control"] = "no-store"
    return response


async def proxy_api(request: Request) -> Response:
    """An API call through Shopify's App Proxy."""
    return await _answer(request, AppProxyAuth())


def _cors(response: Response, origin: str | None) -> Response:
    response.headers["Vary"] = "Origin"
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


async def token_api(request: Request) -> Response:
    """An API call from a WooCommerce or sandbox page, CORS-checked against the shop's origins."""
    origin = request.headers.get("origin")
    if request.method == "OPTIONS":
        try:
            found = await _token_shop(request)
        except Refused as exc:
            return _cors(_error(exc.status, exc.reason), None)
        if origin not in found.origins:
            return _cors(_error(403, "origin_not_allowed"), None)
        response = Response(status_code=204, headers={
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": "Content-Type, X-Referral-Token",
            "Access-Control-Max-Age": "600",
        })  # fmt: skip
        return _cors(response, origin)
    response = await _answer(request, TokenAuth())
    allowed = response.status_code != 403 and origin is not None
    return _cors(response, origin if allowed else None)


def _static(prefix: str) -> list[BaseRoute]:
    return [
        Route(f"{prefix}/widget/loader.js", loader, methods=["GET"]),
        Route(f"{prefix}/widget/{{version}}/widget.js", widget, methods=["GET"]),
    ]


def build_routes(proxy_path: str) -> list[BaseRoute]:
    """The storefront routes, with the App Proxy ones under `proxy_path` (from app.toml)."""
    return [
        *_static(PREFIX),
        *_static(proxy_path),
        Route(f"{PREFIX}/openapi.json", openapi, methods=["GET"]),
        Route(f"{PREFIX}/api/{{action}}", token_api, methods=["GET", "POST", "OPTIONS"]),
        Route(f"{proxy_path}/api/{{action}}", proxy_api, methods=["GET", "POST"]),
    ]
