"""WhatsApp opt-in from the widget: the signed-in advocate says yes with their number (or no),
through the storefront API the widget calls; the WhatsApp copy of a message follows their word."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import respx
from tortoise.transactions import in_transaction

from connector.services import demo
from connector.services.base.messages import enqueue_to_advocate
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.store.models import Advocate, Message, MessageConsent, Shop
from tests.conftest import Clock
from tests.storefront.factories import sandbox_shop, token_headers

QUERY = "?" + urlencode({"platform": demo.PLATFORM, "shop": demo.SHOP})
CUSTOMER = "8801"


async def _connect_whatsapp(runtime: Runtime, shop: Shop) -> None:
    whatsapp = {"phone_number_id": "106540352242922", "token": runtime.vault.encrypt("EAAG-t")}
    shop.settings = {**shop.settings, "notifications": {"whatsapp": whatsapp}}
    await shop.save(update_fields=["settings"])


async def _joined(runtime: Runtime) -> tuple[Shop, Advocate]:
    shop = await sandbox_shop(runtime)
    await _connect_whatsapp(runtime, shop)
    joined = await enrol_advocate(runtime, shop, customer_id=CUSTOMER, email="eva@example.org")
    return shop, joined.advocate


async def test_a_signed_in_advocate_opts_in_and_out_from_the_widget(
    runtime: Runtime, app_client: httpx.AsyncClient, clock: Clock
) -> None:
    shop, eva = await _joined(runtime)
    url = "/storefront/api/whatsapp" + QUERY
    headers = token_headers(runtime, CUSTOMER)

    before = await app_client.get("/storefront/api/me" + QUERY, headers=headers)
    assert before.json()["whatsapp"] == {"available": True, "opted_in": False, "phone": None}

    said = await app_client.post(url, json={"phone": "+34 611 22 33 44"}, headers=headers)
    assert said.status_code == 200, said.text
    assert said.json()["whatsapp"] == {"available": True, "opted_in": True, "phone": "•••3344"}
    consent = await MessageConsent.get(shop=shop, channel="whatsapp")
    assert (consent.address, consent.state, consent.source, consent.advocate_id) == (
        "+34611223344",
        "opted_in",
        "widget",
        eva.id,
    )
    async with in_transaction() as tx:
        written = await enqueue_to_advocate(tx, shop, eva, "reward_earned", "reward-1",
                                            now=clock.now, context={"reward": "5 EUR"})  # fmt: skip
    assert written == 2
    assert await Message.filter(channel="whatsapp", recipient="+34611223344").count() == 1

    stopped = await app_client.post(url, json={"opt_in": False}, headers=headers)
    assert stopped.json()["whatsapp"]["opted_in"] is False
    async with in_transaction() as tx:
        written = await enqueue_to_advocate(tx, shop, eva, "reward_earned", "reward-2",
                                            now=clock.now)  # fmt: skip
    assert written == 1  # email only now


async def test_only_a_signed_in_advocate_with_a_real_number_can_opt_in(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    await _joined(runtime)
    url = "/storefront/api/whatsapp" + QUERY
    anonymous = await app_client.post(url, json={"phone": "+34611223344"},
                                      headers=token_headers(runtime))  # fmt: skip
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "not_signed_in")
    stranger = await app_client.post(url, json={"phone": "+34611223344"},
                                     headers=token_headers(runtime, "9999"))  # fmt: skip
    assert (stranger.status_code, stranger.json()["error"]) == (404, "not_an_advocate")
    for bad in ("12345", "call me", "+34 611 22 33 44 55 66 77 88"):
        answer = await app_client.post(url, json={"phone": bad},
                                       headers=token_headers(runtime, CUSTOMER))  # fmt: skip
        assert (answer.status_code, answer.json()["error"]) == (422, "invalid_phone")
    assert await MessageConsent.all().count() == 0


async def test_without_a_connected_number_the_widget_is_told_whatsapp_is_not_offered(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    shop = await sandbox_shop(runtime)
    await enrol_advocate(runtime, shop, customer_id=CUSTOMER)
    with respx.mock(assert_all_called=False):
        me = await app_client.get("/storefront/api/me" + QUERY,
                                  headers=token_headers(runtime, CUSTOMER))  # fmt: skip
    assert me.json()["whatsapp"] == {"available": False, "opted_in": False, "phone": None}
