"""Order deliveries: keep the newest state of each order, and credit or change its referral."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.services.pipeline.worker import FatalDeliveryError, HandlerContext
from connector.services.referrals.crediting import PreparedOrder, apply_order, prepare_order
from connector.services.referrals.records import Cause
from connector.store.models import OrderRecord, Shop
from platforms.base import OrderEvent

# What parsing a body of the wrong shape raises (a missing key, a text where a number belongs).
UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError)
# Order values and the widths they are stored in (OrderRecord's columns).
_WIDTHS = {"order_id": 64, "order_name": 64, "currency": 3, "financial_status": 32,
           "customer_id": 64, "email": 320}  # fmt: skip
_AMOUNT_LIMIT = Decimal(10) ** 10  # NUMERIC(14, 4)


def _check_storable(event: OrderEvent) -> None:
    """A parsed order whose values cannot be stored is as unreadable as a malformed body."""
    for name, width in _WIDTHS.items():
        value = getattr(event, name)
        if value is not None and len(str(value)) > width:
            raise FatalDeliveryError(f"the order's {name} is longer than {width} characters")
    for name in ("subtotal", "total", "refunded"):
        amount: Decimal = getattr(event, name)
        if not amount.is_finite() or abs(amount) >= _AMOUNT_LIMIT:
            raise FatalDeliveryError(f"the order's {name} {amount} is out of range")


@dataclass(frozen=True)
class PreparedOrderEvent:
    """The parsed order and, for an installed shop, what its referral judgement needs."""

    event: OrderEvent
    referral: PreparedOrder | None


class OrderEventHandler:
    """orders/create|paid|updated|cancelled: record the order (stale payloads never win) and
    credit its referral, or apply a cancel or refund to it, in the same transaction."""

    async def prepare(self, ctx: HandlerContext) -> PreparedOrderEvent:
        """Parse the payload; load the program and evidence, asking the store only if needed."""
        delivery = ctx.delivery
        payload = ctx.payload()
        if not isinstance(payload, dict):
            raise FatalDeliveryError("order payload is not a JSON object")
        adapter = ctx.runtime.adapter(delivery.platform)
        try:
            event = adapter.parse_order(delivery.shop_domain, delivery.topic, payload)
        except UNREADABLE as exc:
            # The same body fails the same way on every try: dead-letter it now, with why.
            raise FatalDeliveryError(
                f"the body is not a {delivery.topic} order we can read: {type(exc).__name__}: {exc}"
            ) from exc
        _check_storable(event)
        shop = await Shop.get_or_none(platform=event.platform, domain=event.shop)
        if shop is None:
            return PreparedOrderEvent(event, None)
        return PreparedOrderEvent(event, await prepare_order(ctx.runtime, shop, event))

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        """Upsert the order record unless we hold a newer version; then the referral logic."""
        ready: PreparedOrderEvent = prepared
        event = ready.event
        shop = await Shop.get_or_none(platform=event.platform, domain=event.shop, using_db=tx)
        if shop is None:
            # An order for a shop that is not installed (e.g. after uninstall): nothing to credit.
            return
        record = await record_order(event, shop, ctx.delivery.id, tx)
        if ready.referral is not None:
            cause = Cause.delivery(ctx.delivery.id)
            await apply_order(ctx.runtime, shop, event, record, ready.referral, cause, tx)


async def record_order(
    event: OrderEvent, shop: Shop, delivery_id: int | None, tx: BaseDBAsyncClient
) -> OrderRecord:
    """Create or update the order's record; an older `updated_at` than ours is ignored."""
    values = {
        "order_name": event.order_name,
        "currency": event.currency,
        "subtotal": event.subtotal,
        "total": event.total,
        "refunded": event.refunded,
        "financial_status": event.financial_status,
        "paid": event.paid,
        "cancelled": event.cancelled,
        "is_test": event.is_test,
        "customer_id": event.customer_id,
        "email": event.email,
        "discount_codes": list(event.discount_codes),
        "order_updated_at": event.updated_at,
        "order_created_at": event.created_at,
        "last_delivery_id": delivery_id,
    }
    record = await (
        OrderRecord.filter(shop_id=shop.id, order_id=event.order_id)
        .using_db(tx)
        .select_for_update()
        .first()
    )
    if record is None:
        record, created = await OrderRecord.get_or_create(
            shop_id=shop.id, order_id=event.order_id, defaults=values, using_db=tx
        )
        if created:
            return record
    newer = (
        record.order_updated_at is None
        or event.updated_at is None
        or event.updated_at >= record.order_updated_at
    )
    if newer:
        record.update_from_dict(values)
        await record.save(using_db=tx)
    return record
