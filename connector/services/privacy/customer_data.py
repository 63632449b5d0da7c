"""Where a shopper's personal data lives: one source per table, able to list it and erase it.

Each source answers for one model: what we hold about a shopper (`collect`, for
customers/data_request), erasing it (`erase`, for customers/redact) and erasing a whole shop
(`erase_shop`, for shop/redact). Everything is scoped by the shop's domain, whatever the platform
row says, so a redaction cannot miss a row stored under another platform name (the sandbox speaks
Shopify's topics). The registry that lists the sources is `connector.services.privacy.compliance`.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from connector import jsonsafe
from connector.domain.emails import normalize_email
from connector.services.privacy.redaction import (
    REDACTED,
    CustomerIdentity,
    mentions,
    personal_fields,
    scrub,
)
from connector.store.models import (
    Advocate,
    AdvocateSignal,
    BlockEntry,
    Delivery,
    DeliveryAttempt,
    DiscountCode,
    OfferClaim,
    OrderRecord,
    PrivacyRequest,
    Referral,
    Reward,
    Shop,
)

_BATCH = 200
# An advocate erased by customers/redact: unlinked from the person, its code no longer credits.
REDACTED_ADVOCATE = "redacted"


class CustomerDataSource(Protocol):
    """One table's part in privacy requests; register it in `privacy.DATA_SOURCES`."""

    async def collect(self, shop_domain: str, identity: CustomerIdentity) -> dict[str, Any]:
        """Everything this table holds about the shopper, as JSON-ready values (reads only)."""
        ...

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Erase the shopper's personal data in `tx`; return the number of rows changed."""
        ...

    async def erase_shop(self, shop_domain: str, tx: BaseDBAsyncClient) -> int:
        """Delete every row of the shop in `tx`; return the number of rows deleted."""
        ...


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _normalized(identity: CustomerIdentity) -> str | None:
    return normalize_email(identity.email) if identity.email else None


async def _shop_ids(shop_domain: str, db: BaseDBAsyncClient | None) -> list[int]:
    return [shop.id for shop in await Shop.filter(domain=shop_domain).only("id").using_db(db)]


class ShopperRows:
    """A table naming the shopper in plain columns: matched by `terms`, unlinked by `cleared`."""

    model: type[Model]
    key: str  # what the export calls the rows
    exported: tuple[str, ...]
    cleared: Mapping[str, Any]  # the values that unlink a row from the shopper
    # The columns that name the shopper; a row is about them when any one matches.
    customer_column: str | None = None  # the store's customer id
    email_column: str | None = None  # an email as given (matched in any case)
    normalized_column: str | None = None  # an email in its normalized form
    order_column: str | None = None  # one of the orders the request names

    def terms(self, identity: CustomerIdentity) -> list[Q]:
        """The conditions under which a row is about the shopper (any one suffices)."""
        wanted: list[tuple[str | None, Any]] = [
            (self.customer_column, identity.customer_id),
            (f"{self.email_column}__iexact" if self.email_column else None, identity.email),
            (self.normalized_column, _normalized(identity)),
            (
                f"{self.order_column}__in" if self.order_column else None,
                sorted(identity.order_ids) or None,
            ),
        ]
        return [Q(**{column: value}) for column, value in wanted if column and value]

    async def _matching(
        self, shop_domain: str, identity: CustomerIdentity, db: BaseDBAsyncClient | None
    ) -> QuerySet[Model] | None:
        terms = self.terms(identity)
        shop_ids = await _shop_ids(shop_domain, db)
        if not terms or not shop_ids:
            return None
        return self.model.filter(Q(*terms, join_type="OR"), shop_id__in=shop_ids).using_db(db)

    async def collect(self, shop_domain: str, identity: CustomerIdentity) -> dict[str, Any]:
        """The shopper's rows, with every column we export."""
        query = await self._matching(shop_domain, identity, None)
        rows = await query.order_by("id") if query is not None else []
        return {self.key: [{f: _json_value(getattr(r, f)) for f in self.exported} for r in rows]}

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Unlink the rows from the shopper; what is not personal (ids, amounts) stays."""
        query = await self._matching(shop_domain, identity, tx)
        return await query.update(**self.cleared) if query is not None else 0

    async def erase_shop(self, shop_domain: str, tx: BaseDBAsyncClient) -> int:
        """Delete the shop's rows (explicitly: not every backend is sure to cascade)."""
        shop_ids = await _shop_ids(shop_domain, tx)
        return await self.model.filter(shop_id__in=shop_ids).using_db(tx).delete()


class OrderRecords(ShopperRows):
    """order_record: the shopper's orders, matched by customer id, email (any case) or order id.

    Erasing unlinks the orders from the shopper (email and customer id); amounts stay for
    accounting.
    """

    model = OrderRecord
    key = "orders"
    exported = (
        "order_id",
        "order_name",
        "customer_id",
        "email",
        "currency",
        "subtotal",
        "total",
        "refunded",
        "financial_status",
        "paid",
        "cancelled",
        "discount_codes",
        "order_created_at",
        "order_updated_at",
        "first_seen_at",
    )
    cleared = MappingProxyType({"email": None, "customer_id": None})
    customer_column, email_column, order_column = "customer_id", "email", "order_id"


def _body(delivery: Delivery) -> Any:
    raw = bytes(delivery.body)
    try:
        return jsonsafe.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


async def _mentioning(
    shop_domain: str, identity: CustomerIdentity, db: BaseDBAsyncClient | None
) -> AsyncIterator[tuple[Delivery, Any]]:
    """The shop's deliveries whose body or headers name the shopper, in batches by id."""
    last = 0
    while True:
        batch = await (
            Delivery.filter(shop_domain=shop_domain, id__gt=last)
            .order_by("id")
            .limit(_BATCH)
            .using_db(db)
        )
        for delivery in batch:
            body = _body(delivery)
            if mentions(body, identity) or mentions(delivery.headers, identity):
                yield delivery, body
        if len(batch) < _BATCH:
            return
        last = batch[-1].id


class Deliveries:
    """delivery: raw webhook bodies (kept for replay) that name the shopper or their orders."""

    async def collect(self, shop_domain: str, identity: CustomerIdentity) -> dict[str, Any]:
        """Each stored webhook about the shopper and the personal fields in it, not the raw body."""
        found = [
            {
                "delivery_id": d.id,
                "topic": d.topic,
                "webhook_id": d.delivery_key,
                "received_at": _json_value(d.received_at),
                "redacted_at": _json_value(d.redacted_at),
                "personal_data": {k: _json_value(v) for k, v in personal_fields(body).items()},
            }
            async for d, body in _mentioning(shop_domain, identity, None)
        ]
        return {"webhooks": found}

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Replace each matching body with its scrubbed copy; mask headers and errors too."""
        changed = 0
        async for delivery, body in _mentioning(shop_domain, identity, tx):
            clean = scrub(body, identity)
            new_body = (clean if isinstance(clean, str) else json.dumps(clean)).encode()
            headers = scrub(delivery.headers, identity)
            error = identity.mask(delivery.last_error) if delivery.last_error else None
            await (
                Delivery.filter(id=delivery.id)
                .using_db(tx)
                .update(body=new_body, headers=headers, last_error=error, redacted_at=now)
            )
            attempts = DeliveryAttempt.filter(delivery_id=delivery.id, error__isnull=False)
            for attempt in await attempts.using_db(tx):
                masked = identity.mask(attempt.error or "")
                if masked != attempt.error:
                    await DeliveryAttempt.filter(id=attempt.id).using_db(tx).update(error=masked)
            changed += 1
        return changed

    async def erase_shop(self, shop_domain: str, tx: BaseDBAsyncClient) -> int:
        """Delete every delivery of the domain, whatever platform stored it."""
        return await Delivery.filter(shop_domain=shop_domain).using_db(tx).delete()


class PrivacyRequests:
    """privacy_request: earlier requests about the shopper; data-request exports hold their data."""

    async def _about(
        self, shop_domain: str, identity: CustomerIdentity, db: BaseDBAsyncClient | None
    ) -> list[PrivacyRequest]:
        rows = await PrivacyRequest.filter(shop_domain=shop_domain).order_by("id").using_db(db)
        return [
            r
            for r in rows
            if (identity.customer_id is not None and r.customer_id == identity.customer_id)
            or (r.export is not None and mentions(r.export, identity))
        ]

    async def collect(self, shop_domain: str, identity: CustomerIdentity) -> dict[str, Any]:
        """Earlier requests (kind and dates; their exports are not nested here)."""
        rows = await self._about(shop_domain, identity, None)
        return {
            "requests": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "received_at": _json_value(r.received_at),
                    "completed_at": _json_value(r.completed_at),
                }
                for r in rows
            ]
        }

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Drop the exports of earlier data requests about the shopper, saying so in the summary."""
        erased = 0
        for row in await self._about(shop_domain, identity, tx):
            if row.export is None:
                continue
            row.export = None
            row.summary = f"{row.summary} Export erased on {now:%Y-%m-%d} by customers/redact."
            await row.save(using_db=tx, update_fields=["export", "summary"])
            erased += 1
        return erased

    async def erase_shop(self, shop_domain: str, tx: BaseDBAsyncClient) -> int:
        """Delete every privacy request of the domain."""
        return await PrivacyRequest.filter(shop_domain=shop_domain).using_db(tx).delete()


# -- the referral engine: advocates, their codes and claims, referrals, rewards ---------------


def _masked(value: Any, identity: CustomerIdentity) -> Any:
    """`value` with the shopper's email (as given and normalized) and customer id masked in
    every string, at any depth: what stays is the decision, not who it was about."""
    words = [re.escape(w) for w in (identity.email, _normalized(identity)) if w]
    if identity.customer_id:
        words.append(rf"(?<!\d){re.escape(identity.customer_id)}(?!\d)")
    if not words:
        return value
    pattern = re.compile("|".join(words), re.IGNORECASE)

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return pattern.sub(REDACTED, identity.mask(node))
        if isinstance(node, Mapping):
            return {key: walk(item) for key, item in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(value)


class Advocates(ShopperRows):
    """advocate: the shopper as an advocate, matched by customer id or email (either form).

    Erasing keeps the row (its code and referrals stay consistent) but unlinks it from the
    person and stops it: a redacted advocate's code no longer credits anyone.
    """

    model = Advocate
    key = "advocates"
    exported = (
        "id", "kind", "name", "email", "customer_id", "friend_code", "status", "charity_cause",
        "locale", "birth_month", "birth_day", "created_at",
    )  # fmt: skip
    cleared = MappingProxyType(
        {
            "email": None,
            "email_normalized": None,
            "customer_id": None,
            "name": "",
            "birth_month": None,
            "birth_day": None,
            "status": REDACTED_ADVOCATE,
        }
    )
    customer_column, email_column, normalized_column = "customer_id", "email", "email_normalized"


class DiscountCodes(ShopperRows):
    """discount_code: single-use friend codes made for the shopper's email."""

    model = DiscountCode
    key = "codes"
    exported = ("code", "purpose", "status", "friend_email_normalized", "created_at")
    cleared = MappingProxyType({"friend_email_normalized": None})
    normalized_column = "friend_email_normalized"


class OfferClaims(ShopperRows):
    """offer_claim: offers the shopper claimed by email; a claim is nothing but that, so erasing
    deletes it (their later orders are no longer attributed by email)."""

    model = OfferClaim
    key = "claims"
    exported = ("advocate_id", "email_normalized", "claimed_at")
    cleared = MappingProxyType({})
    normalized_column = "email_normalized"

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Delete the shopper's claims."""
        query = await self._matching(shop_domain, identity, tx)
        return await query.delete() if query is not None else 0


class Referrals(ShopperRows):
    """referral: orders the shopper placed as a friend, by customer id, email or order id.

    Erasing unlinks the friend and masks them inside the stored evidence, findings and reward
    plans; states, amounts and the reasons stay, so the advocate's history still adds up.
    """

    model = Referral
    key = "referrals"
    exported = (
        "id", "order_id", "state", "state_reason", "friend_customer_id", "friend_email",
        "currency", "order_total", "refunded", "winning_signal", "evidence", "findings",
        "created_at",
    )  # fmt: skip
    cleared = MappingProxyType({"friend_email": None, "friend_customer_id": None})
    customer_column, email_column, order_column = "friend_customer_id", "friend_email", "order_id"
    _MASKED = ("evidence", "findings", "reward_plans")

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Unlink each referral and mask the shopper in its stored JSON."""
        query = await self._matching(shop_domain, identity, tx)
        rows = await query.order_by("id") if query is not None else []
        for row in rows:
            masked = {name: _masked(getattr(row, name), identity) for name in self._MASKED}
            await Referral.filter(id=row.pk).using_db(tx).update(**self.cleared, **masked)
        return len(rows)


class Rewards(ShopperRows):
    """reward: rewards addressed to the shopper (as advocate or friend)."""

    model = Reward
    key = "rewards"
    exported = (
        "id", "side", "kind", "amount", "currency", "points", "code", "status",
        "recipient_customer_id", "recipient_email", "created_at",
    )  # fmt: skip
    cleared = MappingProxyType({"recipient_email": None, "recipient_customer_id": None})
    customer_column, email_column = "recipient_customer_id", "recipient_email"


class AdvocateSignals(ShopperRows):
    """advocate_signal: hashes of the IPs, browsers and addresses an advocate was seen with,
    found through the shopper's advocate rows; erasing deletes them."""

    model: type[Model] = AdvocateSignal
    key = "advocate_signals"
    exported = ("kind", "value", "source", "first_seen_at")
    cleared = MappingProxyType({})

    async def _matching(
        self, shop_domain: str, identity: CustomerIdentity, db: BaseDBAsyncClient | None
    ) -> QuerySet[Model] | None:
        advocates = await Advocates()._matching(shop_domain, identity, db)
        if advocates is None:
            return None
        ids = await advocates.values_list("id", flat=True)
        return self.model.filter(advocate_id__in=list(ids)).using_db(db)

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Delete the advocate's recorded signals."""
        query = await self._matching(shop_domain, identity, tx)
        return await query.delete() if query is not None else 0


class BlockEntries(ShopperRows):
    """block_entry: the shop's blocklist entries naming the shopper's email or customer id;
    erasing deletes them."""

    model = BlockEntry
    key = "blocklist"
    exported = ("kind", "label", "note", "created_at")
    cleared = MappingProxyType({})

    def terms(self, identity: CustomerIdentity) -> list[Q]:
        """Entries of kind email or customer whose value is the shopper's."""
        found = []
        if identity.customer_id:
            found.append(Q(kind="customer", value=identity.customer_id))
        if identity.email:
            found.append(Q(kind="email", value=normalize_email(identity.email)))
        return found

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Delete the entries that name the shopper."""
        query = await self._matching(shop_domain, identity, tx)
        return await query.delete() if query is not None else 0
