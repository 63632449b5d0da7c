"""The Shopify session-token guard shared by App Home and the admin JSON API.

An embedded page proves which shop and staff user it speaks for with `Authorization: Bearer
<session token>`; `requires_session` verifies it (current or previous app secret) and passes the
shop to the endpoint, or answers 401 with the header that makes App Bridge fetch a fresh token.
While Shopify is not configured every guarded endpoint answers 503 saying what to set.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.errors import NotConfigured
from connector.services.base.runtime import Runtime
from platforms.shopify.adapter import ShopifyAdapter
from platforms.shopify.auth import Session, SessionRejected, ShopifyAuth

Endpoint = Callable[[Request], Awaitable[Response]]
SessionEndpoint = Callable[[Request, str], Awaitable[Response]]


def runtime_of(request: Request) -> Runtime:
    """The runtime the app was started with."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def unconfigured(request: Request) -> JSONResponse | None:
    """A 503 that says what to set while Shopify is not configured; else None."""
    if runtime_of(request).settings.shopify.configured:
        return None
    error = NotConfigured("Shopify", "set SHOPIFY_API_KEY and SHOPIFY_API_SECRET")
    return JSONResponse({"error": str(error)}, status_code=503)


def shopify_configured(endpoint: Endpoint) -> Endpoint:
    """Wrap an endpoint so it answers 503, saying what to set, while Shopify is not configured."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        refusal = unconfigured(request)
        return refusal if refusal is not None else await endpoint(request)

    return guarded


def shopify_auth(runtime: Runtime) -> ShopifyAuth:
    """The Shopify adapter's session and OAuth verifier."""
    adapter = runtime.adapter("shopify")
    if not isinstance(adapter, ShopifyAdapter):
        raise TypeError(f"the shopify adapter is {type(adapter).__name__}, not ShopifyAdapter")
    return adapter.auth


def public_url(request: Request) -> str:
    """This request's URL on PUBLIC_URL (what Shopify signed and where a bounce returns)."""
    # Built on PUBLIC_URL, not the Host header: the bounce must come back to us behind proxies.
    query = request.url.query
    base = runtime_of(request).settings.public_url + request.url.path
    return f"{base}?{query}" if query else base


def verified_session(request: Request) -> Session:
    """The session of a verified `Authorization: Bearer <session token>`; else SessionRejected."""
    auth = shopify_auth(runtime_of(request))
    return auth.verify_bearer(request.headers.get("authorization"), public_url(request))


def verified_shop(request: Request) -> str:
    """The shop of a verified `Authorization: Bearer <session token>`; else SessionRejected."""
    return verified_session(request).shop


def session_user(request: Request) -> str | None:
    """The staff user (`sub`) of the session `requires_session` verified for this request."""
    session: Session | None = getattr(request.state, "shopify_session", None)
    return session.user_id if session is not None else None


def requires_session(endpoint: SessionEndpoint) -> Endpoint:
    """Wrap an admin endpoint `(request, shop)`: 503 unconfigured, 401 (+ retry header) refused."""

    @shopify_configured
    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        try:
            session = verified_session(request)
        except SessionRejected as exc:
            return JSONResponse(
                {"error": "invalid session token", "reason": exc.reason.value},
                status_code=exc.status, headers=dict(exc.reply.headers),
            )
        # Kept for `session_user`: an endpoint that records who acted reads it from here.
        request.state.shopify_session = session
        return await endpoint(request, session.shop)

    return guarded
