"""Order deliveries: keep the newest state of each order, and credit or change its referral."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.domain.codes import normalize_code
from connector.domain.rules.fraud import blocklist_values
from connector.services.analytics import sources
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.pipeline.worker import FatalDeliveryError, HandlerContext
from connector.services.referrals import blocklist, signals
from connector.services.referrals.crediting import (
    PreparedOrder,
    apply_order,
    order_key,
    prepare_orders,
)
from connector.services.referrals.inputs import BatchLoads, identity, order_facts, window_counts
from connector.services.referrals.records import Cause
from connector.store.models import Advocate, OrderRecord, Referral, Reward, Shop
from platforms.base import OrderEvent

# What parsing a body of the wrong shape raises (a missing key, a text where a number belongs).
UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError)
# Order values and the widths they are stored in (OrderRecord's columns).
_WIDTHS = {"order_id": 64, "order_name": 64, "currency": 3, "financial_status": 32,
           "customer_id": 64, "email": 320, "presentment_currency": 3}  # fmt: skip
_AMOUNT_LIMIT = Decimal(10) ** 10  # NUMERIC(14, 4)
_RATE_LIMIT = Decimal(10) ** 12  # NUMERIC(24, 12)


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
    rate = event.exchange_rate
    if rate is not None and not (rate.is_finite() and 0 < rate < _RATE_LIMIT):
        raise FatalDeliveryError(f"the order's exchange rate {rate} is out of range")


def _parse(ctx: HandlerContext) -> OrderEvent:
    """The delivery's order; FatalDeliveryError when its body can never be read or stored."""
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
    return event


@dataclass(frozen=True)
class PreparedOrderEvent:
    """The parsed order and, for an installed shop, what its referral judgement needs."""

    event: OrderEvent
    referral: PreparedOrder | None
    delivery_id: int = 0
    batch: OrderBatch | None = None  # set by `begin_batch` when the worker applies a batch


# Called with every recorded order in its delivery's transaction, after the referral logic
# (the composition root adds loyalty earning): (runtime, shop, the delivery's order, the
# order's newest record, tx).
OrderListener = Callable[
    [Runtime, Shop, OrderEvent, OrderRecord, BaseDBAsyncClient], Awaitable[None]
]


class OrderEventHandler:
    """orders/create|paid|updated|cancelled: record the order (stale payloads never win) and
    credit its referral, or apply a cancel or refund to it, in the same transaction; then tell
    each listener about the order, in that transaction too."""

    def __init__(self, listeners: Sequence[OrderListener] = ()) -> None:
        self.listeners = tuple(listeners)

    async def prepare(self, ctx: HandlerContext) -> PreparedOrderEvent:
        """Parse the payload; load the program and evidence, asking the store only if needed."""
        prepared = (await self.prepare_batch([ctx]))[0]
        if isinstance(prepared, Exception):
            raise prepared
        return prepared

    async def prepare_batch(
        self, ctxs: Sequence[HandlerContext]
    ) -> list[PreparedOrderEvent | Exception]:
        """`prepare` for a batch of deliveries, with set-based loads per shop; a delivery that
        cannot be prepared gets its exception in its place."""
        out: list[PreparedOrderEvent | Exception] = []
        events: dict[int, OrderEvent] = {}
        for n, ctx in enumerate(ctxs):
            try:
                events[n] = _parse(ctx)
            except Exception as exc:
                out.append(exc)
                continue
            out.append(PreparedOrderEvent(events[n], None, ctx.delivery.id))
        if not events:
            return out
        domains = sorted({event.shop for event in events.values()})
        shops = {(s.platform, s.domain): s for s in await Shop.filter(domain__in=domains)}
        by_shop: dict[int, list[int]] = {}
        for n, event in events.items():
            shop = shops.get((event.platform, event.shop))
            if shop is not None:
                by_shop.setdefault(shop.id, []).append(n)
        by_id = {shop.id: shop for shop in shops.values()}
        for shop_id, numbers in by_shop.items():
            runtime = ctxs[numbers[0]].runtime
            found = await prepare_orders(runtime, by_id[shop_id], [events[n] for n in numbers])
            for n, prepared in zip(numbers, found, strict=True):
                out[n] = prepared if isinstance(prepared, Exception) else (
                    PreparedOrderEvent(events[n], prepared, ctxs[n].delivery.id)
                )  # fmt: skip
        return out

    def batch_key(self, prepared: Any) -> tuple[str, str]:
        """Deliveries of a batch are applied in order of (shop, order id): two workers then take
        the row locks of shared orders in the same order and never wait on each other in a circle."""
        ready: PreparedOrderEvent = prepared
        return ready.event.shop, ready.event.order_id

    async def begin_batch(
        self, prepared: Sequence[Any], tx: BaseDBAsyncClient
    ) -> list[PreparedOrderEvent]:
        """Lock every advocate the batch may credit (in id order), then the batch's order
        records (in order id order; the missing ones inserted together); note which orders had
        no referral yet, so that their deliveries need not look for one."""
        ready: list[PreparedOrderEvent] = list(prepared)
        rows = {
            row
            for item in ready
            if item.referral is not None
            for row in item.referral.advocate_rows.values()
        }
        advocates: dict[int, Advocate] = {}
        if rows:
            locked = Advocate.filter(id__in=sorted(rows)).using_db(tx).select_for_update()
            advocates = {a.id: a for a in await locked.order_by("id")}
        domains = sorted({item.event.shop for item in ready})
        shops = {
            (s.platform, s.domain): s for s in await Shop.filter(domain__in=domains).using_db(tx)
        }
        batch = OrderBatch(shops, advocates)
        for shop in shops.values():
            mine = [item for item in ready if item.event.shop == shop.domain
                    and item.event.platform == shop.platform]  # fmt: skip
            if mine:
                await _begin_shop(batch, shop, mine, tx)
        return [replace(item, batch=batch) for item in ready]

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        """Upsert the order record unless we hold a newer version; then the referral logic."""
        ready: PreparedOrderEvent = prepared
        event = ready.event
        batch = ready.batch
        if batch is None:
            shop = await Shop.get_or_none(platform=event.platform, domain=event.shop, using_db=tx)
        else:
            shop = batch.shops.get((event.platform, event.shop))
        if shop is None:
            # An order for a shop that is not installed (e.g. after uninstall): nothing to credit.
            return
        if batch is None:
            record = await record_order(event, shop, ctx.delivery.id, tx)
        else:
            record = batch.records[(shop.id, event.order_id)]
            if batch.inserted_by.get((shop.id, event.order_id)) != ctx.delivery.id:
                await _update_record(record, event, ctx.delivery.id, tx)
        if ready.referral is not None:
            cause = Cause.delivery(ctx.delivery.id)
            loads = batch.loads.get(shop.id) if batch is not None else None
            if batch is None:
                await apply_order(ctx.runtime, shop, event, record, ready.referral, cause, tx)
            else:
                key = (shop.id, order_key(event.order_id))
                await apply_order(
                    ctx.runtime, shop, event, record, ready.referral, cause, tx,
                    surely_new=key in batch.uncredited, batch=loads,
                )  # fmt: skip
                batch.uncredited.discard(key)  # credited now, or judged: a second one looks
            # An advocate's own order, once judged, is kept among their signals (addresses, IP,
            # browser) for the fraud checks of later friends' orders.
            facts = order_facts(event, record)
            owner = (
                loads.owner(facts) if loads is not None
                else await signals.owner_of(shop.id, facts, tx)
            )  # fmt: skip
            if owner is not None:
                now = ctx.runtime.now()
                await signals.record_order(shop.id, owner, facts, event.order_name, tx, now)
        # Every order counts (referred or not), after its referral so it knows whether it has one.
        await sources.order_recorded(tx, record)
        for listener in self.listeners:
            await listener(ctx.runtime, shop, event, record, tx)


@dataclass
class OrderBatch:
    """What a batch's transaction holds for all its orders before any of them is applied."""

    shops: dict[tuple[str, str], Shop]
    advocates: dict[int, Advocate] = field(default_factory=dict)  # locked, in id order
    loads: dict[int, BatchLoads] = field(default_factory=dict)  # by shop id
    records: dict[tuple[int, str], OrderRecord] = field(default_factory=dict)  # locked
    inserted_by: dict[tuple[int, str], int] = field(default_factory=dict)  # record -> delivery
    uncredited: set[tuple[int, str]] = field(default_factory=set)  # (shop, key) no referral yet


async def _begin_shop(
    batch: OrderBatch, shop: Shop, ready: list[PreparedOrderEvent], tx: BaseDBAsyncClient
) -> None:
    ids = sorted({item.event.order_id for item in ready})
    locked = OrderRecord.filter(shop_id=shop.id, order_id__in=ids).using_db(tx)
    found = {r.order_id: r for r in await locked.select_for_update().order_by("order_id")}
    missing = [order_id for order_id in ids if order_id not in found]
    if missing:
        first: dict[str, PreparedOrderEvent] = {}
        for item in ready:  # the batch is in (shop, order id, delivery id) order: oldest first
            first.setdefault(item.event.order_id, item)
        # One insert for them all (a concurrent worker's row wins), then lock what is there.
        new = [
            OrderRecord(shop_id=shop.id, order_id=order_id,
                        **_record_values(first[order_id].event, first[order_id].delivery_id))
            for order_id in missing
        ]  # fmt: skip
        await OrderRecord.bulk_create(new, ignore_conflicts=True, using_db=tx)
        locked = OrderRecord.filter(shop_id=shop.id, order_id__in=missing).using_db(tx)
        for record in await locked.select_for_update().order_by("order_id"):
            found[record.order_id] = record
            item = first[record.order_id]
            if record.last_delivery_id == item.delivery_id:
                batch.inserted_by[(shop.id, record.order_id)] = item.delivery_id
    batch.records.update(((shop.id, order_id), record) for order_id, record in found.items())
    keys = [order_key(order_id) for order_id in ids]
    credited = Referral.filter(shop_id=shop.id, qualifying_key__in=keys).using_db(tx)
    existing = {str(k) for k in await credited.values_list("qualifying_key", flat=True)}
    batch.uncredited.update((shop.id, key) for key in keys if key not in existing)
    batch.loads[shop.id] = await _loads(batch, shop, ready, existing, tx)


async def _loads(
    batch: OrderBatch,
    shop: Shop,
    ready: list[PreparedOrderEvent],
    credited: set[str],
    tx: BaseDBAsyncClient,
) -> BatchLoads:
    """What crediting the shop's orders of the batch reads, read for all of them at once: the
    window counts of each new order's advocates and the unused reward codes the orders name."""
    wanted: list[tuple[int, datetime]] = []
    program = None
    for item in ready:
        prepared = item.referral
        at = item.event.created_at or item.event.updated_at
        if prepared is None or prepared.live is None or at is None:
            continue
        if order_key(item.event.order_id) in credited:
            continue
        program = prepared.live.program
        wanted += [(row, at) for row in prepared.advocate_rows.values()]
    windows = await window_counts(wanted, program, tx) if program is not None else {}
    codes = {normalize_code(c) for item in ready for c in item.event.discount_codes} - {""}
    unused: set[str] = set()
    if codes:
        found = Reward.filter(shop_id=shop.id, code__in=codes, used_at__isnull=True).using_db(tx)
        unused = {str(code) for code in await found.values_list("code", flat=True)}
    loads = BatchLoads(batch.advocates, windows, unused)
    await _fraud_loads(loads, shop, ready, tx)
    return loads


async def _fraud_loads(
    loads: BatchLoads, shop: Shop, ready: list[PreparedOrderEvent], tx: BaseDBAsyncClient
) -> None:
    """The fraud checks' reads for the whole batch: the advocates' signals, the blocklist
    entries among every order's (and advocate's) values, the advocates placing their own."""
    facts = [order_facts(item.event) for item in ready
             if item.event.created_at or item.event.updated_at]  # fmt: skip
    mine = sorted(a.id for a in loads.advocates.values() if fk(a, "shop") == shop.id)
    loads.signals = await signals.load(mine, tx) if mine else {}
    wanted = {(k, v) for order in facts for k, v, _ in blocklist_values(order)}
    for advocate_id in mine:
        who = identity(loads.advocates[advocate_id])
        for order in facts[:1]:
            wanted.update((k, v) for k, v, whose in blocklist_values(order, who)
                          if whose == "advocate")  # fmt: skip
    loads.listed = await blocklist.listed(shop.id, wanted, tx)
    loads.owners = await signals.owners(shop.id, facts, tx)


async def record_order(
    event: OrderEvent, shop: Shop, delivery_id: int | None, tx: BaseDBAsyncClient
) -> OrderRecord:
    """Create or update the order's record; an older `updated_at` than ours is ignored."""
    values = _record_values(event, delivery_id)
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
    await _update_record(record, event, delivery_id, tx)
    return record


def _record_values(event: OrderEvent, delivery_id: int | None) -> dict[str, Any]:
    return {
        "order_name": event.order_name,
        "currency": event.currency,
        "subtotal": event.subtotal,
        "total": event.total,
        "refunded": event.refunded,
        "presentment_currency": event.presentment_currency,
        "exchange_rate": event.exchange_rate,
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


async def _update_record(
    record: OrderRecord, event: OrderEvent, delivery_id: int | None, tx: BaseDBAsyncClient
) -> None:
    """Take the event's values unless the record holds a newer state of the order."""
    newer = (
        record.order_updated_at is None
        or event.updated_at is None
        or event.updated_at >= record.order_updated_at
    )
    if newer:
        record.update_from_dict(_record_values(event, delivery_id))
        await record.save(using_db=tx)
