"""The Notifications page's API: the kinds and settings, a change, a preview, a test send, the
shop's message outbox and replaying from it; every call scoped to the session's shop."""

from __future__ import annotations

import httpx
import pytest
from tortoise.transactions import in_transaction

from connector.services.base.messages import enqueue
from connector.services.base.runtime import Runtime
from connector.services.notifications.sender import send_due_messages
from connector.services.referrals.advocates import enrol_advocate
from connector.store.models import Message, Shop
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.notifications.conftest import SHOP_NAME
from tests.support.mailbox import Mailbox

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


async def test_the_page_lists_every_kind_with_its_texts_placeholders_and_the_channels(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    answer = await app_client.get("/admin/api/notifications", headers=bearer())
    assert answer.status_code == 200
    body = answer.json()
    kinds = {k["name"]: k for k in body["kinds"]}
    earned = kinds["reward_earned"]
    assert (earned["on"], earned["category"], earned["audience"]) == (
        True,
        "transactional",
        "shopper",
    )
    assert set(earned["placeholders"]) == {
        "shop_name",
        "shop_url",
        "first_name",
        "reward",
        "code",
        "expires_on",
    }
    assert earned["texts"]["es"]["subject"] == "Has ganado una recompensa en {{ shop_name }}"
    assert earned["texts"]["es"]["custom"] is False
    assert kinds["purchase_ask"]["category"] == "marketing"
    assert body["channels"]["email"] == {"on": True, "detail": ""}
    assert body["channels"]["whatsapp"]["on"] is False
    assert body["settings"]["from_address"] == "rewards@connector.example.com"
    assert body["locales"] == ["en", "es"]


async def test_a_change_is_saved_whole_or_refused_naming_each_field(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    change = {
        "kinds": {"welcome": {"on": False, "texts": {"es": {
            "subject": "¡Bienvenida, {{ first_name }}!", "body": "Tu código: {{ friend_code }}"
        }}}},
        "merchant_email": "owner@casa-lumbre.example",
        "ask_after_days": 10,
    }  # fmt: skip
    saved = await app_client.put("/admin/api/notifications", json=change, headers=bearer())
    assert saved.status_code == 200, saved.text
    welcome = {k["name"]: k for k in saved.json()["kinds"]}["welcome"]
    assert welcome["on"] is False
    assert welcome["texts"]["es"] == {
        "subject": "¡Bienvenida, {{ first_name }}!", "body": "Tu código: {{ friend_code }}",
        "custom": True,
    }  # fmt: skip
    assert saved.json()["settings"]["ask_after_days"] == 10

    bad = {
        "kinds": {"welcome": {"texts": {"en": {"body": "Hi {{ nickname }}"}}},
                  "reward_earned": {"texts": {"en": {"subject": "{% for x in reward %}{% endfor %}"}}}},
        "merchant_email": "not an address",
        "ask_after_days": 0,
    }  # fmt: skip
    refused = await app_client.put("/admin/api/notifications", json=bad, headers=bearer())
    assert refused.status_code == 422
    fields = {f["path"]: f["message"] for f in refused.json()["fields"]}
    assert fields["kinds.welcome.texts.en.body"].startswith("unknown placeholder nickname (use")
    assert fields["kinds.reward_earned.texts.en.subject"] == (
        "for is not allowed (use placeholders and if)"
    )
    assert fields["merchant_email"] == "must be an email address"
    assert fields["ask_after_days"] == "must be a whole number from 1 to 365"
    again = await app_client.get("/admin/api/notifications", headers=bearer())
    assert again.json()["settings"]["merchant_email"] == "owner@casa-lumbre.example"

    reset = {"kinds": {"welcome": {"on": True, "texts": {"es": None}}}}
    back = await app_client.put("/admin/api/notifications", json=reset, headers=bearer())
    welcome = {k["name"]: k for k in back.json()["kinds"]}["welcome"]
    assert (welcome["on"], welcome["texts"]["es"]["custom"]) == (True, False)


async def test_the_preview_uses_the_shops_own_advocate_and_escapes_in_html(
    runtime: Runtime, app_client: httpx.AsyncClient, shop: Shop
) -> None:
    lucia = await enrol_advocate(runtime, shop, email="lucia@example.org", name="Lucía <b>")
    draft = {"kind": "welcome", "locale": "es", "body": "Hola {{ first_name }}: {{ share_link }}"}
    answer = await app_client.post("/admin/api/notifications/preview", json=draft,
                                   headers=bearer())  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["subject"] == f"Tu enlace de referidos de {SHOP_NAME}"
    assert body["text"].startswith(f"Hola Lucía: {lucia.share_link}")
    assert "Hola Lucía:" in body["html"]
    assert f'<a href="{lucia.share_link}">' in body["html"].replace("&amp;", "&")

    unknown = await app_client.post("/admin/api/notifications/preview",
                                    json={"kind": "nope"}, headers=bearer())  # fmt: skip
    assert unknown.status_code == 422


async def test_send_me_a_test_reaches_the_merchant_marked_as_a_test(
    app_client: httpx.AsyncClient, shop: Shop, mailbox: Mailbox
) -> None:
    nobody = await app_client.post("/admin/api/notifications/test",
                                   json={"kind": "reward_earned"}, headers=bearer())  # fmt: skip
    assert nobody.status_code == 422
    assert nobody.json()["fields"] == [
        {"path": "to", "message": "give an address, or set the merchant email first"}
    ]
    sent = await app_client.post(
        "/admin/api/notifications/test",
        json={"kind": "reward_earned", "locale": "en", "to": "me@casa-lumbre.example"},
        headers=bearer(),
    )
    assert sent.json() == {"sent": True, "to": "me@casa-lumbre.example"}
    [got] = mailbox.received
    assert got.rcpt_tos == ["me@casa-lumbre.example"]
    assert got.message["Subject"] == f"[Test] You earned a reward at {SHOP_NAME}"
    assert await Message.all().count() == 0  # a test is no message to a shopper


async def test_the_outbox_lists_the_shops_messages_and_replays_a_dead_one(
    runtime: Runtime, app_client: httpx.AsyncClient, shop: Shop, mailbox: Mailbox, clock: Clock
) -> None:
    async with in_transaction() as tx:
        for n in range(3):
            await enqueue(tx, shop, "reward_earned", f"reward-{n}", to=f"a{n}@example.org",
                          now=clock.now, locale="en")  # fmt: skip
    mailbox.refuse("550 5.1.1 No such user")
    await send_due_messages(runtime)

    first = await app_client.get("/admin/api/messages?limit=2", headers=bearer())
    assert first.status_code == 200
    page = first.json()
    assert [m["recipient"] for m in page["messages"]] == ["a2@example.org", "a1@example.org"]
    rest = await app_client.get(f"/admin/api/messages?cursor={page['next_cursor']}",
                                headers=bearer())  # fmt: skip
    [dead] = rest.json()["messages"]
    assert (dead["status"], dead["reason"], dead["last_error"]) == (
        "dead",
        "refused",
        "550 5.1.1 No such user",
    )
    dead_only = await app_client.get("/admin/api/messages?status=dead", headers=bearer())
    assert [m["id"] for m in dead_only.json()["messages"]] == [dead["id"]]

    replayed = await app_client.post(f"/admin/api/messages/{dead['id']}/replay", headers=bearer())
    assert replayed.status_code == 202
    await send_due_messages(runtime)
    assert len(mailbox.received) == 3
    sent_again = await app_client.post(f"/admin/api/messages/{dead['id']}/replay",
                                       headers=bearer())  # fmt: skip
    assert sent_again.status_code == 409
    assert (await app_client.post("/admin/api/messages/999999/replay",
                                  headers=bearer())).status_code == 404  # fmt: skip
