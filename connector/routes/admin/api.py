"""The merchant's admin JSON API under /admin/api, described by GET /admin/api/openapi.json.

The endpoints live by subject (program, advocates, referrals, operations, settings,
notifications) and share
base: the session token, the shop it names, JSON answers. This
module mounts them, serves the description, and answers a wrong path or method with JSON too.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from connector.routes.admin import (
    advocates,
    analytics,
    fraud,
    notifications,
    operations,
    program,
    referrals,
    settings,
    webhooks,
)
from connector.routes.admin.base import Endpoint
from connector.routes.admin.openapi import OPENAPI

PREFIX = "/admin/api"


async def openapi(request: Request) -> Response:
    """This API's OpenAPI document (public: it describes the API and holds no shop's data)."""
    return JSONResponse(OPENAPI, headers={"Cache-Control": "public, max-age=300"})


async def _router_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 under /admin/api, as JSON that says what was asked."""
    assert isinstance(exc, HTTPException)
    asked = f"{request.method} {request.url.path}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette joins a set, in no fixed order; sorted, the answer is the same every time.
        allowed = ", ".join(sorted(m.strip() for m in headers.get("Allow", "").split(",")))
        headers["Allow"] = allowed
        message = f"{asked} is not allowed: use {allowed}"
    elif exc.status_code == 404:
        message = f"{asked} is not an admin API endpoint (see {PREFIX}/openapi.json)"
    else:
        message = exc.detail
    return JSONResponse({"error": message}, status_code=exc.status_code, headers=headers)


def _by_method(**endpoints: Endpoint) -> Endpoint:
    """One route for the methods of a path, so a wrong method's 405 names all it allows."""

    async def dispatch(request: Request) -> Response:
        return await endpoints["GET" if request.method == "HEAD" else request.method](request)

    return dispatch


api_routes: list[BaseRoute] = [
    Route("/openapi.json", openapi, methods=["GET"]),
    Route("/program", _by_method(GET=program.get_program, PUT=program.put_program),
          methods=["GET", "PUT"]),
    Route("/program/versions", program.get_versions, methods=["GET"]),
    Route("/program/versions/{version:id}", program.get_version, methods=["GET"]),
    Route("/program/versions/{version:id}/restore", program.post_restore, methods=["POST"]),
    Route("/program/diff", program.get_diff, methods=["GET"]),
    Route("/program/presets", program.get_presets, methods=["GET"]),
    Route("/simulate", program.post_simulate, methods=["POST"]),
    Route("/overview", settings.get_overview, methods=["GET"]),
    Route("/analytics", analytics.get_analytics, methods=["GET"]),
    Route("/exports/{kind}.csv", analytics.get_export, methods=["GET"]),
    Route("/webhooks", _by_method(GET=webhooks.get_webhooks, POST=webhooks.post_webhook),
          methods=["GET", "POST"]),
    Route("/webhooks/{id:id}", _by_method(PUT=webhooks.put_webhook, DELETE=webhooks.delete_webhook),
          methods=["PUT", "DELETE"]),
    Route("/webhooks/{id:id}/messages", webhooks.get_messages, methods=["GET"]),
    Route("/webhook-messages/{id:id}/resend", webhooks.post_resend, methods=["POST"]),
    Route("/settings", _by_method(GET=settings.get_settings, PUT=settings.put_settings),
          methods=["GET", "PUT"]),
    Route("/partners", _by_method(GET=settings.get_partners, POST=settings.post_partner),
          methods=["GET", "POST"]),
    Route("/advocates", _by_method(GET=advocates.get_advocates, POST=advocates.post_advocate),
          methods=["GET", "POST"]),
    Route("/advocates/{id:id}", advocates.get_advocate, methods=["GET"]),
    Route("/advocates/{id:id}/points", advocates.post_points, methods=["POST"]),
    Route("/advocates/{id:id}/rewards", advocates.post_reward, methods=["POST"]),
    Route("/advocates/{id:id}/block", advocates.post_block, methods=["POST"]),
    Route("/advocates/{id:id}/unblock", advocates.post_unblock, methods=["POST"]),
    Route("/referrals", referrals.get_referrals, methods=["GET"]),
    Route("/referrals/{id:id}", referrals.get_referral, methods=["GET"]),
    Route("/referrals/{id:id}/approve", referrals.approve, methods=["POST"]),
    Route("/referrals/{id:id}/reject", referrals.reject, methods=["POST"]),
    Route("/review", referrals.get_review, methods=["GET"]),
    Route("/blocklist", _by_method(GET=fraud.get_blocklist, POST=fraud.post_blocklist),
          methods=["GET", "POST"]),
    Route("/blocklist/{id:id}", fraud.delete_blocklist_entry, methods=["DELETE"]),
    Route("/payouts", operations.get_payouts, methods=["GET"]),
    Route("/payouts.csv", operations.get_payouts_csv, methods=["GET"]),
    Route("/payouts/{id:id}/paid", operations.post_paid, methods=["POST"]),
    Route("/contests/{contest_id}/leaderboard", operations.get_leaderboard, methods=["GET"]),
    Route("/deliveries", operations.get_deliveries, methods=["GET"]),
    Route("/deliveries/{id:id}/replay", operations.post_replay, methods=["POST"]),
    Route("/rewards/{id:id}/retry", operations.post_reward_retry, methods=["POST"]),
    Route("/alerts", operations.get_alerts, methods=["GET"]),
    Route("/notifications", _by_method(GET=notifications.get_notifications,
                                       PUT=notifications.put_notifications),
          methods=["GET", "PUT"]),
    Route("/notifications/preview", notifications.post_preview, methods=["POST"]),
    Route("/notifications/test", notifications.post_test, methods=["POST"]),
    Route("/messages", notifications.get_messages, methods=["GET"]),
    Route("/messages/{id:id}/replay", notifications.post_message_replay, methods=["POST"]),
]  # fmt: skip

# Mounted with its own exception handler, so a wrong path or method here answers JSON too.
routes: list[BaseRoute] = [
    Mount(
        PREFIX,
        routes=api_routes,
        middleware=[Middleware(ExceptionMiddleware, handlers={HTTPException: _router_error})],
    )
]
