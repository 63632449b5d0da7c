"""Messages and privacy: the data request exports them, a redaction clears them, bodies age out."""

from __future__ import annotations

import httpx
from tortoise.transactions import in_transaction

from connector.services.base.messages import enqueue_to_advocate
from connector.services.base.runtime import Runtime
from connector.services.notifications.consent import unsubscribe, unsubscribe_token
from connector.services.notifications.retention import erase_old_bodies
from connector.services.notifications.sender import send_due_messages
from connector.store.models import Advocate, Message, MessageConsent, PrivacyRequest
from tests.conftest import Clock
from tests.privacy.helpers import MARISOL, compliance, deliver, install, process, where_stored
from tests.support.mailbox import Mailbox


async def _marisol_was_told(runtime: Runtime, clock: Clock) -> Message:
    shop = await install(runtime)
    marisol = await Advocate.create(
        shop=shop, name=f"{MARISOL.first_name} {MARISOL.last_name}", email=MARISOL.email,
        email_normalized=MARISOL.email, customer_id=str(MARISOL.customer_id),
        friend_code="MARISOL-1", share_token="share-marisol", created_at=clock.now,
    )  # fmt: skip
    async with in_transaction() as tx:
        await enqueue_to_advocate(
            tx, shop, marisol, "thanks_occasional", "referral-1", now=clock.now,
            context={"share_link": "https://shop.example/?ref=MARISOL-1", "orders": 1},
        )  # fmt: skip
    await send_due_messages(runtime)
    return await Message.get(shop=shop)


async def test_a_data_request_exports_the_messages_and_a_redaction_clears_them(
    runtime: Runtime, app_client: httpx.AsyncClient, clock: Clock, mailbox: Mailbox
) -> None:
    sent = await _marisol_was_told(runtime, clock)
    await unsubscribe(runtime, unsubscribe_token(runtime, sent.id), "one_click")
    assert len(mailbox.received) == 1

    request = compliance("customers/data_request", MARISOL, [])
    await deliver(app_client, "customers/data_request", request, "wh-data")
    assert await process(runtime) == {"done": 1}
    export = (await PrivacyRequest.get(kind="data_request")).export
    assert export is not None
    [row] = export["data"]["message"]["messages"]
    assert (row["kind"], row["recipient"], row["status"]) == (
        "thanks_occasional",
        MARISOL.email,
        "sent",
    )
    assert row["body_text"].startswith(f"Hi {MARISOL.first_name},")
    [consent] = export["data"]["message_consent"]["message_consent"]
    assert (consent["channel"], consent["state"], consent["source"]) == (
        "email",
        "unsubscribed",
        "one_click",
    )

    redact = compliance("customers/redact", MARISOL, [])
    await deliver(app_client, "customers/redact", redact, "wh-redact")
    assert await process(runtime) == {"done": 1}

    kept = await Message.get(id=sent.id)
    assert (kept.kind, kept.status, kept.key, kept.recipient, kept.body_text) == (
        "thanks_occasional",
        "sent",
        sent.key,
        "",
        None,
    )
    assert await MessageConsent.all().count() == 0
    found = await where_stored((MARISOL.email, MARISOL.first_name))
    assert "message" not in found.get(MARISOL.email, set())
    assert "message" not in found.get(MARISOL.first_name, set())


async def test_bodies_are_kept_thirty_days_then_only_the_metadata(
    runtime: Runtime, clock: Clock, mailbox: Mailbox
) -> None:
    sent = await _marisol_was_told(runtime, clock)
    clock.advance(days=29)
    assert await erase_old_bodies(runtime) == 0
    assert (await Message.get(id=sent.id)).body_text is not None

    clock.advance(days=2)
    assert await erase_old_bodies(runtime) == 1
    aged = await Message.get(id=sent.id)
    assert (aged.subject, aged.body_text, aged.body_html, aged.context) == (None, None, None, {})
    assert (aged.status, aged.recipient, aged.kind, aged.sent_at) == (
        "sent",
        MARISOL.email,
        "thanks_occasional",
        sent.sent_at,
    )
    assert aged.bodies_erased_at == clock.now
