"""Contests: the live leaderboard of a shop's contest, and prizes written once after it ends.

A referral counts once it has qualified (approved or rewarded: past its hold, not reversed) and
its order was placed inside the contest window. Prizes are decided when the window has closed
and the hold has passed for orders placed at its very end, so late referrals are not left out;
each prize is a pending Reward with the key `contest:{id}:{rank}`, which the outbox issues. The
key is unique per shop, so finalising again never writes a second set.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from connector.domain.program import Contest, Program, parse_program
from connector.domain.referral import ReferralState
from connector.domain.rewards.contest import PrizeAward, QualifiedReferral, Standing, award_prizes
from connector.domain.rewards.contest import leaderboard as rank
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import live_program
from connector.services.referrals.records import product_columns
from connector.store.models import (
    Advocate,
    OrderRecord,
    ProgramVersion,
    Referral,
    Reward,
    RewardStatus,
    Shop,
    ShopStatus,
)

QUALIFIED = (ReferralState.APPROVED.value, ReferralState.REWARDED.value)
# Advocate ids are compared as text by the domain's tie-break; fixed width keeps 9 before 10.
_ID_WIDTH = 20


def _advocate_key(advocate_id: int) -> str:
    return f"{advocate_id:0{_ID_WIDTH}d}"


def prize_key(contest_id: str, rank_: int) -> str:
    """The idempotency key of a contest prize."""
    return f"contest:{contest_id}:{rank_}"


async def qualified_referrals(shop: Shop, contest: Contest) -> list[QualifiedReferral]:
    """The shop's qualified referrals whose orders may fall in the contest window."""
    # A referral is recorded after its order is placed, so none before the start can count.
    referrals = await Referral.filter(
        shop_id=shop.id, state__in=QUALIFIED, created_at__gte=contest.starts_at
    ).order_by("id")
    order_ids = [r.order_id for r in referrals if r.order_id]
    placed = dict(
        await OrderRecord.filter(shop_id=shop.id, order_id__in=order_ids).values_list(
            "order_id", "order_created_at"
        )
    )
    return [
        QualifiedReferral(
            advocate_id=_advocate_key(fk(r, "advocate")),
            order_id=r.order_id or r.qualifying_key,
            qualified_at=placed.get(r.order_id) or r.created_at,
        )
        for r in referrals
    ]


async def leaderboard(runtime: Runtime, shop: Shop) -> tuple[Contest, tuple[Standing, ...]] | None:
    """The live program's contest and its current standings; None when there is no contest."""
    program = (await live_program(runtime, shop)).program
    if program.contest is None:
        return None
    contest = program.contest
    standings = rank(contest, await qualified_referrals(shop, contest), runtime.now())
    return contest, tuple(_plain(s) for s in standings)


def _plain(standing: Standing) -> Standing:
    return Standing(
        standing.rank, str(int(standing.advocate_id)), standing.count, standing.reached_at
    )


async def _contests(shop: Shop) -> list[tuple[Program, Contest]]:
    """Every contest the shop's program versions define, the newest definition of each."""
    found: dict[str, tuple[Program, Contest]] = {}
    for row in await ProgramVersion.filter(shop_id=shop.id).order_by("version"):
        program = parse_program(row.config)
        if program.contest is not None:
            found[program.contest.contest_id] = (program, program.contest)
    return list(found.values())


async def finalise_contest(runtime: Runtime, shop: Shop, program: Program, contest: Contest) -> int:
    """Write the prizes of an ended contest once; return how many rows were written."""
    now = runtime.now()
    if now < contest.ends_at + timedelta(days=program.hold_days):
        return 0
    if await Reward.filter(
        shop_id=shop.id, idempotency_key=prize_key(contest.contest_id, 1)
    ).exists():
        return 0
    awards = award_prizes(
        contest, await qualified_referrals(shop, contest), now, shop.domain, program.currency
    )
    if not isinstance(awards, tuple):
        return 0
    written = 0
    async with in_transaction() as tx:
        for award in awards:
            key = prize_key(contest.contest_id, award.rank)
            if await Reward.filter(shop_id=shop.id, idempotency_key=key).using_db(tx).exists():
                continue
            await Reward.create(using_db=tx, **await _prize_row(shop, award, key, now))
            written += 1
    return written


async def _prize_row(shop: Shop, award: PrizeAward, key: str, now: datetime) -> dict[str, object]:
    plan = award.reward
    advocate = await Advocate.get(id=int(award.advocate_id))
    amount = plan.money.amount if plan.money else plan.percent
    currency = plan.money.currency if plan.money else plan.basis_value.currency
    return {
        "shop_id": shop.id,
        "advocate_id": advocate.id,
        "idempotency_key": key,
        "side": "advocate",
        "kind": plan.kind.value,
        "amount": amount,
        "currency": currency,
        "points": plan.points,
        "recipient_customer_id": advocate.customer_id,
        "charity_cause": advocate.charity_cause,
        **product_columns(plan.rule),
        "status": RewardStatus.PENDING.value,
        "reason": f"contest_rank_{award.rank}",
        "expires_at": now + timedelta(days=plan.expires_days) if plan.expires_days else None,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


async def finalise_contests(runtime: Runtime) -> int:
    """The periodic job: write the prizes of every ended contest of every active shop."""
    written = 0
    for shop in await Shop.filter(status=ShopStatus.ACTIVE).order_by("id"):
        for program, contest in await _contests(shop):
            written += await finalise_contest(runtime, shop, program, contest)
    return written
