"""Admin API: referrals by state, one referral explained, the review queue and its decisions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import Response

from connector.domain.referral import ReferralState, Refusal, Transition
from connector.routes.admin.base import (
    MAX_ID,
    Call,
    Problem,
    admin,
    answer,
    choice,
    cursor,
    json_body,
    limit,
    moment,
    page,
    path_id,
    texts,
)
from connector.services.admin.merchant import AdminShop
from connector.services.base.runtime import Runtime
from connector.services.referrals import crediting, views
from connector.services.referrals.records import ReferralNotFound, evidence_json, finding_json

STATES = tuple(s.value for s in ReferralState)
Review = Callable[[Runtime, AdminShop, int, str, str], Awaitable[Transition | Refusal]]


@admin
async def get_referrals(call: Call) -> Response:
    """A page of referrals, newest first: by state, date and advocate."""
    request = call.request
    size = limit(request)
    advocate = request.query_params.get("advocate_id")
    if advocate is not None and not (advocate.isdigit() and int(advocate) <= MAX_ID):
        raise Problem(400, f"advocate_id must be an advocate's id, got {advocate!r}")
    rows = await views.list_referrals(
        call.shop, choice(request, "state", STATES), size + 1, before=cursor(request),
        since=moment(request, "since"), until=moment(request, "until"),
        advocate_id=int(advocate) if advocate else None,
    )  # fmt: skip
    return answer(page(rows, size, "referrals"))


@admin
async def get_referral(call: Call) -> Response:
    """One referral: evidence, findings with their reasons, transitions and rewards."""
    referral_id = path_id(call.request, "referral")
    try:
        detail = await views.referral_detail(referral_id, call.shop)
    except ReferralNotFound:
        raise Problem(404, f"no referral {referral_id}") from None
    return answer({
        "referral": detail.referral,
        "evidence": [evidence_json(e) for e in detail.evidence],
        "findings": [finding_json(f) for f in detail.findings],
        "transitions": detail.events,
        "rewards": detail.rewards,
        "explanation": detail.explanation,
    })  # fmt: skip


@admin
async def get_review(call: Call) -> Response:
    """Flagged referrals waiting for a person, oldest first."""
    return answer({"referrals": await views.review_queue(call.shop)})


async def _review(call: Call, decide: Review) -> Response:
    """Approve or reject as the session's user, with the body's note; 409 when not allowed."""
    referral_id = path_id(call.request, "referral")
    note = texts(await json_body(call.request, required=False), ("note",)).get("note", "").strip()
    try:
        step = await decide(call.runtime, call.shop, referral_id, call.actor, note)
    except ReferralNotFound:
        raise Problem(404, f"no referral {referral_id}") from None
    if isinstance(step, Refusal):
        raise Problem(409, step.message, reason=step.reason, state=step.state)
    return answer({
        "id": referral_id, "from_state": step.from_state, "to_state": step.to_state,
        "event": step.event.kind, "actor": call.actor, "note": note,
    })  # fmt: skip


@admin
async def approve(call: Call) -> Response:
    """A person approves a flagged referral (it finishes its hold as pending)."""
    return await _review(call, crediting.approve_referral)


@admin
async def reject(call: Call) -> Response:
    """A person rejects a flagged or pending referral; nothing is issued for it."""
    return await _review(call, crediting.reject_referral)
