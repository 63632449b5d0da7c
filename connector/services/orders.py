"""Order deliveries: parse into an `OrderEvent` and keep the newest state of each order."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.services.worker import FatalDeliveryError, HandlerContext
from connector.store.models import OrderRecord, Shop
from platforms.base import OrderEvent


class OrderEventHandler:
    """orders/create|paid|updated|cancelled: record the order; stale payloads never win."""

    async def prepare(self, ctx: HandlerContext) -> OrderEvent:
        """Parse the payload through the platform's adapter."""
        delivery = ctx.delivery
        payload = ctx.payload()
        if not isinstance(payload, dict):
            raise FatalDeliveryError("order payload is not a JSON object")
        adapter = ctx.runtime.adapter(delivery.platform)
        return adapter.parse_order(delivery.shop_domain, delivery.topic, payload)

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        """Upsert the order record unless we already hold a newer version."""
        event: OrderEvent = prepared
        shop = await Shop.get_or_none(platform=event.platform, domain=event.shop, using_db=tx)
        if shop is None:
            # An order for a shop that is not installed (e.g. after uninstall): nothing to credit.
            return
        await record_order(event, shop, ctx.delivery.id, tx)


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
