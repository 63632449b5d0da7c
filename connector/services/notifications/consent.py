"""Who may receive marketing: unsubscribes (one click, RFC 8058) and the store's own consent.

Every marketing email carries an unsubscribe address whose token names the message and is
signed with a key derived from the encryption key; posting to it (the mail client's one click)
or confirming on its page records the recipient as unsubscribed from the shop's marketing, and
every later marketing message to them is skipped (`unsubscribed`). Transactional messages are
not affected. A shopper also gets no marketing email unless the store records their consent
(`no_consent` otherwise): Shopify's customer email marketing state (`SUBSCRIBED`), read when
the message is due. Where the store keeps no such record (WooCommerce) the shop's setting
decides: no marketing (the default), or the merchant states they collect consent themselves.
"""

from __future__ import annotations

import hashlib
import hmac

from connector.errors import ConnectorError
from connector.services.base.messages import (
    OPTED_IN,
    UNSUBSCRIBED,
    address_of,
    notification_settings,
    record_consent,
)
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.shops.tokens import fresh_credentials
from connector.store.models import Message, MessageConsent, Shop

UNSUBSCRIBE_PATH = "/notifications/unsubscribe"


class BadUnsubscribeToken(ConnectorError, ValueError):
    """The unsubscribe link is not one we made, or its message no longer exists."""


def _signature(runtime: Runtime, message_id: int) -> str:
    key = runtime.derived_key("unsubscribe")
    return hmac.new(key, str(message_id).encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(runtime: Runtime, message_id: int) -> str:
    """The token of a message's unsubscribe link: its id and a signature."""
    return f"{message_id}.{_signature(runtime, message_id)}"


def unsubscribe_url(runtime: Runtime, row: Message) -> str:
    """The one-click unsubscribe address of a message."""
    token = unsubscribe_token(runtime, row.id)
    return f"{runtime.settings.public_url}{UNSUBSCRIBE_PATH}?t={token}"


async def message_for_token(runtime: Runtime, token: str) -> Message:
    """The message an unsubscribe token names; BadUnsubscribeToken when it is not ours."""
    ident, _, signature = token.partition(".")
    if not ident.isdigit() or len(ident) > 18:
        raise BadUnsubscribeToken("this unsubscribe link is not valid")
    if not hmac.compare_digest(signature, _signature(runtime, int(ident))):
        raise BadUnsubscribeToken("this unsubscribe link is not valid")
    row = await Message.get_or_none(id=int(ident))
    if row is None or not row.recipient:
        raise BadUnsubscribeToken("this unsubscribe link has expired")
    return row


async def unsubscribe(runtime: Runtime, token: str, source: str) -> Message:
    """Unsubscribe the recipient of the token's message from the shop's marketing."""
    row = await message_for_token(runtime, token)
    await record_consent(
        fk(row, "shop"), row.channel, row.recipient, UNSUBSCRIBED, source, runtime.now(),
        customer_id=row.customer_id,
    )  # fmt: skip
    return row


async def is_unsubscribed(shop_id: int, channel: str, address: str) -> bool:
    """True when the address said no more marketing on this channel."""
    return await MessageConsent.exists(
        shop_id=shop_id, channel=channel, address=address_of(channel, address), state=UNSUBSCRIBED
    )


# The shop's answer where its store keeps no consent record (WooCommerce): "store" (default)
# sends no marketing; "collected" says the merchant collects consent themselves.
STORE_CONSENT_MODES = ("store", "collected")


def store_consent_mode(shop: Shop) -> str:
    """How the shop decides marketing consent where the store says nothing."""
    value = notification_settings(shop).get("store_consent")
    return value if value in STORE_CONSENT_MODES else STORE_CONSENT_MODES[0]


async def _store_says(runtime: Runtime, shop: Shop, row: Message) -> bool:
    """Whether the store records the shopper's consent to marketing email (a store call)."""
    creds = await fresh_credentials(runtime, shop)
    summary = await runtime.adapter(shop.platform).customer_summary(
        creds, customer_id=row.customer_id, email=row.recipient
    )
    if summary.marketing_consent is None:
        return store_consent_mode(shop) == "collected"
    return summary.marketing_consent


async def refusal(runtime: Runtime, shop: Shop, row: Message) -> str | None:
    """Why a marketing message must not go to its recipient (a reason word), or None.

    May call the store (outside any transaction): its errors reach the sender, which retries.
    """
    if await is_unsubscribed(shop.id, row.channel, row.recipient):
        return "unsubscribed"
    if row.channel == "whatsapp":
        opted = await MessageConsent.exists(
            shop_id=shop.id, channel="whatsapp", address=address_of("whatsapp", row.recipient),
            state=OPTED_IN,
        )  # fmt: skip
        return None if opted else "no_consent"
    return None if await _store_says(runtime, shop, row) else "no_consent"
