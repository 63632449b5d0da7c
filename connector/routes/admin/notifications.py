"""Admin API: the Notifications page (switches, texts, sender, WhatsApp, a preview and a test
send) and the shop's message outbox (list it, replay a dead or skipped message)."""

from __future__ import annotations

from starlette.responses import Response

from connector.domain.messages import KINDS
from connector.routes.admin.base import (
    Call,
    Problem,
    admin,
    answer,
    choice,
    cursor,
    field_error,
    json_body,
    known,
    limit,
    page,
    path_id,
)
from connector.services.notifications import editing, outbox

STATUSES = outbox.STATUSES
DRAFT = ("kind", "locale", "subject", "body")


def _refused(exc: editing.NotificationsRefused) -> Problem:
    fields = [field_error(p, m) for p, m in exc.errors]
    return Problem(422, "invalid notifications", fields=fields)


@admin
async def get_notifications(call: Call) -> Response:
    """Every message kind with its switch and texts, the sender, timings and channels."""
    return answer(editing.notifications_view(call.runtime, call.shop))


@admin
async def put_notifications(call: Call) -> Response:
    """Change some of it (absent fields stay); 422 naming each bad field, changing nothing."""
    body = await json_body(call.request, required=True)
    if not isinstance(body, dict):
        raise Problem(
            422, "invalid notifications", fields=[field_error("(root)", "must be an object")]
        )
    try:
        return answer(await editing.update(call.runtime, call.shop, body))
    except editing.NotificationsRefused as exc:
        raise _refused(exc) from None


def _draft(body: dict[str, object]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for name in (*DRAFT, "to"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise Problem(422, "invalid body", fields=[field_error(name, "must be a string")])
        values[name] = value or None
    if not values["kind"]:
        raise Problem(422, "invalid body", fields=[field_error("kind", "is required")])
    return values


@admin
async def post_preview(call: Call) -> Response:
    """A kind rendered in a locale with real sample data (and a draft subject or body)."""
    draft = _draft(known(await json_body(call.request, required=True), DRAFT))
    try:
        rendered = await editing.preview(
            call.runtime, call.shop, str(draft["kind"]), draft["locale"] or "en",
            subject=draft["subject"], body=draft["body"],
        )  # fmt: skip
    except editing.NotificationsRefused as exc:
        raise _refused(exc) from None
    return answer({"subject": rendered.subject, "text": rendered.text, "html": rendered.html})


@admin
async def post_test(call: Call) -> Response:
    """Send the preview to the merchant (or `to`) now, marked as a test."""
    draft = _draft(known(await json_body(call.request, required=True), (*DRAFT, "to")))
    try:
        sent_to = await editing.send_test(
            call.runtime, call.shop, str(draft["kind"]), draft["locale"] or "en",
            to=draft["to"], subject=draft["subject"], body=draft["body"],
        )  # fmt: skip
    except editing.NotificationsRefused as exc:
        raise _refused(exc) from None
    except editing.TestNotSent as exc:
        raise Problem(exc.status, str(exc)) from None
    return answer({"sent": True, "to": sent_to})


@admin
async def get_messages(call: Call) -> Response:
    """The shop's messages, newest first, by status or kind, a page at a time."""
    size = limit(call.request)
    rows = await outbox.list_messages(
        shop=call.shop, status=choice(call.request, "status", STATUSES),
        kind=choice(call.request, "kind", tuple(KINDS)),
        limit=size + 1, before_id=cursor(call.request),
    )  # fmt: skip
    return answer(page(rows, size, "messages"))


@admin
async def post_message_replay(call: Call) -> Response:
    """Send one of the shop's dead or skipped messages again (same Message-ID)."""
    message_id = path_id(call.request, "message")
    result = await outbox.replay_messages([message_id], call.runtime.now(), shop=call.shop)
    if result.queued:
        return answer({"id": message_id, "status": "pending"}, 202)
    why = result.refused[0][1]
    raise Problem(404 if why.startswith("no message") else 409, why)
