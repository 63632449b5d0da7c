"""VIP tiers over a rolling period: entry with its perk in the store, the grace period, the loss
that withdraws the perk; points expiring by inactivity, and the reminder before they expire."""

from __future__ import annotations

from dataclasses import replace

import httpx

from connector.domain.program.presets import LOYALTY
from connector.services.base.runtime import Runtime
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.rewards.loyalty import balance, expire_inactive_points
from connector.services.rewards.vip import remind_expiring_points, review_tiers
from connector.store.models import Advocate, Message, Reward, Shop
from tests.conftest import Clock
from tests.loyalty.test_shopify_journey import MARTA, marta_order
from tests.programs.journey import gid, post_paid, process, save, sent
from tests.support.fake_shopify import FakeShopify

assert LOYALTY.loyalty is not None
ROLLING = replace(
    LOYALTY,
    loyalty=replace(
        LOYALTY.loyalty, tier_period_days=30, tier_grace_days=10, expire_after_inactive_days=300
    ),
)


async def test_a_tier_held_over_a_rolling_month_is_lost_after_its_grace_period(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given Marta reached Silver this month: its free-shipping perk is in the store
    await save(runtime, shop, ROLLING)
    fake_shopify.add_customer("marta@example.org", customer_id=MARTA)
    big = marta_order(6001, clock)
    big.update(subtotal_price="1000.00", total_price="1050.00")
    await post_paid(app_client, big, "wh-t-1")
    assert await process(runtime) == {"done": 1}
    assert await issue_due_rewards(runtime) == 1
    perk = await Reward.get(shop=shop, idempotency_key__startswith="vip:")
    assert (perk.kind, perk.status) == ("free_shipping", "issued")

    # When a month passes with no order, she keeps Silver through a 10-day grace period
    clock.advance(days=31)
    assert await review_tiers(runtime) == 0
    marta = await Advocate.get(shop=shop, customer_id=str(MARTA))
    assert marta.vip_tier == "Silver"
    assert marta.vip_grace_until is not None
    assert marta.vip_grace_until.timestamp() == clock.now.timestamp() + 10 * 86400

    # When the grace period is over, she is back to Bronze and the perk's code is disabled
    clock.advance(days=10)
    assert await review_tiers(runtime) == 1
    await marta.refresh_from_db()
    assert (marta.vip_tier, marta.vip_grace_until) == ("Bronze", None)
    assert await issue_due_rewards(runtime) == 1
    await perk.refresh_from_db()
    assert (perk.status, perk.reason) == ("deactivated", "vip_tier_lost")
    assert sent(fake_shopify, "discountCodeDeactivate") == [{"id": perk.platform_ref}]

    # When her points near their year's end she is told how many and when, once
    clock.advance(days=355 - 41)
    assert await remind_expiring_points(runtime) == 1
    assert await remind_expiring_points(runtime) == 0  # the same event: no second message
    told = await Message.filter(shop_id=shop.id, kind="points_expiring")
    assert [(m.recipient, m.context["points"], m.context["balance"]) for m in told] == [
        ("marta@example.org", 1100, 1100)
    ]
    reached = await Message.filter(shop_id=shop.id, kind="tier_reached").order_by("id")
    assert [m.context["tier"] for m in reached] == ["Silver"]  # reached, not the step down

    # And when she has been idle for longer than the program allows, all of them expire
    assert await expire_inactive_points(runtime) == 2
    assert await expire_inactive_points(runtime) == 0
    assert await balance(shop.id, marta.id) == 0
    assert gid("Customer", MARTA)
