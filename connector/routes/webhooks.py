"""POST /webhooks/{platform}: verify on the raw bytes, store in the inbox, answer 200 fast."""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.errors import NotConfigured
from connector.services.base.runtime import Runtime
from connector.services.pipeline.ingest import receive
from platforms.base import WebhookRejected
from platforms.registry import UnknownPlatform

# App-wide signed webhooks; WooCommerce (per-shop secrets) gets its own route.
APP_SIGNED = ("shopify", "sandbox")
log = logging.getLogger("connector.webhooks")
# The two answers of the hot path, encoded once.
STORED = json.dumps({"ok": True, "duplicate": False}, separators=(",", ":")).encode()
DUPLICATE = json.dumps({"ok": True, "duplicate": True}, separators=(",", ":")).encode()


async def webhook(request: Request) -> Response:
    """Receive one webhook delivery; a duplicate answers 200 and changes nothing."""
    platform = request.path_params["platform"]
    if platform not in APP_SIGNED:
        return JSONResponse({"error": f"unknown webhook platform {platform!r}"}, status_code=404)
    runtime: Runtime = request.app.state.runtime
    body = await request.body()
    try:
        received = await receive(runtime, platform, request.headers, body)
    except NotConfigured as exc:
        return JSONResponse({"error": str(exc)}, status_code=503)
    except UnknownPlatform as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    except WebhookRejected as exc:
        log.warning(
            "rejected a %s webhook (%s): %s", platform, request.headers.get("x-shopify-topic"), exc
        )
        return JSONResponse({"error": str(exc)}, status_code=exc.status)
    except Exception:
        # Not acknowledged, so the store delivers it again; nothing is lost.
        log.exception("could not store a %s delivery", platform)
        return JSONResponse(
            {"error": "the delivery could not be stored; send it again"}, status_code=503
        )
    return Response(STORED if received.stored else DUPLICATE, media_type="application/json")


routes = [Route("/webhooks/{platform}", webhook, methods=["POST"])]
