"""Shopify admin surfaces: the embedded App Home and the authorization-code install (`/auth`,
`/auth/callback`) for non-embedded use. The session-token guard is `connector.routes.sessions`.

Every route answers 503 with what to set while Shopify is not configured.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from connector.routes.admin_ui import Shell, shell_response, ui_locale
from connector.routes.sessions import (
    public_url,
    runtime_of,
    shopify_auth,
    shopify_configured,
)
from connector.services.shops import install
from connector.services.shops.install import OAUTH_CALLBACK_PATH
from connector.settings import Settings
from platforms.base import (
    PlatformAuthError,
    PlatformError,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
)
from platforms.shopify.auth import (
    PATCH_ID_TOKEN_PATH,
    Reply,
    RequestRejected,
    SessionRejected,
    frame_ancestors,
)
from platforms.shopify.shops import InvalidShop, normalize_shop

STATE_COOKIE = "shopify_app_state"
STATE_MAX_AGE = 300


def _send(reply: Reply) -> Response:
    return Response(reply.body, status_code=reply.status, headers=dict(reply.headers))


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _platform_failure(exc: PlatformError) -> JSONResponse:
    """The answer when Shopify refused or failed a grant (the one place these map to HTTP)."""
    if isinstance(exc, PlatformRateLimited):
        response = _error(503, str(exc))
        response.headers["Retry-After"] = f"{max(1, round(exc.retry_after))}"
        return response
    if isinstance(exc, PlatformUnavailable):
        return _error(503, str(exc))
    if isinstance(exc, PlatformAuthError):
        return _error(403, str(exc))
    if isinstance(exc, PlatformRejected):
        return _error(502, str(exc))
    return _error(500, str(exc))


def _shop_param(request: Request) -> str | JSONResponse:
    try:
        return normalize_shop(request.query_params.get("shop", ""))
    except InvalidShop:
        return _error(400, "missing or invalid shop parameter: expected {name}.myshopify.com")


# ---------------------------------------------------------------------------------------------
# App Home
# ---------------------------------------------------------------------------------------------


def _shell(request: Request, settings: Settings, shop: str) -> Shell:
    """The admin pages' shell for this shop, in the admin user's language (`locale`)."""
    return Shell(
        host="shopify", shop=shop, locale=ui_locale(request.query_params.get("locale")),
        base="/app", app_name=settings.app_name, api_key=settings.shopify.api_key or "",
    )  # fmt: skip


@shopify_configured
async def app_home(request: Request) -> Response:
    """The embedded admin pages: verify the session token, install on first load, then the
    pages' shell (the same for every page under /app: the scripts show the one asked for)."""
    runtime = runtime_of(request)
    check = shopify_auth(runtime).verify_app_home(
        method=request.method, url=public_url(request), headers=dict(request.headers),
        patch_path=PATCH_ID_TOKEN_PATH,
    )
    if check.session is None:
        return _send(check.reply)
    shop = check.session.shop
    try:
        outcome = await install.install_from_session(runtime, shop, check.session.token)
    except SessionRejected:
        # Shopify found the token stale: the bounce (document) or 401 + retry (fetch).
        return _send(check.stale_reply or check.reply)
    except PlatformError as exc:
        failure = _platform_failure(exc)
        failure.headers["Content-Security-Policy"] = frame_ancestors(shop)
        return failure
    headers = dict(check.reply.headers)
    if "authorization" in request.headers:
        return JSONResponse({"shop": shop, "status": outcome.status}, headers=headers)
    return shell_response(_shell(request, runtime.settings, shop), headers)


@shopify_configured
async def patch_id_token(request: Request) -> Response:
    """The page where App Bridge fetches a fresh session token, then reloads the app."""
    shop = _shop_param(request)
    if isinstance(shop, JSONResponse):
        return shop
    reply = shopify_auth(runtime_of(request)).patch_id_token_page(public_url(request))
    response = _send(reply)
    response.headers["Content-Security-Policy"] = frame_ancestors(shop)
    return response


# ---------------------------------------------------------------------------------------------
# Authorization-code grant (non-embedded installs)
# ---------------------------------------------------------------------------------------------


def _state_serializer(settings: Settings) -> URLSafeSerializer:
    # Keys derived from the app secrets (previous first: itsdangerous signs with the last).
    keys = [
        hmac.new(s.reveal().encode(), b"connector/shopify-oauth-state", hashlib.sha256).hexdigest()
        for s in reversed(settings.shopify.secrets)
    ]
    return URLSafeSerializer(keys, salt="shopify-oauth-state")


def _verified_query(request: Request) -> tuple[str, dict[str, str]] | JSONResponse:
    """The shop and query of a request Shopify signed (400 bad shop, 401 bad signature)."""
    shop = _shop_param(request)
    if isinstance(shop, JSONResponse):
        return shop
    params = dict(request.query_params)
    runtime = runtime_of(request)
    try:
        shopify_auth(runtime).verify_query(params, now=runtime.now())
    except RequestRejected as exc:
        return _error(exc.status, exc.detail, reason=exc.reason.value)
    return shop, params


@shopify_configured
async def oauth_start(request: Request) -> Response:
    """Start the authorization-code grant: remember a state nonce, send the merchant to Shopify."""
    verified = _verified_query(request)
    if isinstance(verified, JSONResponse):
        return verified
    shop, _ = verified
    runtime = runtime_of(request)
    settings = runtime.settings
    nonce = secrets.token_hex(32)
    location = shopify_auth(runtime).authorize_url(
        shop, scopes=settings.shopify.scopes,
        redirect_uri=settings.public_url + OAUTH_CALLBACK_PATH, state=nonce,
    )
    cookie = _state_serializer(settings).dumps(
        {"state": nonce, "shop": shop, "iat": int(runtime.now().timestamp())}
    )
    response = RedirectResponse(location, status_code=302)
    response.set_cookie(
        STATE_COOKIE, cookie, max_age=STATE_MAX_AGE, path=OAUTH_CALLBACK_PATH,
        secure=True, httponly=True, samesite="lax",
    )
    return response


def _state_matches(request: Request, shop: str, state: str) -> bool:
    runtime = runtime_of(request)
    raw = request.cookies.get(STATE_COOKIE)
    if not raw or not state:
        return False
    try:
        saved = _state_serializer(runtime.settings).loads(raw)
    except BadSignature:
        return False
    if not isinstance(saved, dict):
        return False
    age = runtime.now().timestamp() - float(saved.get("iat", 0))
    return (
        0 <= age <= STATE_MAX_AGE
        and saved.get("shop") == shop
        and hmac.compare_digest(str(saved.get("state", "")).encode(), state.encode())
    )


@shopify_configured
async def oauth_callback(request: Request) -> Response:
    """Finish the grant: signed query, our state cookie, then the code for an offline token."""
    verified = _verified_query(request)
    if isinstance(verified, JSONResponse):
        return verified
    shop, params = verified
    if not _state_matches(request, shop, params.get("state", "")):
        return _error(403, "the OAuth state is missing, expired or does not match: start again")
    code = params.get("code", "")
    if not code:
        return _error(400, "missing code parameter")
    runtime = runtime_of(request)
    try:
        await install.install_from_code(runtime, shop, code)
    except PlatformError as exc:
        return _platform_failure(exc)
    api_key = runtime.settings.shopify.api_key or ""
    response = RedirectResponse(f"https://{shop}/admin/apps/{api_key}", status_code=302)
    response.delete_cookie(
        STATE_COOKIE, path=OAUTH_CALLBACK_PATH, secure=True, httponly=True, samesite="lax"
    )
    return response


# What Shopify adds when it opens the app; without any of them `/` is a person's first visit.
SHOPIFY_PARAMS = ("shop", "host", "id_token", "embedded", "hmac", "session")


def _landing(request: Request) -> HTMLResponse:
    """What this server is and where to go: for someone who opened its address in a browser."""
    settings = runtime_of(request).settings
    e = html.escape
    demo = any(getattr(r, "path", None) == "/demo/" for r in request.app.routes)
    shopify = (
        "<p>Merchants install it from the Shopify admin; the app opens here, embedded.</p>"
        if settings.shopify.configured
        else "<p>Shopify is not configured on this server yet: set <code>SHOPIFY_API_KEY</code>"
        " and <code>SHOPIFY_API_SECRET</code> (see the README).</p>"
    )
    links = [
        ("/demo/", "The demo store: join, share, order and see the reward") if demo else None,
        ("/woocommerce/connect", "Connect a WooCommerce store"),
        ("/admin/api/openapi.json", "The merchant admin API (OpenAPI)"),
        ("/storefront/openapi.json", "The storefront widget API (OpenAPI)"),
        ("/healthz", "Health"),
        ("/readyz", "Readiness (the database answers)"),
    ]
    items = "".join(
        f'<li><a href="{href}">{e(text)}</a></li>\n' for href, text in filter(None, links)
    )
    body = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(settings.app_name)}</title>\n</head>\n<body>\n<main>\n"
        f"<h1>{e(settings.app_name)}</h1>\n"
        "<p>This server runs a referral program for Shopify and WooCommerce stores: shoppers share"
        " a link or code, friends buy with it, and the store gives the shopper a reward.</p>\n"
        f"{shopify}\n<ul>\n{items}</ul>\n</main>\n</body>\n</html>\n"
    )
    return HTMLResponse(body, headers={"Content-Security-Policy": "default-src 'none'"})


async def home(request: Request) -> Response:
    """`/`: the embedded app when Shopify opens it, else a page saying what this server is."""
    if any(name in request.query_params for name in SHOPIFY_PARAMS):
        return await app_home(request)
    if "authorization" in request.headers:
        return await app_home(request)
    return _landing(request)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/app", app_home, methods=["GET"]),
    Route("/app/{page}", app_home, methods=["GET"]),
    Route(PATCH_ID_TOKEN_PATH, patch_id_token, methods=["GET"]),
    Route("/auth", oauth_start, methods=["GET"]),
    Route(OAUTH_CALLBACK_PATH, oauth_callback, methods=["GET"]),
]
