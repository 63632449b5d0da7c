"""WhatsApp Cloud API template messages, checked against the documented request shape."""

from __future__ import annotations

import json

import httpx
import respx
from tortoise.transactions import in_transaction

from connector.services.base.messages import OPTED_IN, enqueue_to_advocate, record_consent
from connector.services.base.runtime import Runtime
from connector.services.notifications.sender import send_due_messages
from connector.store.models import Advocate, Message, Shop
from tests.conftest import Clock
from tests.rewards.factories import advocate
from tests.support.mailbox import Mailbox

PHONE_NUMBER_ID = "106540352242922"
TOKEN = "EAAGtest-whatsapp-token-0123456789"
ENDPOINT = f"https://graph.facebook.com/v21.0/{PHONE_NUMBER_ID}/messages"


async def _connect(runtime: Runtime, shop: Shop) -> None:
    whatsapp = {"phone_number_id": PHONE_NUMBER_ID, "token": runtime.vault.encrypt(TOKEN),
                "templates": {"reward_earned": "recompensa_ganada"}}  # fmt: skip
    shop.settings = {**shop.settings, "notifications": {"whatsapp": whatsapp}}
    await shop.save(update_fields=["settings"])


async def _opted_in_ana(shop: Shop, clock: Clock) -> Advocate:
    ana = await advocate(shop, clock.now, name="Ana Ruiz")
    ana.locale = "es-ES"
    await ana.save(update_fields=["locale"])
    await record_consent(shop.id, "whatsapp", "+34 611 22 33 44", OPTED_IN, "widget", clock.now,
                 advocate_id=ana.id)  # fmt: skip
    return ana


async def _reward_earned(shop: Shop, ana: Advocate, clock: Clock) -> None:
    async with in_transaction() as tx:
        written = await enqueue_to_advocate(
            tx, shop, ana, "reward_earned", "reward-1", now=clock.now,
            context={"reward": "10,00 EUR de saldo", "code": ""},
        )  # fmt: skip
    assert written == 2  # the email and the WhatsApp message


async def test_a_template_message_goes_to_an_opted_in_shopper_in_the_documented_shape(
    runtime: Runtime, shop: Shop, clock: Clock, mailbox: Mailbox
) -> None:
    await _connect(runtime, shop)
    ana = await _opted_in_ana(shop, clock)
    await _reward_earned(shop, ana, clock)
    answer = {"messaging_product": "whatsapp",
              "contacts": [{"input": "34611223344", "wa_id": "34611223344"}],
              "messages": [{"id": "wamid.HBgLMzQ2MTEyMjMzNDQVAgARGBI"}]}  # fmt: skip
    with respx.mock(assert_all_called=True) as router:
        route = router.post(ENDPOINT).mock(return_value=httpx.Response(200, json=answer))
        assert await send_due_messages(runtime) == 2

    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "34611223344",
        "type": "template",
        "template": {
            "name": "recompensa_ganada",
            "language": {"code": "es"},
            "components": [
                {"type": "body", "parameters": [
                    {"type": "text", "text": "Ana"},
                    {"type": "text", "text": "10,00 EUR de saldo"},
                ]},
            ],
        },
    }  # fmt: skip
    sent = await Message.get(channel="whatsapp")
    assert (sent.status, sent.recipient) == ("sent", "+34611223344")
    assert len(mailbox.received) == 1  # and the email, as ever


async def test_throttling_retries_and_a_refusal_dead_letters_with_metas_message(
    runtime: Runtime, shop: Shop, clock: Clock, mailbox: Mailbox
) -> None:
    await _connect(runtime, shop)
    ana = await _opted_in_ana(shop, clock)
    await _reward_earned(shop, ana, clock)
    throttled = {"error": {"message": "Rate limit hit", "type": "OAuthException", "code": 130429}}
    refused = {"error": {"message": "Message undeliverable", "type": "OAuthException",
                         "code": 131026}}  # fmt: skip
    with respx.mock() as router:
        router.post(ENDPOINT).mock(
            side_effect=[httpx.Response(400, json=throttled), httpx.Response(400, json=refused)]
        )
        await send_due_messages(runtime)
        row = await Message.get(channel="whatsapp")
        assert (row.status, row.last_error) == ("pending", "WhatsApp 400: Rate limit hit")
        clock.advance(seconds=10)
        await send_due_messages(runtime)
    row = await Message.get(channel="whatsapp")
    assert (row.status, row.reason, row.last_error) == (
        "dead",
        "refused",
        "WhatsApp 400: Message undeliverable",
    )


async def test_without_credentials_the_channel_is_off_and_says_so(
    runtime: Runtime, shop: Shop, clock: Clock, mailbox: Mailbox
) -> None:
    ana = await _opted_in_ana(shop, clock)
    await _reward_earned(shop, ana, clock)
    with respx.mock(assert_all_called=False) as router:
        route = router.post(url__regex=r"https://graph\.facebook\.com/.*")
        await send_due_messages(runtime)
    assert not route.called
    row = await Message.get(channel="whatsapp")
    assert (row.status, row.reason) == ("skipped", "whatsapp_off")


async def test_a_shopper_who_did_not_opt_in_gets_no_whatsapp_message(
    runtime: Runtime, shop: Shop, clock: Clock, mailbox: Mailbox
) -> None:
    await _connect(runtime, shop)
    ana = await advocate(shop, clock.now)
    async with in_transaction() as tx:
        assert await enqueue_to_advocate(tx, shop, ana, "reward_earned", "r-1", now=clock.now) == 1
    assert await Message.filter(channel="whatsapp").count() == 0
