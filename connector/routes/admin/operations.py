"""Admin API: cash and donation records to pay out, the contest leaderboard, the shop's deliveries,
retrying a failed reward, and the alerts that say what needs the merchant."""

from __future__ import annotations

from starlette.responses import Response

from connector.routes.admin.base import (
    Call,
    Problem,
    admin,
    answer,
    choice,
    invalid,
    json_body,
    known,
    limit,
    moment,
    path_id,
    text_field,
)
from connector.services.admin.merchant import (
    DELIVERY_STATUSES,
    NotFound,
    alerts,
    replay_delivery,
    retry_reward,
)
from connector.services.pipeline.deliveries import list_deliveries
from connector.services.rewards import contests, payouts

MAX_REFERENCE = 255


async def _payouts(call: Call) -> list[payouts.Payout]:
    request = call.request
    return await payouts.list_payouts(
        call.shop, since=moment(request, "since"), until=moment(request, "until"),
        status=choice(request, "status", payouts.LISTED),
    )  # fmt: skip


@admin
async def get_payouts(call: Call) -> Response:
    """Cash and donation records a person pays out, oldest first."""
    return answer({"payouts": await _payouts(call)})


@admin
async def get_payouts_csv(call: Call) -> Response:
    """The same records as a CSV file."""
    text = payouts.payouts_csv(await _payouts(call))
    disposition = 'attachment; filename="payouts.csv"'
    return Response(text, media_type="text/csv", headers={"Content-Disposition": disposition})


@admin
async def post_paid(call: Call) -> Response:
    """Mark a cash or donation record paid, as the session's user, with an optional reference."""
    reward_id = path_id(call.request, "payout")
    body = known(await json_body(call.request, required=False), ("reference",))
    reference = text_field(body, "reference").strip()
    if len(reference) > MAX_REFERENCE:
        raise invalid("reference", f"must be at most {MAX_REFERENCE} characters")
    try:
        paid = await payouts.mark_paid(
            call.runtime, call.shop, reward_id, by=call.actor, reference=reference or None
        )
    except payouts.NotPayable as exc:
        raise Problem(409, str(exc)) from None
    except LookupError as exc:
        raise Problem(404, str(exc)) from None
    return answer({"payout": paid})


@admin
async def get_leaderboard(call: Call) -> Response:
    """The live contest's standings."""
    wanted = call.request.path_params["contest_id"]
    found = await contests.leaderboard(call.runtime, call.shop)
    if found is None or found[0].contest_id != wanted:
        raise Problem(404, f"the live program has no contest {wanted!r}")
    contest, standings = found
    return answer({
        "contest": {
            "id": contest.contest_id, "name": contest.name, "starts_at": contest.starts_at,
            "ends_at": contest.ends_at, "top_n": contest.top_n,
        },
        "standings": [
            {"rank": s.rank, "advocate_id": int(s.advocate_id), "referrals": s.count,
             "reached_at": s.reached_at}
            for s in standings
        ],
    })  # fmt: skip


@admin
async def get_deliveries(call: Call) -> Response:
    """The shop's webhook deliveries, newest first, so a failure can be seen and replayed."""
    status = choice(call.request, "status", DELIVERY_STATUSES)
    rows = await list_deliveries(
        status=status, shop=call.shop.domain, platform=call.shop.platform,
        limit=limit(call.request),
    )  # fmt: skip
    return answer({"deliveries": rows})


@admin
async def post_replay(call: Call) -> Response:
    """Queue one of the shop's deliveries again with a fresh retry budget."""
    delivery_id = path_id(call.request, "delivery")
    try:
        queued = await replay_delivery(call.shop, delivery_id, call.runtime.now())
    except NotFound as exc:
        raise Problem(404, str(exc)) from None
    if not queued:
        raise Problem(409, f"delivery {delivery_id} is being processed now; try again after")
    return answer({"id": delivery_id, "status": "pending"}, 202)


@admin
async def post_reward_retry(call: Call) -> Response:
    """Queue one of the shop's failed rewards again (after the store is back, say)."""
    reward_id = path_id(call.request, "reward")
    try:
        refused = await retry_reward(call.runtime, call.shop, reward_id)
    except NotFound as exc:
        raise Problem(404, str(exc)) from None
    if refused is not None:
        raise Problem(409, refused)
    return answer({"id": reward_id, "status": "pending"}, 202)


@admin
async def get_alerts(call: Call) -> Response:
    """What needs the merchant now: failing rewards, dead-lettered deliveries."""
    return answer({"alerts": await alerts(call.shop, call.runtime)})
