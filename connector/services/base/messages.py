"""The message outbox's one way in: `enqueue` writes a message in the caller's transaction.

Any capability that wants a shopper or the merchant told of something calls `enqueue` (or
`enqueue_to_advocate`) with the transaction that records the event itself, so the message exists
exactly when the event does. The row's key (kind, event, channel, recipient) is unique per shop:
a retried or replayed event writes nothing more, and the sender (services.notifications) sends
each row once, later, outside any transaction.

Adding a kind of message: describe it in `connector.domain.messages.KINDS` (audience, category,
placeholders with sample values, English and Spanish texts), then call `enqueue(db, shop,
"your_kind", event, to=..., context={...}, now=...)` where the event happens. `event` names the
event itself (`reward-42`, `referral-7`, `points-expiry-2027-01`), never the time it was
noticed, so noticing it twice is the same message. The admin page, preview, switch and sender
pick the kind up from the catalogue.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from connector.domain.emails import normalize_email
from connector.domain.messages import DEFAULT_LOCALE, LOCALES, Audience, message_kind
from connector.services.base.savepoints import savepoint
from connector.store.models import Advocate, Message, MessageConsent, MessageStatus, Shop

CHANNELS = ("email", "whatsapp")
EVENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_=+-]*(\.[A-Za-z0-9_=+-]+)*")
MERCHANT = "merchant"  # the recipient part of a merchant message's key
OPTED_IN = "opted_in"
UNSUBSCRIBED = "unsubscribed"


def notification_settings(shop: Shop) -> dict[str, Any]:
    """The shop's notification settings as stored (`Shop.settings["notifications"]`)."""
    value = (shop.settings or {}).get("notifications")
    return dict(value) if isinstance(value, Mapping) else {}


def setting_int(shop: Shop, name: str, default: int) -> int:
    """A whole-number notification setting of the shop, or its default."""
    value = notification_settings(shop).get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def shop_locale(shop: Shop) -> str:
    """The locale a shop's messages default to."""
    value = notification_settings(shop).get("locale")
    return value if value in LOCALES else DEFAULT_LOCALE


def pick_locale(shop: Shop, wanted: str | None) -> str:
    """The shipped locale nearest to `wanted` (`es-MX` -> `es`), else the shop's."""
    language = (wanted or "").replace("_", "-").split("-")[0].lower()
    return language if language in LOCALES else shop_locale(shop)


def address_of(channel: str, address: str) -> str:
    """An address as the outbox and the consent table key it: a normalized email, or digits."""
    if channel == "email":
        return normalize_email(address)
    return "+" + "".join(ch for ch in address if ch.isdigit())


def message_key(shop_id: int, kind: str, event: str, channel: str, recipient: str | None) -> str:
    """The outbox key: kind, event, channel and a digest of the recipient (never the address)."""
    if recipient is None:
        who = MERCHANT
    else:
        raw = f"{shop_id}:{channel}:{address_of(channel, recipient)}".encode()
        who = hashlib.sha256(raw).hexdigest()[:16]
    return f"{kind}.{event}.{channel}.{who}"


def _plain(value: Any) -> Any:
    """A placeholder value as stored JSON: text for money and dates, as the texts print them."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


async def enqueue(
    db: BaseDBAsyncClient,
    shop: Shop,
    kind: str,
    event: str,
    *,
    now: datetime,
    to: str | None = None,
    context: Mapping[str, Any] | None = None,
    locale: str | None = None,
    channel: str = "email",
    advocate_id: int | None = None,
    customer_id: str | None = None,
) -> bool:
    """Write one message in `db` (the event's transaction); False when the key already exists.

    `to` is the shopper's address (email, or phone for WhatsApp); a merchant message leaves it
    out and goes to the shop's notification address. A shopper without an address gets nothing.
    Whether the kind is switched on, the consent and unsubscribes are checked when it is sent,
    so the outbox shows why a message did not go out.
    """
    spec = message_kind(kind)
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if not EVENT.fullmatch(event) or len(event) > 160:
        raise ValueError(f"event {event!r} must be letters, digits, - _ = + and dots (<= 160)")
    merchant = spec.audience is Audience.MERCHANT
    if merchant:
        recipient = str(notification_settings(shop).get("merchant_email") or "")
        key = message_key(shop.id, kind, event, channel, None)
    elif to and to.strip():
        recipient = to.strip()
        key = message_key(shop.id, kind, event, channel, recipient)
    else:
        return False
    values = {
        "shop_id": shop.id,
        "key": key,
        "kind": kind,
        "channel": channel,
        "audience": spec.audience.value,
        "marketing": spec.marketing,
        "recipient": recipient,
        "customer_id": customer_id,
        "advocate_id": advocate_id,
        "locale": pick_locale(shop, locale),
        "context": {str(k): _plain(v) for k, v in (context or {}).items()},
        "status": MessageStatus.PENDING.value,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }
    if not recipient:
        values.update(status=MessageStatus.SKIPPED.value, reason="no_address")
    try:
        async with savepoint(db) as point:
            await Message.create(using_db=point, **values)
    except IntegrityError:
        return False  # written by an earlier delivery of the same event
    return True


def whatsapp_connected(shop: Shop) -> bool:
    """True when the shop connected a WhatsApp Business number (its id and a token)."""
    stored = notification_settings(shop).get("whatsapp")
    return isinstance(stored, Mapping) and bool(stored.get("phone_number_id") and stored.get("token"))


async def record_consent(
    shop_id: int,
    channel: str,
    address: str,
    state: str,
    source: str,
    now: datetime,
    *,
    advocate_id: int | None = None,
    customer_id: str | None = None,
) -> None:
    """Record a shopper's word on a channel (opted in, unsubscribed); the latest word wins."""
    normalized = address_of(channel, address)
    values: dict[str, Any] = {"state": state, "source": source, "at": now}
    if advocate_id is not None:
        values["advocate_id"] = advocate_id
    if customer_id is not None:
        values["customer_id"] = customer_id
    mine = MessageConsent.filter(shop_id=shop_id, channel=channel, address=normalized)
    if await mine.update(**values):
        return
    try:
        await MessageConsent.create(shop_id=shop_id, channel=channel, address=normalized, **values)
    except IntegrityError:  # two at once: the other one wrote it
        await mine.update(**values)


async def whatsapp_number(db: BaseDBAsyncClient, shop: Shop, advocate_id: int) -> str | None:
    """The phone number an advocate opted in to WhatsApp messages with, if they did."""
    row = await (
        MessageConsent.filter(
            shop_id=shop.id, channel="whatsapp", advocate_id=advocate_id, state=OPTED_IN
        )
        .using_db(db)
        .order_by("-at")
        .first()
    )
    return row.address if row is not None else None


async def enqueue_to_advocate(
    db: BaseDBAsyncClient,
    shop: Shop,
    advocate: Advocate,
    kind: str,
    event: str,
    *,
    now: datetime,
    context: Mapping[str, Any] | None = None,
) -> int:
    """Write the message to an advocate by email and, if they opted in, by WhatsApp; how many."""
    context = {"first_name": (advocate.name or "").split(" ")[0], **(context or {})}
    common: dict[str, Any] = {
        "now": now, "context": context, "locale": advocate.locale,
        "advocate_id": advocate.id, "customer_id": advocate.customer_id,
    }  # fmt: skip
    written = int(await enqueue(db, shop, kind, event, to=advocate.email, **common))
    phone = await whatsapp_number(db, shop, advocate.id)
    if phone is not None and message_kind(kind).whatsapp_params:
        written += await enqueue(db, shop, kind, event, to=phone, channel="whatsapp", **common)
    return written
