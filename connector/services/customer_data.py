"""Where a shopper's personal data lives: one source per table, able to list it and erase it.

Each source answers for one model: what we hold about a shopper (`collect`, for
customers/data_request), erasing it (`erase`, for customers/redact) and erasing a whole shop
(`erase_shop`, for shop/redact). Everything is scoped by the shop's domain, whatever the platform
row says, so a redaction cannot miss a row stored under another platform name (the sandbox speaks
Shopify's topics). The registry that lists the sources is `connector.services.privacy`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from connector.services.redaction import CustomerIdentity, mentions, personal_fields, scrub
from connector.store.models import Delivery, DeliveryAttempt, OrderRecord, PrivacyRequest, Shop

_BATCH = 200


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


async def _shop_ids(shop_domain: str, db: BaseDBAsyncClient | None) -> list[int]:
    return [shop.id for shop in await Shop.filter(domain=shop_domain).only("id").using_db(db)]


class OrderRecords:
    """order_record: the shopper's orders, matched by customer id, email (any case) or order id."""

    _EXPORTED = (
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

    async def _matching(
        self, shop_domain: str, identity: CustomerIdentity, db: BaseDBAsyncClient | None
    ) -> QuerySet[OrderRecord] | None:
        terms = []
        if identity.customer_id:
            terms.append(Q(customer_id=identity.customer_id))
        if identity.email:
            terms.append(Q(email__iexact=identity.email))
        if identity.order_ids:
            terms.append(Q(order_id__in=sorted(identity.order_ids)))
        shop_ids = await _shop_ids(shop_domain, db)
        if not terms or not shop_ids:
            return None
        return OrderRecord.filter(Q(*terms, join_type="OR"), shop_id__in=shop_ids).using_db(db)

    async def collect(self, shop_domain: str, identity: CustomerIdentity) -> dict[str, Any]:
        """The shopper's order records, every column we keep."""
        query = await self._matching(shop_domain, identity, None)
        rows = await query.order_by("id") if query is not None else []
        return {"orders": [{f: _json_value(getattr(r, f)) for f in self._EXPORTED} for r in rows]}

    async def erase(
        self, shop_domain: str, identity: CustomerIdentity, tx: BaseDBAsyncClient, now: datetime
    ) -> int:
        """Unlink the orders from the shopper (email and customer id); amounts stay for accounting."""
        query = await self._matching(shop_domain, identity, tx)
        return await query.update(email=None, customer_id=None) if query is not None else 0

    async def erase_shop(self, shop_domain: str, tx: BaseDBAsyncClient) -> int:
        """Delete the shop's orders (explicitly: not every backend is sure to cascade)."""
        shop_ids = await _shop_ids(shop_domain, tx)
        return await OrderRecord.filter(shop_id__in=shop_ids).using_db(tx).delete()


def _body(delivery: Delivery) -> Any:
    raw = bytes(delivery.body)
    try:
        return json.loads(raw)
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
