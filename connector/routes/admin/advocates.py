"""Admin API: the shop's advocates (search, a page at a time), enrolling one, one with their
numbers, and a person's changes to one: points, a granted reward, block and unblock."""

from __future__ import annotations

from starlette.responses import Response

from connector.routes.admin.base import (
    Call,
    Problem,
    admin,
    answer,
    choice,
    cursor,
    decimal_field,
    invalid,
    invalid_field,
    json_body,
    known,
    limit,
    page,
    path_id,
    text_field,
    texts,
)
from connector.services.admin import adjustments
from connector.services.admin.merchant import NotFound, advocate_stats
from connector.services.base.limits import FieldInvalid
from connector.services.referrals.advocates import (
    ACTIVE,
    BLOCKED,
    advocate_row,
    enrol_advocate,
    list_advocates,
)
from connector.services.referrals.programs import live_program

ENROL_FIELDS = ("email", "customer_id", "name", "locale")
STATUSES = (ACTIVE, BLOCKED)
MAX_SEARCH = 320


@admin
async def get_advocates(call: Call) -> Response:
    """A page of advocates, newest first, optionally found by `q` or in one `status`."""
    size = limit(call.request)
    search = call.request.query_params.get("q", "").strip()
    if len(search) > MAX_SEARCH:
        raise Problem(400, f"q must be at most {MAX_SEARCH} characters")
    rows = await list_advocates(
        call.shop, size + 1, before=cursor(call.request), search=search or None,
        status=choice(call.request, "status", STATUSES),
    )  # fmt: skip
    return answer(page(rows, size, "advocates"))


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
    """One advocate: referrals by state, rewards, points, clicks, friends and adjustments."""
    try:
        stats = await advocate_stats(call.shop, path_id(call.request, "advocate"))
    except NotFound as exc:
        raise Problem(404, str(exc)) from None
    return answer(stats)


def _refused(exc: Exception) -> Problem:
    if isinstance(exc, FieldInvalid):
        return invalid_field(exc)
    if isinstance(exc, adjustments.KeyReused):
        return Problem(409, str(exc), fields=[{"path": "request_key", "message": str(exc)}])
    return Problem(404, str(exc))


@admin
async def post_points(call: Call) -> Response:
    """Add or remove points with a reason (201; 200 for a request key sent before)."""
    advocate_id = path_id(call.request, "advocate")
    body = known(await json_body(call.request, required=True), ("points", "reason", "request_key"))
    points = body.get("points")
    if isinstance(points, bool) or not isinstance(points, int):
        raise invalid("points", "must be a whole number of points, negative to remove")
    try:
        done = await adjustments.adjust_points(
            call.runtime, call.shop, advocate_id, points, text_field(body, "reason", required=True),
            actor=call.actor, request_key=text_field(body, "request_key", required=True),
        )  # fmt: skip
    except (adjustments.AdjustmentRefused, adjustments.KeyReused, LookupError) as exc:
        raise _refused(exc) from None
    reply = {"adjustment": done.adjustment, "points": done.points, "created": done.created}
    return answer(reply, 201 if done.created else 200)


REWARD_FIELDS = ("kind", "value", "reason", "request_key", "expires_days")


@admin
async def post_reward(call: Call) -> Response:
    """Grant the advocate a reward by hand; the outbox issues it (201; 200 for a key sent before)."""
    advocate_id = path_id(call.request, "advocate")
    body = known(await json_body(call.request, required=True), REWARD_FIELDS)
    expires = body.get("expires_days")
    if expires is not None and (
        isinstance(expires, bool) or not isinstance(expires, int) or not 1 <= expires <= 3650
    ):
        raise invalid("expires_days", "must be a whole number of days from 1 to 3650")
    currency = (await live_program(call.runtime, call.shop)).program.currency
    try:
        done = await adjustments.grant_reward(
            call.runtime, call.shop, advocate_id, text_field(body, "kind", required=True),
            decimal_field(body, "value"), text_field(body, "reason", required=True),
            currency=currency, actor=call.actor,
            request_key=text_field(body, "request_key", required=True), expires_days=expires,
        )  # fmt: skip
        stats = await advocate_stats(call.shop, advocate_id)
    except (adjustments.AdjustmentRefused, adjustments.KeyReused, LookupError) as exc:
        raise _refused(exc) from None
    reward = next(r for r in stats.rewards if r.id == done.adjustment.reward_id)
    reply = {"adjustment": done.adjustment, "reward": reward, "created": done.created}
    return answer(reply, 201 if done.created else 200)


async def _block(call: Call, blocked: bool) -> Response:
    advocate_id = path_id(call.request, "advocate")
    body = known(await json_body(call.request, required=False), ("reason",))
    try:
        advocate, row = await adjustments.set_blocked(
            call.runtime, call.shop, advocate_id, blocked, text_field(body, "reason"),
            actor=call.actor,
        )  # fmt: skip
    except LookupError as exc:
        raise Problem(404, str(exc)) from None
    return answer({"advocate": advocate_row(call.shop, advocate), "adjustment": row})


@admin
async def post_block(call: Call) -> Response:
    """Block an advocate: they earn nothing new, and their referrals say why."""
    return await _block(call, True)


@admin
async def post_unblock(call: Call) -> Response:
    """Unblock an advocate: from now on they earn as before."""
    return await _block(call, False)


