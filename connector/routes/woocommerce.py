"""WooCommerce routes: the connect page, the key callback, the return page, and webhooks.

GET  /woocommerce/connect            a form asking for the store's address
POST /woocommerce/connect            check the store, then 303 to its /wc-auth/v1/authorize
POST /woocommerce/callback           WooCommerce posts the key here; exactly 200 when kept
GET  /woocommerce/return             where the merchant lands; registers the webhooks
POST /webhooks/woocommerce/{key}     deliveries; `key` is the opaque per-shop key we made
"""

from __future__ import annotations

import html
import logging
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from connector.errors import ConnectorError
from connector.routes.clients import client_ip
from connector.services.base.runtime import Runtime
from connector.services.shops import woocommerce_connect as connect
from connector.services.shops import woocommerce_ingest as ingest
from platforms.base import (
    PlatformAuthError,
    PlatformError,
    PlatformRejected,
    WebhookRejected,
)

log = logging.getLogger("connector.woocommerce")


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    e = html.escape
    return HTMLResponse(
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n</head>\n<body>\n<main>\n<h1>{e(title)}</h1>\n"
        f"{body}</main>\n</body>\n</html>\n",
        status_code=status,
        # The form posts only to us; nothing else may load or frame these pages.
        headers={
            "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'"
        },
    )


def _form(value: str = "", error: str | None = None, status: int = 200) -> HTMLResponse:
    e = html.escape
    problem = f'<p role="alert">{e(error)}</p>\n' if error else ""
    return _page(
        "Connect a WooCommerce store",
        f'{problem}<form method="post" action="{connect.CONNECT_PATH}">\n'
        '<label for="store_url">Your store\'s address</label>\n'
        f'<input id="store_url" name="store_url" type="url" required '
        f'placeholder="https://shop.example.com" value="{e(value)}">\n'
        '<button type="submit">Connect</button>\n</form>\n'
        "<p>You will be asked, on your store, to approve read and write access for this app.</p>\n",
        status,
    )


async def connect_page(request: Request) -> Response:
    """The form."""
    return _form()


async def connect_start(request: Request) -> Response:
    """Check the typed store and send the merchant to approve our key there."""
    # A one-field urlencoded form: parsed here rather than with a multipart dependency.
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    typed = (form.get("store_url") or [""])[0]
    try:
        location = await connect.start(_runtime(request), typed, client_ip(request))
    except connect.ConnectRefused as exc:
        return _form(typed, str(exc), 429 if exc.reason == "rate_limited" else 503)
    except PlatformRejected as exc:
        return _form(typed, exc.detail, 400)
    except PlatformError as exc:
        log.warning("woocommerce connect to %r failed: %s", typed[:200], exc)
        return _form(typed, "We could not reach that store; check the address and try again.", 502)
    return RedirectResponse(location, status_code=303)


async def key_callback(request: Request) -> Response:
    """WooCommerce's key POST: exactly 200 when kept; anything else makes it delete the key."""
    body = await request.body()
    try:
        connected = await connect.accept_keys(_runtime(request), body)
    except connect.ConnectRefused as exc:
        log.warning("woocommerce key callback refused: %s (%s)", exc, exc.reason)
        return PlainTextResponse("refused", status_code=403)
    except PlatformRejected as exc:
        log.warning("woocommerce key callback malformed: %s", exc)
        return PlainTextResponse("malformed", status_code=400)
    log.info("woocommerce %s connected", connected.shop)
    return Response(status_code=200)


async def return_page(request: Request) -> Response:
    """Where the merchant lands after approving (success=1) or denying (success=0)."""
    e = html.escape
    state = request.query_params.get("user_id", "")
    if request.query_params.get("success") != "1":
        return _page(
            "Not connected",
            "<p>Access was not granted, so nothing was connected.</p>\n"
            f'<p><a href="{connect.CONNECT_PATH}">Try again</a></p>\n',
        )
    try:
        connected = await connect.finish(_runtime(request), state)
    except connect.ConnectRefused:
        return _page(
            "Not connected",
            "<p>We did not receive the store's key for this request.</p>\n"
            f'<p><a href="{connect.CONNECT_PATH}">Start again</a></p>\n',
            400,
        )
    except (PlatformError, ConnectorError) as exc:
        log.warning("woocommerce webhooks not registered yet: %s", exc)
        return _page(
            "Connected",
            "<p>Your store is connected. Its order webhooks could not be set up just now; "
            "we will keep trying in the background.</p>\n",
        )
    return _page(
        "Connected",
        f"<p>{e(connected.shop)} is connected: we receive its orders "
        f"({len(connected.webhook_ids)} webhooks).</p>\n",
    )


async def webhook(request: Request) -> Response:
    """One delivery (or the creation ping) for the shop whose key is in the URL."""
    runtime = _runtime(request)
    body = await request.body()
    try:
        received = await ingest.receive(runtime, request.path_params["key"], request.headers, body)
    except ingest.UnknownShopKey as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    except WebhookRejected as exc:
        log.warning(
            "rejected a woocommerce webhook (%s): %s",
            request.headers.get("x-wc-webhook-topic"),
            exc,
        )
        return JSONResponse({"error": str(exc)}, status_code=exc.status)
    except PlatformAuthError as exc:
        return JSONResponse({"error": str(exc)}, status_code=401)
    except Exception:
        # WooCommerce never retries: reconciliation picks the order up later.
        log.exception("could not store a woocommerce delivery")
        return JSONResponse({"error": "the delivery could not be stored"}, status_code=503)
    if received.ping is not None:
        return JSONResponse({"ok": True, "ping": received.ping})
    return JSONResponse({"ok": True, "duplicate": not received.stored})


routes = [
    Route(connect.CONNECT_PATH, connect_page, methods=["GET"]),
    Route(connect.CONNECT_PATH, connect_start, methods=["POST"]),
    Route(connect.CALLBACK_PATH, key_callback, methods=["POST"]),
    Route(connect.RETURN_PATH, return_page, methods=["GET"]),
    Route(connect.WEBHOOK_PATH + "{key}", webhook, methods=["POST"]),
]
