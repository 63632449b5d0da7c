"""POST /webhooks/{platform}: verify on the raw bytes, store in the inbox, answer 200 fast.

The hot path of ingest, so the endpoint is a plain ASGI app: it reads the body and the headers
straight off the connection and sends one of two pre-encoded answers, with no Request or
Response objects built for the common case (verify, dedupe, commit, 200).
"""

from __future__ import annotations

import json
import logging

from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from connector.errors import NotConfigured
from connector.services.base.runtime import Runtime
from connector.services.pipeline.ingest import receive as receive_delivery
from platforms.base import WebhookRejected
from platforms.registry import UnknownPlatform

# App-wide signed webhooks; WooCommerce (per-shop secrets) gets its own route.
APP_SIGNED = ("shopify", "sandbox")
log = logging.getLogger("connector.webhooks")
# The two answers of the hot path, encoded once.
STORED = json.dumps({"ok": True, "duplicate": False}, separators=(",", ":")).encode()
DUPLICATE = json.dumps({"ok": True, "duplicate": True}, separators=(",", ":")).encode()
_HEADERS = [(b"content-type", b"application/json")]


async def _body(receive: Receive) -> bytes:
    """The whole request body, as it arrives in one or more messages."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def webhook(scope: Scope, receive: Receive, send: Send) -> None:
    """Receive one webhook delivery; a duplicate answers 200 and changes nothing."""
    platform = scope["path_params"]["platform"]
    if platform not in APP_SIGNED:
        error = {"error": f"unknown webhook platform {platform!r}"}
        return await JSONResponse(error, status_code=404)(scope, receive, send)
    runtime: Runtime = scope["app"].state.runtime
    # Header names arrive lower-case; the first of a repeated header wins, as with `.get`.
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    body = await _body(receive)
    try:
        received = await receive_delivery(runtime, platform, headers, body)
    except NotConfigured as exc:
        answer = JSONResponse({"error": str(exc)}, status_code=503)
    except UnknownPlatform as exc:
        answer = JSONResponse({"error": str(exc)}, status_code=404)
    except WebhookRejected as exc:
        topic = headers.get("x-shopify-topic")
        log.warning("rejected a %s webhook (%s): %s", platform, topic, exc)
        answer = JSONResponse({"error": str(exc)}, status_code=exc.status)
    except Exception:
        # Not acknowledged, so the store delivers it again; nothing is lost.
        log.exception("could not store a %s delivery", platform)
        error = {"error": "the delivery could not be stored; send it again"}
        answer = JSONResponse(error, status_code=503)
    else:
        content = STORED if received.stored else DUPLICATE
        headers_out = [*_HEADERS, (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers_out})
        await send({"type": "http.response.body", "body": content})
        return
    await answer(scope, receive, send)


class _Raw:
    """An ASGI app Starlette's Route calls as it is (a plain function it would wrap)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await webhook(scope, receive, send)


routes = [Route("/webhooks/{platform}", _Raw(), methods=["POST"])]
