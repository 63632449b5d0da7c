"""A friend's order from webhook to the advocate's inbox: one "reward earned", one "reversed"."""

from __future__ import annotations

import json
from typing import Any

from connector.services.base.inbox import store_delivery
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.notifications.sender import send_due_messages
from connector.services.pipeline.deliveries import replay
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Delivery, Message, Referral, Shop
from platforms.base import WebhookDelivery
from tests.conftest import Clock
from tests.notifications.conftest import SHOP_NAME
from tests.rewards.factories import ANA_CUSTOMER, advocate, iso, save_program
from tests.rewards.test_journey import FRIEND, PROGRAM
from tests.support.fake_shopify import FakeShopify
from tests.support.mailbox import Mailbox
from tests.support.shopify_payloads import order


async def _deliver(runtime: Runtime, shop: Shop, body: dict[str, Any], webhook_id: str) -> None:
    delivery = WebhookDelivery(
        platform="shopify", shop=shop.domain, topic="orders/updated", delivery_id=webhook_id,
        raw_body=json.dumps(body).encode(), headers={},
    )  # fmt: skip
    await store_delivery(delivery, runtime.now())
    await build_worker(runtime).drain()


async def _everything_due(runtime: Runtime) -> None:
    """What the worker's periodic jobs do: approve held referrals, issue, send."""
    await approve_due_referrals(runtime)
    await issue_due_rewards(runtime)
    await send_due_messages(runtime)


async def test_a_paid_order_sends_one_reward_earned_after_the_hold_and_a_refund_one_reversed(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock, mailbox: Mailbox
) -> None:
    await save_program(shop, PROGRAM, clock.now)
    await advocate(shop, clock.now)
    fake_shopify.add_customer("ana@example.org", customer_id=int(ANA_CUSTOMER))
    fake_shopify.add_customer("friend@example.org", orders=1, customer_id=FRIEND)
    placed = order(codes=("ANA-7KQ4",), total="80.00", subtotal="80.00", customer_id=FRIEND)

    await _deliver(runtime, shop, placed, "wh-1")
    await _everything_due(runtime)
    assert mailbox.received == []  # still in the hold: nothing is earned yet

    clock.advance(days=15)
    await _everything_due(runtime)
    assert (await Referral.get(shop=shop)).state == "rewarded"
    # Approval thanks her (an occasional customer: no order of her own), then the reward lands.
    thanks, earned = mailbox.received
    assert thanks.message["Subject"] == "Thank you for the referral, Ana"
    assert earned.message["X-Message-Kind"] == "reward_earned"
    assert earned.rcpt_tos == ["ana@example.org"]
    assert earned.message["Subject"] == f"You earned a reward at {SHOP_NAME}"
    assert "so you earned 10.00 EUR in store credit." in earned.part("plain")

    # The same webhook again, a replay of it, and the jobs again: nothing more is sent.
    await _deliver(runtime, shop, placed, "wh-1")
    await _deliver(runtime, shop, placed, "wh-1-retry")
    await replay([d.id for d in await Delivery.all()], clock.now)
    await build_worker(runtime).drain()
    clock.advance(hours=1)
    await _everything_due(runtime)
    assert len(mailbox.received) == 2

    refund = {"id": 1, "created_at": iso(clock.now), "transactions": [
        {"kind": "refund", "status": "success", "amount": "80.00"}]}  # fmt: skip
    refunded = order(
        codes=("ANA-7KQ4",), total="80.00", subtotal="80.00", customer_id=FRIEND,
        financial_status="refunded", updated_at=iso(clock.now), refunds=[refund],
    )  # fmt: skip
    await _deliver(runtime, shop, refunded, "wh-2")
    await _everything_due(runtime)
    await _deliver(runtime, shop, refunded, "wh-2-again")
    await replay([d.id for d in await Delivery.all()], clock.now)
    await build_worker(runtime).drain()
    await _everything_due(runtime)

    assert (await Referral.get(shop=shop)).state == "reversed"
    assert [r.message["X-Message-Kind"] for r in mailbox.received] == [
        "thanks_occasional",
        "reward_earned",
        "reward_reversed",
    ]
    reversed_ = mailbox.received[2]
    assert reversed_.message["Subject"] == f"A reward at {SHOP_NAME} was taken back"
    assert "the order that earned you 10.00 EUR in store credit was refunded or cancelled" in (
        reversed_.part("plain")
    )
    kinds = await Message.filter(shop=shop).order_by("id").values_list("kind", "status")
    assert kinds == [
        ("thanks_occasional", "sent"),
        ("reward_earned", "sent"),
        ("reward_reversed", "sent"),
    ]
