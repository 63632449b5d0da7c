"""The messages events write: a welcome on joining, the merchant told of a flag or a lost token,
thank-yous worded by the advocate's orders."""

from __future__ import annotations

from decimal import Decimal

import pytest
import respx
from tortoise.transactions import in_transaction

from connector.domain.reasons import Reason
from connector.domain.referral import EventKind
from connector.services.base.runtime import Runtime
from connector.services.notifications.schedule import flagged_referrals
from connector.services.notifications.sender import send_due_messages
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.records import Cause, move
from connector.services.shops.tokens import ReauthRequired, fresh_credentials
from connector.store.models import Message, OrderRecord, Shop
from tests.conftest import Clock
from tests.notifications.conftest import SHOP_NAME
from tests.rewards.factories import advocate, referral
from tests.shopify.factories import SHOP as TOKEN_SHOP
from tests.shopify.factories import TOKEN_URL, installed_shop
from tests.support.mailbox import Mailbox

OWNER = "owner@casa-lumbre.example"


async def _merchant_address(shop: Shop, address: str = OWNER) -> None:
    shop.settings = {**shop.settings, "notifications": {"merchant_email": address}}
    await shop.save(update_fields=["settings"])


async def test_a_shopper_who_joins_is_welcomed_once_with_their_link_and_code(
    runtime: Runtime, shop: Shop, mailbox: Mailbox
) -> None:
    first = await enrol_advocate(runtime, shop, email="Lucia@Example.org", name="Lucía Gómez",
                                 locale="es-MX")  # fmt: skip
    again = await enrol_advocate(runtime, shop, email="lucia@example.org", locale="es")
    await send_due_messages(runtime)

    assert (first.created, again.created) == (True, False)
    [got] = mailbox.received
    code = first.advocate.friend_code
    assert got.message["Subject"] == f"Tu enlace de referidos de {SHOP_NAME}"
    text = got.part("plain")
    assert text.startswith("Hola Lucía:\n\ngracias por unirte al programa de referidos de")
    assert f"tu código {code}, con tus amistades" in text
    assert first.share_link in text
    assert got.message["X-Message-Category"] == "transactional"


async def test_an_advocate_enrolled_by_an_ask_gets_no_separate_welcome(
    runtime: Runtime, shop: Shop
) -> None:
    await enrol_advocate(runtime, shop, email="quiet@example.org", welcome=False)
    assert await Message.all().count() == 0


async def test_referrals_held_for_review_reach_the_merchant_in_one_notice(
    runtime: Runtime, shop: Shop, mailbox: Mailbox, clock: Clock
) -> None:
    await _merchant_address(shop)
    ana = await advocate(shop, clock.now)
    for order_id in ("5001", "5002"):
        held = await referral(shop, ana, clock.now, state="pending", order_id=order_id)
        held.findings = [
            {"reason": "same_ip", "verdict": "flag", "message": "Same IP address as the advocate",
             "detail": {}},
            {"reason": "email", "verdict": "pass", "message": "Different emails", "detail": {}},
        ]  # fmt: skip
        await held.save(update_fields=["findings"])
        async with in_transaction() as tx:
            await move(held, EventKind.FLAG, Reason.SAME_IP, Cause.job("test"), clock.now, tx)
    assert await Message.all().count() == 0  # nothing is written in the order's transaction

    clock.advance(minutes=10)
    assert await flagged_referrals(runtime) == 1
    assert await flagged_referrals(runtime) == 0
    await send_due_messages(runtime)

    [got] = mailbox.received
    assert got.rcpt_tos == [OWNER]
    assert got.message["Subject"] == "2 referrals wait for your review"
    assert got.part("plain").startswith(
        "2 new referrals were held for your review (orders 5001, 5002). The first one: Same IP"
        " address as the advocate.\n\nApprove or reject them in the referral admin"
    )
    assert "Open the referral admin: https://connector.example.com/admin" in got.part("plain")


async def test_without_a_merchant_address_the_notice_is_kept_and_says_why(
    runtime: Runtime, shop: Shop, mailbox: Mailbox, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    held = await referral(shop, ana, clock.now, state="pending")
    async with in_transaction() as tx:
        await move(held, EventKind.FLAG, Reason.SAME_IP, Cause.job("test"), clock.now, tx)
    clock.advance(minutes=10)
    await flagged_referrals(runtime)
    await send_due_messages(runtime)
    row = await Message.get(kind="referral_flagged")
    assert (row.status, row.reason, mailbox.received) == ("skipped", "no_address", [])


@pytest.mark.parametrize(("orders", "kind"), [(3, "thanks_long_time"), (1, "thanks_occasional")])
async def test_a_credited_referral_thanks_the_advocate_worded_by_their_orders(
    runtime: Runtime, shop: Shop, mailbox: Mailbox, clock: Clock, orders: int, kind: str
) -> None:
    ana = await advocate(shop, clock.now)
    for n in range(orders):
        await OrderRecord.create(
            shop=shop, order_id=f"90{n}", currency="EUR", subtotal=Decimal(30), total=Decimal(30),
            paid=True, customer_id=ana.customer_id, email="ANA@example.org",
        )  # fmt: skip
    held = await referral(shop, ana, clock.now, state="pending")
    async with in_transaction() as tx:
        await move(held, EventKind.HOLD_ENDED, Reason.HOLD_ENDED, Cause.job("t"), clock.now, tx)
    await send_due_messages(runtime)

    [got] = mailbox.received
    assert got.message["X-Message-Kind"] == kind
    if kind == "thanks_long_time":
        assert f"after 3 orders you know {SHOP_NAME} better than anyone" in got.part("plain")
    else:
        assert got.message["Subject"] == "Thank you for the referral, Ana"


async def test_a_store_that_refuses_the_token_refresh_tells_the_merchant_once(
    runtime: Runtime, clock: Clock, mailbox: Mailbox
) -> None:
    installed = await installed_shop(runtime)
    await _merchant_address(installed)
    clock.advance(seconds=3600 - 60)
    with respx.mock:
        respx.post(TOKEN_URL).respond(400, json={"error": "invalid_grant"})
        with pytest.raises(ReauthRequired):
            await fresh_credentials(runtime, TOKEN_SHOP)
        with pytest.raises(ReauthRequired):
            await fresh_credentials(runtime, TOKEN_SHOP)  # already marked: no second notice
    await send_due_messages(runtime)

    [got] = mailbox.received
    assert got.rcpt_tos == [OWNER]
    assert got.message["Subject"] == f"Reconnect {TOKEN_SHOP} to keep rewards flowing"
    assert f"The connector can no longer reach {TOKEN_SHOP} ({TOKEN_SHOP}: token refresh" in (
        got.part("plain")
    )
