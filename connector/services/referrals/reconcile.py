"""Reconciliation: list recent orders from the store and feed the ones we never saw into the inbox.

Webhooks are not guaranteed delivery (WooCommerce never retries; Shopify gives up after 4 hours),
so a periodic job asks the store for orders updated since the last run. An order whose newest
state we already recorded is skipped; any other becomes a delivery in the same inbox as webhooks
(topic `orders/updated`, the order as the raw body, the key `reconcile:{order id}:{updated at}`),
so the normal worker processes it and a second run never adds it twice. Each run starts a little
before where the last one ended, because a store's order search can lag behind its writes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q

from connector.errors import ConnectorError
from connector.services.base.inbox import store_delivery
from connector.services.base.runtime import Runtime
from connector.services.shops.tokens import fresh_credentials
from connector.store.models import OrderRecord, Shop, ShopStatus, SyncState
from platforms.base import OrderEvent, PlatformError, WebhookDelivery

log = logging.getLogger("connector.reconcile")

TOPIC = "orders/updated"
OVERLAP = timedelta(minutes=10)
FIRST_LOOKBACK = timedelta(days=3)
SOURCE_HEADER = "x-connector-source"

Progress = Callable[[int, int], None]  # (orders looked at, orders fed), after each order


def delivery_key(event: OrderEvent) -> str:
    """The inbox key of a reconciled order state: one per order and update time."""
    moment = event.updated_at.isoformat() if event.updated_at else "unknown"
    return f"reconcile:{event.order_id}:{moment}"


async def _seen(shop: Shop, event: OrderEvent) -> bool:
    """True when we already hold this order in this state or a newer one."""
    if event.updated_at is None:
        return await OrderRecord.exists(shop_id=shop.id, order_id=event.order_id)
    return await OrderRecord.exists(
        shop_id=shop.id, order_id=event.order_id, order_updated_at__gte=event.updated_at
    )


def _delivery(shop: Shop, event: OrderEvent, payload: Mapping[str, Any]) -> WebhookDelivery:
    return WebhookDelivery(
        platform=shop.platform,
        shop=shop.domain,
        topic=TOPIC,
        delivery_id=delivery_key(event),
        raw_body=json.dumps(payload, separators=(",", ":")).encode(),
        headers={SOURCE_HEADER: "reconcile"},
        triggered_at=event.updated_at,
    )


def _start(shop: Shop, state: SyncState, now: datetime) -> datetime:
    if state.synced_until is not None:
        return state.synced_until - OVERLAP
    earliest = now - FIRST_LOOKBACK
    return max(shop.installed_at or earliest, earliest)


async def reconcile(
    runtime: Runtime,
    shop: Shop | str,
    since: datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """Feed the shop's orders updated since `since` (default: the last run) that we never saw."""
    row = shop if isinstance(shop, Shop) else await Shop.get_or_none(domain=shop)
    if row is None:
        raise LookupError(f"no installed shop {shop}")
    state, _ = await SyncState.get_or_create(shop_id=row.id)
    started = runtime.now()
    start = since or _start(row, state, started)
    looked = fed = 0
    newest: datetime | None = None
    try:
        creds = await fresh_credentials(runtime, row)
        adapter = runtime.adapter(row.platform)
        async for payload in adapter.list_orders(creds, start):
            event = adapter.parse_order(row.domain, TOPIC, payload)
            looked += 1
            if not await _seen(row, event):
                fed += await store_delivery(_delivery(row, event, payload), runtime.now())
            if event.updated_at is not None:
                newest = max(newest or event.updated_at, event.updated_at)
            if progress is not None:
                progress(looked, fed)
    except (PlatformError, ConnectorError) as exc:
        # Orders come oldest change first: everything up to the newest one seen is done.
        await _save(state, newest, started, fed, f"{type(exc).__name__}: {exc}")
        raise
    # Everything updated before the listing began was listed (the overlap covers search lag).
    await _save(state, max(started, newest or started), started, fed, None)
    log.info("shop %s: reconciled %d orders since %s, fed %d", row.domain, looked, start, fed)
    return fed


async def _save(
    state: SyncState, until: datetime | None, ran_at: datetime, fed: int, error: str | None
) -> None:
    await SyncState.filter(id=state.id).update(
        last_run_at=ran_at,
        last_error=error[:2000] if error else None,
        orders_fed=F("orders_fed") + fed,
    )
    if until is not None:
        # Only forward: a slower run that started earlier never moves it back.
        await SyncState.filter(
            Q(synced_until__isnull=True) | Q(synced_until__lt=until), id=state.id
        ).update(synced_until=until)


async def reconcile_all(runtime: Runtime) -> int:
    """The periodic job: reconcile every active shop; one shop's failure does not stop the rest."""
    fed = 0
    for shop in await Shop.filter(status=ShopStatus.ACTIVE).order_by("id"):
        try:
            fed += await reconcile(runtime, shop)
        except (PlatformError, ConnectorError) as exc:
            log.warning("shop %s: reconciliation stopped: %s", shop.domain, exc)
    return fed
