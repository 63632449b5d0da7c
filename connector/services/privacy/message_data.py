"""The message outbox and consent as sources of a shopper's personal data.

A data request exports the shopper's messages (kind, channel, status, when, the rendered
subject and text while they are kept) and their consent records. A redaction keeps each
message row, so the event it answered can never send it again, but clears everything that
names the shopper: the address, the customer id, the placeholders and the rendered bodies; a
message not yet sent is skipped (`redacted`). Consent records of the shopper are deleted.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.services.privacy.customer_data import ShopperRows
from connector.services.privacy.redaction import CustomerIdentity
from connector.store.models import Message, MessageConsent, MessageStatus

REDACTED = "redacted"


class Messages(ShopperRows):
    """message: what we sent (or meant to send) the shopper."""

    model = Message
    key = "messages"
    exported = (
        "id", "kind", "channel", "recipient", "locale", "status", "reason", "subject",
        "body_text", "sent_at", "created_at",
    )  # fmt: skip
    cleared = MappingProxyType(
        {
            "recipient": "",
            "customer_id": None,
            "context": {},
            "subject": None,
            "body_text": None,
            "body_html": None,
        }
    )
    customer_column, email_column = "customer_id", "recipient"

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Skip the shopper's unsent messages, then clear every row that names them."""
        query = await self._matching(shop_domain, identity, tx)
        if query is None:
            return 0
        ids = [row.pk for row in await query.only("id")]
        await (
            Message.filter(id__in=ids, status=MessageStatus.PENDING)
            .using_db(tx)
            .update(status=MessageStatus.SKIPPED.value, reason=REDACTED, lease_token=None)
        )
        return (
            await Message.filter(id__in=ids)
            .using_db(tx)
            .update(**self.cleared, bodies_erased_at=now, updated_at=now)
        )


class MessageConsents(ShopperRows):
    """message_consent: the shopper's unsubscribes and WhatsApp opt-ins."""

    model = MessageConsent
    key = "message_consent"
    exported = ("channel", "address", "state", "source", "at")
    cleared = MappingProxyType({})
    customer_column, normalized_column = "customer_id", "address"

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Delete the shopper's consent records."""
        query = await self._matching(shop_domain, identity, tx)
        return await query.delete() if query is not None else 0
