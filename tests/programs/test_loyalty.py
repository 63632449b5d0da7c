"""Loyalty program: points per dollar spent land in the ledger, VIP tiers, expiry, redemption."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import httpx

from connector.domain.program import RewardRule
from connector.domain.program.kinds import Basis, RewardKind
from connector.domain.program.presets import LOYALTY, TEN_PERCENT_OFF
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.rewards.actions import code_for
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.rewards.loyalty import (
    Redemption,
    balance,
    expire_points,
    redeem_points,
    vip_tier,
)
from connector.store.models import Advocate, LedgerEntry, Referral, Reward, Shop
from tests.conftest import Clock
from tests.programs.journey import (
    amount_off_input,
    end_hold,
    enrol,
    friend_code_input,
    matched,
    new_customers,
    paid_order,
    plans,
    post_paid,
    process,
    rewarded_by,
    save,
    sent,
    transitions,
)
from tests.support.fake_shopify import FakeShopify

ANA = 7001
# The advocate earns a point per dollar her friends spend; the friend gets a discount code (and,
# as every member does, a point per dollar of her own order: see test_loyalty_journey).
POINTS_PER_DOLLAR = replace(
    LOYALTY,
    friend_offer=TEN_PERCENT_OFF,
    advocate_reward=RewardRule(
        RewardKind.POINTS, Decimal(1), Basis.PER_UNIT_SPENT, expires_days=365
    ),
    friend_reward=None,
    # Tiers without store perks, no stamp card: this journey is about referral points.
    loyalty=replace(
        LOYALTY.loyalty,  # type: ignore[type-var]
        vip_tiers=tuple(
            replace(t, free_shipping=False, discount_percent=None)
            for t in LOYALTY.loyalty.vip_tiers  # type: ignore[union-attr]
        ),
        stamp_card=None,
    ),
)


async def ledger(shop: Shop, member: Advocate) -> list[tuple[str, int, str]]:
    """A member's ledger as (kind, points, idempotency key), in order."""
    rows = await LedgerEntry.filter(shop=shop, advocate=member).order_by("id")
    return [(r.kind, r.points, r.idempotency_key) for r in rows]


async def test_points_per_dollar_reach_vip_then_expire_and_are_redeemed_for_a_code(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the points program and Ana's friend code in the store
    await save(runtime, shop, POINTS_PER_DOLLAR)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    assert await create_pending_friend_codes(runtime) == 1
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        friend_code_input(ana.friend_code, clock.now, new_customers(fake_shopify), 0.1)
    ]
    assert await vip_tier(runtime, shop, ana.id) == LOYALTY.loyalty.vip_tiers[0]  # type: ignore[union-attr]

    # When a friend spends $1,200 with her code and the hold passes
    fake_shopify.add_customer("lucia@example.org", orders=1, customer_id=8801)
    big = paid_order(5001, clock.now, friend=8801, email="lucia@example.org", total="1200.00",
                     code=ana.friend_code)  # fmt: skip
    first = await post_paid(app_client, big, "wh-loyalty-1")
    assert await process(runtime) == {"done": 1}
    big_referral = await Referral.get(order_id="5001")
    assert (big_referral.state, matched(big_referral)) == (
        "pending",
        [("discount_code", ana.friend_code, str(ana.id))],
    )
    assert plans(big_referral) == [("advocate", str(ana.id), "points", None, 1200, "base")]
    assert await end_hold(runtime, clock, days=14) == (1, 1)
    first_lot = clock.now + timedelta(days=365)

    # Then 1,200 points land in her ledger and lift her past Silver's 1,000
    lot = (await Reward.get(referral__order_id="5001")).idempotency_key
    assert await ledger(shop, ana) == [("earn", 1200, lot)]
    assert (await vip_tier(runtime, shop, ana.id)).name == "Silver"  # type: ignore[union-attr]

    # When another friend spends $100, Silver's 1.25 multiplier applies
    fake_shopify.add_customer("marco@example.org", orders=1, customer_id=8802)
    small = paid_order(5002, clock.now, friend=8802, email="marco@example.org", total="100.00",
                       code=ana.friend_code)  # fmt: skip
    second = await post_paid(app_client, small, "wh-loyalty-2")
    assert await process(runtime) == {"done": 1}
    held = await Referral.get(order_id="5002")
    assert (held.state, matched(held)) == (
        "pending",
        [("discount_code", ana.friend_code, str(ana.id))],
    )
    assert plans(held) == [("advocate", str(ana.id), "points", None, 125, "base")]
    vip = [f["detail"] for f in held.findings if f["reason"] == "vip_tier"]
    assert vip == [{"vip_tier": "Silver"}]
    assert await end_hold(runtime, clock, days=14) == (1, 1)
    second_lot = (await Reward.get(referral__order_id="5002")).idempotency_key
    assert await balance(shop.id, ana.id) == 1325

    # When she redeems 500 points, a $5 code bound to her is created in the store
    redeemed = await redeem_points(runtime, shop, ana.id, 500, "req-1")
    assert isinstance(redeemed, Redemption)
    assert str(redeemed.value) == "5.00 USD"
    assert await issue_due_rewards(runtime) == 1
    code = code_for(runtime, f"redeem:{ana.id}:req-1")
    assert sent(fake_shopify, "discountCodeBasicCreate")[-1] == amount_off_input(
        code, clock.now, ANA, "5.00"
    )
    assert (await Reward.get(id=redeemed.reward_id)).status == "issued"

    # When the first lot's year is up, what is left of it expires; the second lot stays
    clock.now = first_lot
    # (the friends' own points, for joining and for their orders, a year old too, expire with it)
    assert await expire_points(runtime) == 5
    assert await expire_points(runtime) == 0
    assert await ledger(shop, ana) == [
        ("earn", 1200, lot),
        ("earn", 125, second_lot),
        ("redeem", -500, f"redeem:{ana.id}:req-1"),
        ("expire", -700, f"{lot}:expired"),
    ]
    assert await balance(shop.id, ana.id) == 125 == sum(p for _, p, _ in await ledger(shop, ana))

    # Points are ledger entries: the only store calls after the friend code were the checks of
    # the friends, then the redemption's code: is Ana the store's customer, then the code.
    assert fake_shopify.operations == [
        "segments", "segmentCreate", "discountCodeBasicCreate", "customer", "customer",
        "customer", "discountCodeBasicCreate",
    ]  # fmt: skip
    done = await Referral.filter(shop=shop).order_by("id")
    assert [r.state for r in done] == ["rewarded", "rewarded"]
    assert [await transitions(r) for r in done] == [rewarded_by(first), rewarded_by(second)]
