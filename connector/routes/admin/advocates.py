"""Admin API: the shop's advocates, a page at a time, enrolling one, and one with their numbers."""

from __future__ import annotations

from starlette.responses import Response

from connector.routes.admin.base import (
    MAX_ID,
    Call,
    Problem,
    admin,
    answer,
    invalid_field,
    json_body,
    limit,
    path_id,
    texts,
)
from connector.services.admin.merchant import NotFound, advocate_stats
from connector.services.base.limits import FieldInvalid
from connector.services.referrals.advocates import advocate_row, enrol_advocate, list_advocates

ENROL_FIELDS = ("email", "customer_id", "name", "locale")


@admin
async def get_advocates(call: Call) -> Response:
    """A page of advocates, newest first; `next_cursor` asks for the page after it."""
    size = limit(call.request)
    cursor = call.request.query_params.get("cursor")
    if cursor is not None and not (cursor.isdigit() and int(cursor) <= MAX_ID):
        raise Problem(400, f"cursor must be the next_cursor of a page, got {cursor!r}")
    # One more than asked says whether a next page exists without counting the table.
    rows = await list_advocates(call.shop, size + 1, before=int(cursor) if cursor else None)
    next_cursor = str(rows[size - 1].id) if len(rows) > size else None
    return answer({"advocates": rows[:size], "next_cursor": next_cursor})


@admin
async def post_advocate(call: Call) -> Response:
    """Enrol a shopper by email or customer id: 201 when new, 200 when already enrolled."""
    fields = texts(await json_body(call.request, required=True), ENROL_FIELDS)
    try:
        done = await enrol_advocate(
            call.runtime, call.shop, email=fields.get("email"),
            customer_id=fields.get("customer_id", "").strip() or None,
            name=fields.get("name", ""), locale=fields.get("locale"),
        )  # fmt: skip
    except FieldInvalid as exc:
        raise invalid_field(exc) from None
    except ValueError as exc:
        raise Problem(422, str(exc)) from None
    body = {"advocate": advocate_row(call.shop, done.advocate), "created": done.created}
    return answer(body, 201 if done.created else 200)


@admin
async def get_advocate(call: Call) -> Response:
    """One advocate: referrals by state, rewards and points."""
    try:
        stats = await advocate_stats(call.shop, path_id(call.request, "advocate"))
    except NotFound as exc:
        raise Problem(404, str(exc)) from None
    return answer(stats)
