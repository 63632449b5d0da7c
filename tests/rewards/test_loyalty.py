"""Points in the ledger table: recorded once, summed, expired once, redeemed, reversed, tiered."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from connector.domain.money import Money
from connector.domain.program.presets import LOYALTY
from connector.domain.reasons import Reason
from connector.domain.rewards.loyalty import LedgerRefusal
from connector.services.base.runtime import Runtime
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.rewards.loyalty import balance, expire_points, redeem_points, vip_tier
from connector.store.models import Advocate, LedgerEntry, Reward, Shop
from tests.conftest import Clock
from tests.rewards.factories import advocate, reward, save_program
from tests.support.fake_shopify import FakeShopify

POINTS_PROGRAM = replace(LOYALTY, currency="EUR")


async def holder_of(runtime: Runtime, shop: Shop, clock: Clock, points: int) -> Advocate:
    """Ana, under the points program, with `points` recorded by the outbox."""
    await save_program(shop, POINTS_PROGRAM, clock.now)
    ana = await advocate(shop, clock.now)
    await reward(shop, clock.now, kind="points", who=ana, points=points)
    await issue_due_rewards(runtime)
    return ana


async def entries(shop: Shop) -> list[tuple[str, int, str, str]]:
    """The shop's ledger as (kind, points, key, reference), in order."""
    rows = await LedgerEntry.filter(shop=shop).order_by("id")
    return [(r.kind, r.points, r.idempotency_key, r.reference) for r in rows]


async def test_points_reward_is_recorded_once_and_the_balance_is_the_sum(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, POINTS_PROGRAM, clock.now)
    ana = await advocate(shop, clock.now)
    first = await reward(shop, clock.now, kind="points", who=ana, points=500, currency=None)
    await reward(shop, clock.now, kind="points", key="rw_test_0002", who=ana, points=250)

    await issue_due_rewards(runtime)
    await Reward.filter(id=first.id).update(status="pending", next_attempt_at=clock.now)
    await issue_due_rewards(runtime)  # a replayed reward cannot add its points twice

    assert await entries(shop) == [
        ("earn", 500, "rw_test_0001", f"reward:{first.id}"),
        ("earn", 250, "rw_test_0002", f"reward:{first.id + 1}"),
    ]
    assert await balance(shop.id, ana.id) == 750
    expiry = await LedgerEntry.filter(shop=shop).values_list("expires_at", flat=True)
    assert expiry == [clock.now + timedelta(days=365)] * 2
    assert (await Reward.get(id=first.id)).status == "recorded"
    assert fake_shopify.operations == []


async def test_expired_points_are_expired_once(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, POINTS_PROGRAM, clock.now)
    ana = await advocate(shop, clock.now)
    await reward(shop, clock.now, kind="points", who=ana, points=500)
    await issue_due_rewards(runtime)
    clock.advance(days=365)

    expired = await expire_points(runtime)
    again = await expire_points(runtime)

    assert (expired, again) == (1, 0)
    assert (await entries(shop))[-1] == ("expire", -500, "rw_test_0001:expired", "rw_test_0001")
    assert await balance(shop.id, ana.id) == 0


async def test_points_are_redeemed_for_a_code_that_the_outbox_issues(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await holder_of(runtime, shop, clock, 1250)

    redeemed = await redeem_points(runtime, shop, ana.id, 1000, "req-1")
    twice = await redeem_points(runtime, shop, ana.id, 1000, "req-1")

    assert not isinstance(redeemed, LedgerRefusal)
    assert twice == redeemed
    assert redeemed.value == Money(Decimal("10.00"), "EUR")
    assert await balance(shop.id, ana.id) == 250
    assert (await entries(shop))[-1] == ("redeem", -1000, f"redeem:{ana.id}:req-1", "")

    await issue_due_rewards(runtime)

    code = await Reward.get(id=redeemed.reward_id)
    assert (code.kind, code.amount, code.status) == (
        "fixed_amount_discount",
        Decimal("10"),
        "issued",
    )
    sent = fake_shopify.calls[-1].variables["input"]
    assert sent["customerGets"]["value"] == {
        "discountAmount": {"amount": "10.00", "appliesOnEachItem": False}
    }


async def test_redeeming_more_than_the_balance_is_refused(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await holder_of(runtime, shop, clock, 300)

    refused = await redeem_points(runtime, shop, ana.id, 1000, "req-1")

    assert refused == LedgerRefusal(
        Reason.INSUFFICIENT_POINTS, "Cannot redeem 1000 points: the balance is 300."
    )
    assert await Reward.filter(kind="fixed_amount_discount").count() == 0
    assert await balance(shop.id, ana.id) == 300


async def test_refunded_points_are_reversed_by_a_new_entry(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, POINTS_PROGRAM, clock.now)
    ana = await advocate(shop, clock.now)
    row = await reward(shop, clock.now, kind="points", who=ana, points=500)
    await issue_due_rewards(runtime)
    await Reward.filter(id=row.id).update(status="deactivate_pending", next_attempt_at=clock.now)

    await issue_due_rewards(runtime)
    await issue_due_rewards(runtime)

    assert (await entries(shop))[1:] == [
        ("reversal", -500, "rw_test_0001:reversal", "rw_test_0001")
    ]
    assert await balance(shop.id, ana.id) == 0
    assert (await Reward.get(id=row.id)).status == "deactivated"


async def test_spent_points_cannot_be_reversed_and_are_a_clawback(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, POINTS_PROGRAM, clock.now)
    ana = await advocate(shop, clock.now)
    row = await reward(shop, clock.now, kind="points", who=ana, points=500)
    await issue_due_rewards(runtime)
    await redeem_points(runtime, shop, ana.id, 500, "req-1")
    await Reward.filter(id=row.id).update(status="deactivate_pending", next_attempt_at=clock.now)

    await issue_due_rewards(runtime)

    clawed = await Reward.get(id=row.id)
    assert (clawed.status, clawed.reason) == ("clawback", "points_spent")
    assert await LedgerEntry.filter(kind="reversal").count() == 0


async def test_vip_tier_follows_lifetime_points(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await holder_of(runtime, shop, clock, 1200)
    await redeem_points(runtime, shop, ana.id, 1000, "req-1")

    tier = await vip_tier(runtime, shop, ana.id)

    assert tier is not None
    assert tier.name == "Silver"  # spending does not lower the tier
