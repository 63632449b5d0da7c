"""Admin API: the merchant's outbound webhook endpoints and the messages sent to each."""

from __future__ import annotations

from starlette.responses import Response

from connector.routes.admin.base import (
    Call,
    Problem,
    admin,
    answer,
    field_error,
    json_body,
    known,
    path_id,
)
from connector.services.outbound import endpoints
from connector.services.outbound.events import EVENTS

FIELDS = ("url", "events", "description")
CHANGES = ("active", "events")


def _refused(exc: endpoints.EndpointRefused) -> Problem:
    return Problem(422, "invalid body", fields=[field_error(exc.field, str(exc))])


@admin
async def get_webhooks(call: Call) -> Response:
    """The shop's endpoints and the events one may subscribe to."""
    return answer({"events": EVENTS, "endpoints": await endpoints.list_endpoints(call.shop)})


@admin
async def post_webhook(call: Call) -> Response:
    """Register an endpoint (201): the answer's `secret` is shown this once."""
    body = known(await json_body(call.request, required=True), FIELDS)
    try:
        made = await endpoints.register(call.runtime, call.shop, body, call.actor)
    except endpoints.EndpointRefused as exc:
        raise _refused(exc) from None
    return answer(made, 201)


@admin
async def put_webhook(call: Call) -> Response:
    """Switch an endpoint on or off, or change its events."""
    body = known(await json_body(call.request, required=True), CHANGES)
    try:
        return answer(await endpoints.change(call.shop, path_id(call.request, "endpoint"), body))
    except endpoints.EndpointRefused as exc:
        raise _refused(exc) from None
    except endpoints.EndpointNotFound as exc:
        raise Problem(404, str(exc)) from None


@admin
async def delete_webhook(call: Call) -> Response:
    """Remove an endpoint and its queued messages (204)."""
    try:
        await endpoints.remove(call.shop, path_id(call.request, "endpoint"))
    except endpoints.EndpointNotFound as exc:
        raise Problem(404, str(exc)) from None
    return Response(status_code=204)


@admin
async def get_messages(call: Call) -> Response:
    """The endpoint's newest 50 messages, each with every attempt."""
    try:
        found = await endpoints.messages(call.shop, path_id(call.request, "endpoint"))
    except endpoints.EndpointNotFound as exc:
        raise Problem(404, str(exc)) from None
    return answer({"messages": found})


@admin
async def post_resend(call: Call) -> Response:
    """Queue a message again with a fresh budget of tries."""
    try:
        await endpoints.resend(call.runtime, call.shop, path_id(call.request, "message"))
    except endpoints.EndpointNotFound as exc:
        raise Problem(404, str(exc)) from None
    return answer({"queued": True})
