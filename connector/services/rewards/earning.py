"""Loyalty earning: every member's own paid orders earn points, and refunds take them back.

The order handler calls `earn_on_order` in the transaction that records the order's newest
state (and marks its delivery done), so an order earns exactly once however often it is
delivered or replayed: its earn entry's idempotency key (`order:{id}:earn`) is unique per shop,
and each later entry of the order is computed from what the order's entries already hold. A
refund or a cancellation takes the points back pro rata, never more than the member holds.
"""

from __future__ import annotations

import logging
import weakref
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.domain.money import Money
from connector.domain.program import Loyalty, Program
from connector.domain.rewards import loyalty as rules
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import ACTIVE, member_account
from connector.services.referrals.programs import live_program
from connector.services.rewards.loyalty import append_entry, balance
from connector.services.rewards.vip import review_member, stamp_order, tier_multiplier
from connector.store.models import Advocate, LedgerEntry, OrderRecord, Shop
from platforms.base import OrderEvent

log = logging.getLogger("connector.loyalty")


def order_reference(order_id: str) -> str:
    """The `reference` every ledger entry of one order carries."""
    return f"order:{order_id}"


async def grant_join_points(
    runtime: Runtime, db: BaseDBAsyncClient, shop: Shop, loyalty: Loyalty, member_id: int
) -> bool:
    """The program's points for joining, once per member (keyed `join:{member}`)."""
    if loyalty.join_points <= 0:
        return False
    now = runtime.now()
    return await append_entry(
        db, shop.id, member_id, kind=rules.EntryKind.EARN.value, points=loyalty.join_points,
        reference="join", idempotency_key=f"join:{member_id}",
        expires_at=rules.expiry_for(loyalty, now), created_at=now,
    )  # fmt: skip


async def earn_on_order(
    runtime: Runtime, shop: Shop, event: OrderEvent, record: OrderRecord, tx: BaseDBAsyncClient
) -> None:
    """Bring the order's points and stamps in line with its newest state (its row is locked),
    then the member's VIP tier."""
    if record.is_test:
        return
    program = await _program(runtime, shop, tx)
    loyalty = program.loyalty
    if loyalty is None:
        return  # a shop without points pays one read per batch, not one per order
    reference = order_reference(record.order_id)
    entries = await (
        LedgerEntry.filter(shop_id=shop.id, reference=reference).using_db(tx).order_by("id")
    )
    if not entries and not (record.paid and not record.cancelled):
        return
    if entries:
        member_id = int(entries[0].advocate_id)  # type: ignore[attr-defined]
        await _take_back(runtime, shop, record, entries, member_id, tx)
    else:
        earned = await _earn(runtime, shop, program, loyalty, record, tx)
        if earned is None:
            return
        member_id = earned
    member = await review_member(runtime, tx, shop, loyalty, member_id)
    if member is not None:
        await stamp_order(runtime, tx, shop, program, member, record, event.line_items)


# The live program as a transaction first read it: a worker's batch applies many orders of a
# shop in one transaction, and reads the program once for all of them.
_PROGRAMS: weakref.WeakKeyDictionary[BaseDBAsyncClient, dict[int, Program]] = (
    weakref.WeakKeyDictionary()
)


async def _program(runtime: Runtime, shop: Shop, tx: BaseDBAsyncClient) -> Program:
    known = _PROGRAMS.setdefault(tx, {})
    if shop.id not in known:
        known[shop.id] = (await live_program(runtime, shop, tx)).program
    return known[shop.id]


async def _take_back(
    runtime: Runtime,
    shop: Shop,
    record: OrderRecord,
    entries: list[LedgerEntry],
    member_id: int,
    tx: BaseDBAsyncClient,
) -> None:
    """After a refund or a cancellation: the order's points back, pro rata, never below zero."""
    target = rules.points_kept(
        int(entries[0].points), record.total, record.refunded or Decimal(0), record.cancelled
    )
    held = sum(int(e.points) for e in entries)
    if target >= held:
        return
    await Advocate.filter(id=member_id).using_db(tx).select_for_update().only("id")
    taken = rules.take_back(held - target, await balance(shop.id, member_id, tx))
    if taken <= 0:
        return
    reference = order_reference(record.order_id)
    await append_entry(
        tx, shop.id, member_id, kind=rules.EntryKind.REFUND.value, points=-taken,
        reference=reference, idempotency_key=f"{reference}:refund:{len(entries)}",
        created_at=runtime.now(),
    )  # fmt: skip
    log.info(
        "shop %s: order %s refunded, %s points taken back", shop.domain, record.order_id, taken
    )


async def _earn(
    runtime: Runtime,
    shop: Shop,
    program: Program,
    loyalty: Loyalty,
    record: OrderRecord,
    tx: BaseDBAsyncClient,
) -> int | None:
    """Earn the order's points; the member's id, or None when nobody earns (a guest with no
    email, a member the shop blocked)."""
    member = await member_account(
        runtime, shop, program, tx, customer_id=record.customer_id, email=record.email
    )
    if member is None or member.status != ACTIVE:
        return None
    locked = await Advocate.filter(id=member.id).using_db(tx).select_for_update().first()
    assert locked is not None
    now = runtime.now()
    await grant_join_points(runtime, tx, shop, loyalty, member.id)
    currency = record.currency
    points = rules.order_points(
        loyalty, Money(record.subtotal, currency), Money(record.total, currency),
        tier_multiplier(loyalty, locked),
    )  # fmt: skip
    # An order first seen partly refunded earns only on what was kept.
    points = rules.points_kept(points, record.total, record.refunded or Decimal(0), False)
    if points <= 0:
        return int(member.id)
    reference = order_reference(record.order_id)
    await append_entry(
        tx, shop.id, member.id, kind=rules.EntryKind.EARN.value, points=points,
        reference=reference, idempotency_key=f"{reference}:earn",
        expires_at=rules.expiry_for(loyalty, now), created_at=now,
    )  # fmt: skip
    log.info("shop %s: order %s earned member %s %s points", shop.domain, record.order_id,
             member.id, points)  # fmt: skip
    return int(member.id)
