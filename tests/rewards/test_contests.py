"""Contests: the leaderboard from qualified referrals, and prizes written once with fixed ties."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from connector.domain.program import Contest, Program, RewardRule
from connector.domain.program.kinds import RewardedSides, RewardKind
from connector.services.base.runtime import Runtime
from connector.services.rewards.contests import finalise_contests, leaderboard
from connector.store.models import Advocate, OrderRecord, Referral, Reward, Shop
from tests.conftest import Clock
from tests.rewards.factories import save_program
from tests.support.fake_shopify import FakeShopify


def contest_program(now: datetime) -> Program:
    """A contest that ended 20 days ago (its 14-day hold is over), three prizes."""
    return Program(
        version=1,
        currency="EUR",
        rewarded=RewardedSides.ADVOCATE,
        hold_days=14,
        contest=Contest(
            contest_id="spring",
            name="Spring Challenge",
            starts_at=now - timedelta(days=50),
            ends_at=now - timedelta(days=20),
            top_n=3,
            prizes=(
                RewardRule(RewardKind.CASH, Decimal("100.00")),
                RewardRule(RewardKind.FIXED_DISCOUNT, Decimal("20.00"), expires_days=30),
                RewardRule(RewardKind.POINTS, Decimal("300")),
            ),
        ),
    )


async def make_advocate(shop: Shop, advocate_id: int, name: str, now: datetime) -> Advocate:
    """An advocate with a chosen id, so ties between ids can be set up."""
    return await Advocate.create(
        id=advocate_id, shop=shop, name=name, customer_id=str(7000 + advocate_id),
        friend_code=f"{name.upper()}-CODE", share_token=f"share-{advocate_id}", created_at=now,
    )  # fmt: skip


async def made(
    shop: Shop, who: Advocate, order_id: str, at: datetime, state: str = "approved"
) -> Referral:
    """A referral recorded at `at` (its order placed then)."""
    return await Referral.create(
        shop=shop, advocate=who, qualifying_key=f"order:{order_id}", order_id=order_id,
        state=state, program_version=1, currency="EUR", created_at=at, updated_at=at,
    )  # fmt: skip


async def contest_field(shop: Shop, start: datetime) -> dict[str, Advocate]:
    """Ten referrals: Ana and Bea tie on two, Ana first; ids 9 and 10 tie on one at once."""
    ana = await make_advocate(shop, 3, "Ana", start)
    bea = await make_advocate(shop, 2, "Bea", start)
    nine = await make_advocate(shop, 9, "Nine", start)
    ten = await make_advocate(shop, 10, "Ten", start)
    day = timedelta(days=1)
    await made(shop, ana, "1", start + 1 * day)
    await made(shop, ana, "2", start + 3 * day, state="rewarded")
    await made(shop, bea, "3", start + 2 * day)
    await made(shop, bea, "4", start + 4 * day)
    await made(shop, ten, "5", start + 5 * day)
    await made(shop, nine, "6", start + 5 * day)
    await made(shop, ten, "7", start + 6 * day, state="reversed")  # refunded: does not count
    await made(shop, nine, "8", start + 7 * day, state="pending")  # still held: not qualified
    await made(shop, ten, "9", start - day)  # before the window
    # Placed on the last day of the window, recorded by reconciliation after it closed.
    late = await made(shop, nine, "10", start + 31 * day)
    await OrderRecord.create(
        shop=shop, order_id="10", currency="EUR", subtotal=Decimal("50"), total=Decimal("50"),
        order_created_at=start + 29 * day,
    )  # fmt: skip
    assert late.created_at > start + 30 * day
    return {"ana": ana, "bea": bea, "nine": nine, "ten": ten}


async def test_leaderboard_ranks_by_count_then_who_got_there_first(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    program = contest_program(clock.now)
    assert program.contest is not None
    await save_program(shop, program, clock.now)
    start = program.contest.starts_at
    await contest_field(shop, start)

    found = await leaderboard(runtime, shop)

    assert found is not None
    contest, standings = found
    assert contest.contest_id == "spring"
    assert [(s.rank, s.advocate_id, s.count, s.reached_at) for s in standings] == [
        (1, "3", 2, start + timedelta(days=3)),
        (2, "2", 2, start + timedelta(days=4)),
        (3, "9", 2, start + timedelta(days=29)),  # its late order counts by when it was placed
    ]


async def test_prizes_are_written_once_with_deterministic_tie_breaks(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    program = contest_program(clock.now)
    assert program.contest is not None
    await save_program(shop, program, clock.now)
    start = program.contest.starts_at
    people = await contest_field(shop, start)
    await Referral.filter(order_id="10").delete()  # now Nine and Ten tie on one, at once

    written = await finalise_contests(runtime)
    again = await finalise_contests(runtime)

    assert (written, again) == (3, 0)
    prizes = await Reward.filter(shop=shop).order_by("idempotency_key").values(
        "idempotency_key", "advocate_id", "kind", "amount", "currency", "points", "status",
        "recipient_customer_id", "expires_at",
    )  # fmt: skip
    assert prizes == [
        {
            "idempotency_key": "contest:spring:1", "advocate_id": people["ana"].id,
            "kind": "cash", "amount": Decimal("100.00"), "currency": "EUR", "points": None,
            "status": "pending", "recipient_customer_id": "7003", "expires_at": None,
        },
        {
            "idempotency_key": "contest:spring:2", "advocate_id": people["bea"].id,
            "kind": "fixed_amount_discount", "amount": Decimal("20.00"), "currency": "EUR",
            "points": None, "status": "pending", "recipient_customer_id": "7002",
            "expires_at": clock.now + timedelta(days=30),
        },
        {
            # Nine and Ten reached one referral at the same moment: the smaller id wins.
            "idempotency_key": "contest:spring:3", "advocate_id": people["nine"].id,
            "kind": "points", "amount": None, "currency": "EUR", "points": 300,
            "status": "pending", "recipient_customer_id": "7009", "expires_at": None,
        },
    ]  # fmt: skip


async def test_no_prizes_while_the_last_orders_are_still_held(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    program = contest_program(clock.now + timedelta(days=7))  # ended 13 days ago, hold is 14
    assert program.contest is not None
    await save_program(shop, program, clock.now)
    await contest_field(shop, program.contest.starts_at)

    assert await finalise_contests(runtime) == 0
    assert await Reward.all().count() == 0
