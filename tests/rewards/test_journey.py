"""One order from webhook to store and back: credited, approved, issued, then refunded."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from connector.domain.program import RewardRule
from connector.domain.program.kinds import RewardedSides, RewardKind
from connector.domain.program.presets import FIXED
from connector.services.base.inbox import store_delivery
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.rewards.actions import code_for
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Referral, ReferralEvent, Reward, Shop
from platforms.base import WebhookDelivery
from tests.conftest import Clock
from tests.rewards.factories import ANA_CUSTOMER, advocate, iso, save_program
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import order

FRIEND = 7700112233445566
PROGRAM = replace(
    FIXED,
    currency="EUR",
    rewarded=RewardedSides.BOTH,
    advocate_reward=RewardRule(RewardKind.STORE_CREDIT, Decimal("10.00")),
    friend_reward=RewardRule(RewardKind.FIXED_DISCOUNT, Decimal("5.00"), expires_days=30),
)


async def deliver(runtime: Runtime, shop: Shop, body: dict[str, Any], webhook_id: str) -> None:
    """A verified orders webhook, stored and processed by the worker."""
    delivery = WebhookDelivery(
        platform="shopify", shop=shop.domain, topic="orders/updated", delivery_id=webhook_id,
        raw_body=json.dumps(body).encode(), headers={},
    )  # fmt: skip
    await store_delivery(delivery, runtime.now())
    assert await build_worker(runtime).drain() == {"done": 1}


async def test_an_order_is_rewarded_in_the_store_and_taken_back_after_a_refund(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, PROGRAM, clock.now)
    ana = await advocate(shop, clock.now)
    fake_shopify.add_customer("ana@example.org", customer_id=int(ANA_CUSTOMER))
    fake_shopify.add_customer("friend@example.org", orders=1, customer_id=FRIEND)
    placed = order(codes=("ANA-7KQ4",), total="80.00", subtotal="80.00", customer_id=FRIEND)

    await deliver(runtime, shop, placed, "wh-1")
    clock.advance(days=15)
    await approve_due_referrals(runtime)
    await issue_due_rewards(runtime)

    referral = await Referral.get(shop=shop)
    rewards = {r.side: r for r in await Reward.filter(shop=shop)}
    assert referral.state == "rewarded"
    assert (rewards["advocate"].kind, rewards["advocate"].status) == ("store_credit", "issued")
    assert (rewards["friend"].kind, rewards["friend"].status) == ("fixed_amount_discount", "issued")
    code = code_for(runtime, rewards["friend"].idempotency_key)
    assert fake_shopify.calls[-1].variables["input"]["context"] == {
        "customers": {"add": [f"gid://shopify/Customer/{FRIEND}"]}
    }
    assert fake_shopify.calls[-1].variables["input"]["endsAt"] == iso(
        clock.now + timedelta(days=30)
    )
    assert fake_shopify.store_credit == {
        (f"gid://shopify/Customer/{ANA_CUSTOMER}", "EUR"): Decimal("10.00")
    }
    events = (
        await ReferralEvent.filter(referral=referral)
        .order_by("id")
        .values_list("to_state", "cause_kind", "cause_ref")
    )
    assert events[-1] == ("rewarded", "job", "issue_due_rewards")
    assert await Referral.filter(advocate=ana).count() == 1

    refund = {"id": 1, "created_at": iso(clock.now), "transactions": [
        {"kind": "refund", "status": "success", "amount": "80.00"}]}  # fmt: skip
    refunded = order(
        codes=("ANA-7KQ4",), total="80.00", subtotal="80.00", customer_id=FRIEND,
        financial_status="refunded", updated_at=iso(clock.now), refunds=[refund],
    )  # fmt: skip
    await deliver(runtime, shop, refunded, "wh-2")
    await issue_due_rewards(runtime)

    after = {r.side: r for r in await Reward.filter(shop=shop)}
    assert (await Referral.get(id=referral.id)).state == "reversed"
    assert (after["friend"].status, fake_shopify.discounts[code.casefold()].status) == (
        "deactivated",
        "EXPIRED",
    )
    assert (after["advocate"].status, after["advocate"].reason) == ("clawback", "refunded")
    assert fake_shopify.operations.count("storeCreditAccountCredit") == 1
