"""Email through a real SMTP server: the exact message, retries, dead letters, unsubscribes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import httpx
from tortoise.transactions import in_transaction

from connector.services.base.messages import enqueue, enqueue_to_advocate, message_key
from connector.services.base.runtime import Runtime
from connector.services.notifications.consent import unsubscribe_token
from connector.services.notifications.sender import send_due_messages
from connector.store.models import Advocate, Message, Shop
from tests.conftest import Clock
from tests.notifications.conftest import SENDER, SHOP_NAME, SHOP_URL
from tests.rewards.factories import ANA_CUSTOMER, advocate
from tests.support.fake_shopify import FakeShopify
from tests.support.mailbox import Mailbox


def terms_page(shop: Shop, locale: str) -> str:
    """The public page of the shop's program terms, which every message links."""
    return f"https://connector.example.com/terms/shopify/{shop.domain}/{locale}"


SHARE = "https://shop.example/?ref=ANA-7KQ4"


async def _ana(shop: Shop, now: datetime, locale: str | None = "es") -> Advocate:
    made = await advocate(shop, now, name="Ana Ruiz")
    made.locale = locale
    await made.save(update_fields=["locale"])
    return made


async def test_reward_earned_arrives_with_both_parts_in_the_advocates_language(
    runtime: Runtime, shop: Shop, mailbox: Mailbox, clock: Clock
) -> None:
    ana = await _ana(shop, clock.now)
    async with in_transaction() as tx:
        context = {"reward": "10.00 EUR de saldo en la tienda", "code": "THX-<b>9",
                   "expires_on": ""}  # fmt: skip
        written = await enqueue_to_advocate(
            tx, shop, ana, "reward_earned", "reward-1", now=clock.now, context=context
        )

    assert written == 1
    assert await send_due_messages(runtime) == 1
    [got] = mailbox.received
    msg = got.message
    key = message_key(shop.id, "reward_earned", "reward-1", "email", "ana@example.org")
    assert (got.mail_from, got.rcpt_tos) == (SENDER, ["ana@example.org"])
    assert msg["From"] == f"{SHOP_NAME} <{SENDER}>"
    assert msg["To"] == "ana@example.org"
    assert msg["Subject"] == f"Has ganado una recompensa en {SHOP_NAME}"
    # A long Message-ID is folded onto its own line; the folding white space is not part of it.
    assert msg["Message-ID"].strip() == f"<{key}.{shop.id}@connector.example.com>"
    assert msg["Content-Language"] == "es"
    assert msg["X-Message-Category"] == "transactional"
    assert msg["X-Message-Kind"] == "reward_earned"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Unsubscribe"] is None
    assert msg.get_content_type() == "multipart/alternative"
    assert got.part("plain") == (
        "Hola Ana:\n\nuna persona a la que recomendaste ha comprado en"
        f" {SHOP_NAME}, así que has ganado 10.00 EUR de saldo en la tienda.\n\nTu código:"
        " THX-<b>9\n\n¡Gracias por recomendarnos!\n\nVisitar la tienda:"
        f" {SHOP_URL}\n\n--\nRecibes este mensaje por tu cuenta en {SHOP_NAME}.\n"
        f"Condiciones del programa: {terms_page(shop, 'es')}\n"
    )
    html = got.part("html")
    # Every message links the program's terms, in the message's language.
    assert f'<a href="{terms_page(shop, "es")}" style="color:#6d7175">Condiciones' in html
    assert "Tu código: THX-&lt;b&gt;9" in html
    assert "<b>9" not in html
    assert f'<a href="{SHOP_URL}"' in html
    assert '<html lang="es">' in html
    row = await Message.get(shop=shop)
    assert (row.status, row.attempts, row.message_id) == ("sent", 1, msg["Message-ID"].strip())
    assert row.subject == msg["Subject"]


async def test_a_marketing_message_carries_one_click_unsubscribe_which_later_messages_honour(
    runtime: Runtime,
    shop: Shop,
    mailbox: Mailbox,
    clock: Clock,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
) -> None:
    client = app_client
    fake_shopify.add_customer(
        "ana@example.org", customer_id=int(ANA_CUSTOMER), marketing="SUBSCRIBED"
    )
    ana = await _ana(shop, clock.now, locale="en")
    context = {"share_link": SHARE, "friend_code": "ANA-7KQ4", "friend_offer": "10% off"}
    async with in_transaction() as tx:
        await enqueue_to_advocate(tx, shop, ana, "purchase_ask", "order-1", now=clock.now,
                                  context=context)  # fmt: skip
    await send_due_messages(runtime)
    [got] = mailbox.received
    row = await Message.get(shop=shop)
    link = f"https://connector.example.com/notifications/unsubscribe?t={unsubscribe_token(runtime, row.id)}"
    assert got.message["List-Unsubscribe"] == f"<{link}>"
    assert got.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert got.message["X-Message-Category"] == "marketing"
    assert got.message["Auto-Submitted"] is None
    text = got.part("plain")
    assert "they get 10% off with your code ANA-7KQ4, and you get a reward" in text
    assert text.endswith(f"\n--\nYou receive this because of your account at {SHOP_NAME}.\n"
                         f"Program terms: {terms_page(shop, 'en')}\nUnsubscribe: {link}\n")  # fmt: skip
    assert f'<a href="{SHARE}"' in got.part("html")
    assert f'<a href="{link}"' in got.part("html")

    # The mail client's one click: a POST with the RFC 8058 body, no cookie, no page.
    answer = await client.post(
        link, content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert answer.status_code == 200

    async with in_transaction() as tx:
        await enqueue_to_advocate(tx, shop, ana, "winback_ask", "winback-1", now=clock.now,
                                  context=context)  # fmt: skip
        await enqueue_to_advocate(tx, shop, ana, "reward_earned", "reward-9", now=clock.now,
                                  context={"reward": "5 points"})  # fmt: skip
    await send_due_messages(runtime)
    assert [r.message["X-Message-Kind"] for r in mailbox.received] == [
        "purchase_ask",
        "reward_earned",
    ]
    winback = await Message.get(kind="winback_ask")
    assert (winback.status, winback.reason) == ("skipped", "unsubscribed")


async def test_a_forged_unsubscribe_link_is_refused_and_unsubscribes_nobody(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient
) -> None:
    client = app_client
    answer = await client.post("/notifications/unsubscribe?t=1.deadbeef")
    assert answer.status_code == 400
    assert "not valid" in answer.text


async def test_a_temporary_refusal_retries_with_backoff_and_a_permanent_one_dead_letters(
    runtime: Runtime, shop: Shop, mailbox: Mailbox, clock: Clock
) -> None:
    ana = await _ana(shop, clock.now)
    async with in_transaction() as tx:
        await enqueue_to_advocate(tx, shop, ana, "reward_earned", "reward-1", now=clock.now)
        await enqueue(tx, shop, "reward_earned", "reward-2", to="bounce@example.org",
                      now=clock.now, locale="en")  # fmt: skip
    mailbox.refuse("451 4.3.0 Mailbox busy, try later")
    mailbox.refuse("550 5.1.1 No such user")

    assert await send_due_messages(runtime) == 1  # the 550 is settled (dead); the 451 waits
    first, second = await Message.filter(shop=shop).order_by("id")
    assert (first.status, first.attempts, first.last_error) == (
        "pending",
        1,
        "451 4.3.0 Mailbox busy, try later",
    )
    assert first.next_attempt_at is not None
    assert first.next_attempt_at > clock.now
    assert (second.status, second.reason, second.last_error) == (
        "dead",
        "refused",
        "550 5.1.1 No such user",
    )
    assert await send_due_messages(runtime) == 0  # not due yet
    clock.advance(seconds=10)
    assert await send_due_messages(runtime) == 1
    assert [r.rcpt_tos for r in mailbox.received] == [["ana@example.org"]]
    assert (await Message.get(id=first.id)).status == "sent"


async def test_the_same_event_written_twice_is_one_message(
    runtime: Runtime, shop: Shop, mailbox: Mailbox, clock: Clock
) -> None:
    ana = await _ana(shop, clock.now)
    for _ in range(3):
        async with in_transaction() as tx:
            await enqueue_to_advocate(tx, shop, ana, "reward_earned", "reward-7", now=clock.now,
                                      context={"reward": Decimal("5.00")})  # fmt: skip
    await send_due_messages(runtime)
    assert await Message.filter(shop=shop).count() == 1
    assert len(mailbox.received) == 1


async def test_a_kind_the_shop_switched_off_is_skipped_with_the_reason(
    runtime: Runtime, shop: Shop, mailbox: Mailbox, clock: Clock
) -> None:
    shop.settings = {**shop.settings, "notifications": {"kinds": {"reward_earned": {"on": False}}}}
    await shop.save(update_fields=["settings"])
    ana = await _ana(shop, clock.now)
    async with in_transaction() as tx:
        await enqueue_to_advocate(tx, shop, ana, "reward_earned", "reward-1", now=clock.now)
    await send_due_messages(runtime)
    row = await Message.get(shop=shop)
    assert (row.status, row.reason, mailbox.received) == ("skipped", "switched_off", [])


async def test_marketing_goes_only_to_customers_the_store_says_consented(
    runtime: Runtime, shop: Shop, mailbox: Mailbox, clock: Clock, fake_shopify: FakeShopify
) -> None:
    fake_shopify.add_customer("ana@example.org", customer_id=int(ANA_CUSTOMER), marketing="PENDING")
    ana = await _ana(shop, clock.now, locale="en")
    async with in_transaction() as tx:
        await enqueue_to_advocate(tx, shop, ana, "purchase_ask", "order-1", now=clock.now,
                                  context={"share_link": SHARE})  # fmt: skip
        await enqueue_to_advocate(tx, shop, ana, "reward_earned", "reward-1", now=clock.now)
    await send_due_messages(runtime)

    rows = await Message.filter(shop=shop).order_by("id").values_list("kind", "status", "reason")
    assert rows == [("purchase_ask", "skipped", "no_consent"), ("reward_earned", "sent", None)]
    assert [r.message["X-Message-Kind"] for r in mailbox.received] == ["reward_earned"]
    asked = [c for c in fake_shopify.calls if c.operation_name == "ReferralCustomerById"]
    assert asked[0].variables == {"id": f"gid://shopify/Customer/{ANA_CUSTOMER}"}
