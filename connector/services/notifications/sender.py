"""The sender: lease due messages, send each outside any transaction, record how it went.

A lease (services.pipeline.outbox, shared with the reward outbox and the outbound webhooks)
stamps a batch of due rows with a token and an expiry in one UPDATE, so two workers never lease
one row. The message is sent with no transaction open, then recorded in one UPDATE guarded by the token. A
crash between the two leaves the row pending; once the lease lapses it is sent again with the
same Message-ID (the outbox key), so a mail client shows it once: at most one duplicate per
crash, never a lost message.

Before sending, the row is checked against the shop's switch for its kind, the channel being
configured, and for marketing, the shopper's consent and unsubscribes: a message that must not
go is `skipped` with the reason. A temporary failure retries with the worker's backoff; a
permanent one, or running out of tries, dead-letters the row for a person to look at and replay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from connector.domain.messages import message_kind
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.notifications import consent, mail, whatsapp
from connector.services.notifications.preferences import (
    kind_on,
    reply_to,
    sender,
    shop_values,
    text_for,
)
from connector.services.notifications.render import Rendered, plain, render
from connector.services.pipeline import outbox
from connector.services.referrals.programs import terms_url
from connector.store.models import Message, MessageStatus, Shop, ShopStatus
from platforms.base import PlatformError

log = logging.getLogger("connector.notifications")

JOB = "send_due_messages"
BATCH = 50
MAX_BATCHES = 20

@dataclass(frozen=True)
class Lease:
    """One leased message and the token that proves it is ours."""

    message_id: int
    token: str


async def lease_messages(runtime: Runtime, limit: int) -> list[Lease]:
    """Lease up to `limit` due messages to this caller, of every shop (a merchant whose store
    needs re-authorising is told so by a message)."""
    token, ids = await outbox.lease(
        runtime, Message, (MessageStatus.PENDING.value,), limit, active_shops_only=False
    )
    return [Lease(message_id, token) for message_id in ids]


async def send_due_messages(runtime: Runtime) -> int:
    """Send every due message; return how many left the outbox (sent, skipped or dead)."""
    done = 0
    for _ in range(MAX_BATCHES):
        leases = await lease_messages(runtime, BATCH)
        if not leases:
            break
        for lease in leases:
            done += await deliver(runtime, lease) != "retry"
    return done


async def _guarded(lease: Lease, runtime: Runtime, **values: Any) -> bool:
    changed = await Message.filter(
        id=lease.message_id, lease_token=lease.token, status=MessageStatus.PENDING
    ).update(updated_at=runtime.now(), lease_token=None, lease_until=None, **values)
    return bool(changed)


def our_host(runtime: Runtime) -> str:
    """The host our Message-IDs and links name."""
    return urlsplit(runtime.settings.public_url).hostname or "localhost"


async def _why_not(runtime: Runtime, shop: Shop, row: Message) -> str | None:
    """Why this message must not be sent (a reason word), or None."""
    kind = message_kind(row.kind)
    if shop.status == ShopStatus.UNINSTALLED:
        return "shop_uninstalled"
    if not kind_on(shop, kind):
        return "switched_off"
    if row.channel == "email" and not runtime.settings.mail.configured:
        return "email_off"
    if row.channel == "whatsapp" and whatsapp.account(runtime, shop) is None:
        return "whatsapp_off"
    if kind.marketing:
        return await consent.refusal(runtime, shop, row)
    return None


def compose(runtime: Runtime, shop: Shop, row: Message) -> Rendered:
    """The row rendered in its locale with the shop's texts and the shop's own placeholders."""
    kind = message_kind(row.kind)
    values = {k: "" for k in kind.placeholders} | shop_values(runtime, shop)
    values |= plain(row.context or {})
    unsubscribe = consent.unsubscribe_url(runtime, row) if kind.marketing else None
    return render(
        kind, text_for(shop, kind, row.locale), values, locale=row.locale,
        unsubscribe_url=unsubscribe, terms_url=terms_url(runtime.settings, shop, row.locale),
    )  # fmt: skip


async def deliver(runtime: Runtime, lease: Lease) -> str:
    """Send one leased message and record it; its new status, `retry`, or `lost`."""
    row = await Message.get_or_none(id=lease.message_id)
    if row is None or row.lease_token != lease.token:
        return "lost"
    shop = await Shop.get(id=fk(row, "shop"))
    try:
        why = await _why_not(runtime, shop, row)
    except PlatformError as exc:  # the store could not say whether the shopper consented
        return await _failed(runtime, lease, row, f"consent check: {exc}", temporary=True)
    if why is not None:
        await _guarded(lease, runtime, status=MessageStatus.SKIPPED.value, reason=why)
        log.info("message %s (%s): skipped, %s", row.id, row.kind, why)
        return MessageStatus.SKIPPED.value
    ident = mail.message_id(row.key, shop.id, our_host(runtime))
    try:
        rendered = compose(runtime, shop, row)
        if row.channel == "whatsapp":
            await whatsapp.send(runtime, shop, row)
        else:
            await mail.send(runtime.settings.mail, _email(runtime, shop, row, rendered, ident))
    except mail.SendFailed as exc:
        return await _failed(runtime, lease, row, exc.detail, temporary=exc.temporary)
    except Exception as exc:  # a bug must not stop the other messages; the row keeps the error
        log.exception("message %s: unexpected failure", row.id)
        return await _failed(runtime, lease, row, f"{type(exc).__name__}: {exc}", temporary=True)
    recorded = await _guarded(
        lease, runtime, status=MessageStatus.SENT.value, sent_at=runtime.now(), message_id=ident,
        subject=rendered.subject, body_text=rendered.text, body_html=rendered.html,
        last_error=None, reason=None,
    )  # fmt: skip
    log.info("message %s (%s %s): sent", row.id, row.kind, row.channel)
    return MessageStatus.SENT.value if recorded else "lost"


def _email(runtime: Runtime, shop: Shop, row: Message, rendered: Rendered, ident: str) -> Any:
    name, address = sender(runtime, shop)
    kind = message_kind(row.kind)
    envelope = mail.Envelope(
        sender_name=name, sender=address, to=row.recipient, message_id=ident, kind=row.kind,
        marketing=kind.marketing, date=runtime.now(), reply_to=reply_to(shop),
        unsubscribe_url=consent.unsubscribe_url(runtime, row) if kind.marketing else None,
        locale=row.locale,
    )  # fmt: skip
    return mail.build(envelope, rendered.subject, rendered.text, rendered.html)


async def _failed(
    runtime: Runtime, lease: Lease, row: Message, error: str, *, temporary: bool
) -> str:
    """Retry a temporary failure with backoff; dead-letter a permanent one or the last try."""
    worker = runtime.settings.worker
    if not temporary or row.attempts >= worker.max_attempts:
        reason = "refused" if not temporary else "attempts_exhausted"
        await _guarded(
            lease, runtime, status=MessageStatus.DEAD.value, last_error=error[:2000], reason=reason
        )
        log.warning("message %s (%s) dead-lettered: %s", row.id, row.kind, error)
        return MessageStatus.DEAD.value
    values = outbox.later(runtime, row.attempts, error[:2000])
    assert values is not None  # the tries left were checked above
    await outbox.guarded(Message, row.id, lease.token, updated_at=runtime.now(), **values)
    log.info("message %s (%s): %s; trying again at %s", row.id, row.kind, error,
             values["next_attempt_at"])  # fmt: skip
    return "retry"
