"""Messages that come from time passing: asks after a purchase and after silence, reminders of
expiring rewards, dead letters and the weekly digest, each written once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from connector.services.base.runtime import Runtime
from connector.services.handlers import periodic_jobs
from connector.services.notifications.schedule import (
    dead_letters,
    expiring_rewards,
    purchase_asks,
    weekly_digests,
    winback_asks,
)
from connector.services.notifications.sender import send_due_messages
from connector.store.models import Advocate, Delivery, Message, OrderRecord, Reward, Shop
from tests.conftest import Clock
from tests.notifications.conftest import SHOP_NAME
from tests.rewards.factories import advocate
from tests.support.fake_shopify import FakeShopify
from tests.support.mailbox import Mailbox

OWNER = "owner@casa-lumbre.example"


async def _order(shop: Shop, order_id: str, placed: datetime, email: str, **more: object) -> None:
    await OrderRecord.create(
        shop=shop, order_id=order_id, currency="EUR", subtotal=Decimal(40), total=Decimal(40),
        paid=True, email=email, order_created_at=placed, **more,
    )  # fmt: skip


def test_the_worker_runs_every_scheduled_message_job() -> None:
    assert {
        "send_due_messages", "erase_old_message_bodies", "ask_after_purchase", "ask_to_come_back",
        "remind_expiring_rewards", "report_flagged_referrals", "report_dead_letters",
        "send_weekly_digests",
    } <= set(periodic_jobs())  # fmt: skip


async def test_a_customer_is_asked_to_refer_n_days_after_a_paid_order_once(
    runtime: Runtime, shop: Shop, clock: Clock, mailbox: Mailbox, fake_shopify: FakeShopify
) -> None:
    fake_shopify.add_customer("marta@example.org", customer_id=7100, marketing="SUBSCRIBED")
    await _order(shop, "6001", clock.now - timedelta(days=7, hours=2), "marta@example.org",
                 customer_id="7100")  # fmt: skip
    await _order(shop, "6002", clock.now - timedelta(days=3), "early@example.org")
    await _order(shop, "6003", clock.now - timedelta(days=7, hours=1), "test@example.org",
                 is_test=True)  # fmt: skip

    assert await purchase_asks(runtime) == 1
    assert await purchase_asks(runtime) == 0  # the window moved on: nothing is asked twice
    await send_due_messages(runtime)

    marta = await Advocate.get(email="marta@example.org")
    [got] = mailbox.received
    assert got.rcpt_tos == ["marta@example.org"]
    assert got.message["X-Message-Kind"] == "purchase_ask"
    assert got.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"with your code {marta.friend_code}, and you get a reward" in got.part("plain")
    assert await Message.filter(kind="welcome").count() == 0  # the ask carried the link

    clock.advance(days=4)  # the early order's turn
    assert await purchase_asks(runtime) == 1
    assert await Message.filter(kind="purchase_ask").count() == 2


async def test_the_ask_waits_as_many_days_as_the_shop_says(
    runtime: Runtime, shop: Shop, clock: Clock
) -> None:
    shop.settings = {**shop.settings, "notifications": {"ask_after_days": 14}}
    await shop.save(update_fields=["settings"])
    await _order(shop, "6001", clock.now - timedelta(days=7, hours=2), "marta@example.org")
    assert await purchase_asks(runtime) == 0
    clock.advance(days=7)
    assert await purchase_asks(runtime) == 1


async def test_a_customer_silent_for_m_days_is_asked_back_and_one_who_came_back_is_not(
    runtime: Runtime, shop: Shop, clock: Clock, mailbox: Mailbox, fake_shopify: FakeShopify
) -> None:
    fake_shopify.add_customer("gone@example.org", customer_id=7200, marketing="SUBSCRIBED")
    await _order(shop, "7001", clock.now - timedelta(days=90, hours=3), "gone@example.org",
                 customer_id="7200")  # fmt: skip
    await _order(shop, "7002", clock.now - timedelta(days=90, hours=2), "back@example.org")
    await _order(shop, "7003", clock.now - timedelta(days=10), "back@example.org")

    assert await winback_asks(runtime) == 1
    assert await winback_asks(runtime) == 0
    await send_due_messages(runtime)
    [got] = mailbox.received
    assert (got.rcpt_tos, got.message["Subject"]) == (
        ["gone@example.org"],
        f"We miss you at {SHOP_NAME}",
    )


async def test_an_unused_reward_code_is_remembered_three_days_before_it_expires(
    runtime: Runtime, shop: Shop, clock: Clock, mailbox: Mailbox
) -> None:
    ana = await advocate(shop, clock.now)

    async def reward(key: str, expires_in: timedelta, **more: object) -> Reward:
        return await Reward.create(
            shop=shop, advocate=ana, idempotency_key=key, side="advocate",
            kind="fixed_amount_discount", amount=Decimal(5), currency="EUR", code=f"R-{key}",
            status="issued", expires_at=clock.now + expires_in, created_at=clock.now,
            updated_at=clock.now, **more,
        )  # fmt: skip

    soon = await reward("soon", timedelta(days=2))
    await reward("used", timedelta(days=2), used_at=clock.now)
    await reward("later", timedelta(days=10))

    assert await expiring_rewards(runtime) == 1
    assert await expiring_rewards(runtime) == 0
    await send_due_messages(runtime)
    [got] = mailbox.received
    expires = (clock.now + timedelta(days=2)).date().isoformat()
    assert got.message["Subject"] == f"Your reward at {SHOP_NAME} expires on {expires}"
    assert "Use the code R-soon at checkout." in got.part("plain")
    assert (await Message.get(kind="reward_expiring")).key.startswith(
        f"reward_expiring.reward-{soon.id}."
    )


async def test_dead_letters_are_reported_to_the_merchant_once(
    runtime: Runtime, shop: Shop, clock: Clock, mailbox: Mailbox
) -> None:
    shop.settings = {**shop.settings, "notifications": {"merchant_email": OWNER}}
    await shop.save(update_fields=["settings"])
    await Delivery.create(
        platform="shopify", shop_domain=shop.domain, delivery_key="wh-dead", topic="orders/paid",
        headers={}, body=b"{}", received_at=clock.now, status="dead", attempts=8,
        next_attempt_at=clock.now - timedelta(minutes=5), last_error="PlatformUnavailable: 503",
    )  # fmt: skip
    assert await dead_letters(runtime) == 1
    assert await dead_letters(runtime) == 0
    await send_due_messages(runtime)
    [got] = mailbox.received
    assert got.message["Subject"] == "1 deliveries could not be processed"
    assert "The first error: PlatformUnavailable: 503." in got.part("plain")


async def test_the_weekly_digest_counts_last_week_once(
    runtime: Runtime, shop: Shop, clock: Clock, mailbox: Mailbox
) -> None:
    shop.settings = {**shop.settings, "notifications": {"merchant_email": OWNER, "locale": "es"}}
    await shop.save(update_fields=["settings"])
    clock.now = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # a Tuesday
    await advocate(shop, datetime(2026, 12, 2, 10, 0, tzinfo=UTC))  # in the week before

    assert await weekly_digests(runtime) == 1
    clock.advance(hours=5)
    assert await weekly_digests(runtime) == 0
    await send_due_messages(runtime)
    [got] = mailbox.received
    assert got.message["Subject"] == f"Tu semana de referidos en {SHOP_NAME} (2026-11-30)"
    assert "- personas nuevas que recomiendan: 1\n" in got.part("plain")
