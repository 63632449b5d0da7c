"""Loyalty points over the ledger table: balance, expiry, redemption for a discount, VIP tier.

The table is append-only and every entry has an idempotency key unique per shop, so a job or a
request that runs twice cannot add anything twice. The rules (lots spent oldest first, what
expires, what a redemption is worth) are the domain's (connector.domain.rewards.loyalty).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from connector.domain.money import Money
from connector.domain.program import VipTier
from connector.domain.program.kinds import MONEY_KINDS, RewardKind
from connector.domain.reasons import Reason
from connector.domain.rewards import loyalty as rules
from connector.services.base import deferred
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import live_program, program_version
from connector.services.referrals.records import ADVOCATE, product_columns
from connector.store.models import (
    Advocate,
    LedgerEntry,
    Reward,
    RewardStatus,
    Shop,
    ShopStatus,
)

log = logging.getLogger("connector.loyalty")

# Lots that expired longer ago than this are not looked at again (they were expired, spent or
# reversed by then, unless the job was down for that long).
EXPIRY_LOOKBACK = timedelta(days=90)


def _entry(row: LedgerEntry) -> rules.LedgerEntry:
    try:
        kind = rules.EntryKind(row.kind)
    except ValueError:
        # A manual adjustment reads as a lot when it adds points and as a spend when it takes.
        kind = rules.EntryKind.EARN if row.points > 0 else rules.EntryKind.REDEEM
    return rules.LedgerEntry(
        row.idempotency_key, kind, int(row.points), row.created_at, row.expires_at,
        ref=row.reference or None,
    )  # fmt: skip


async def advocate_ledger(
    shop_id: int, advocate_id: int, using_db: BaseDBAsyncClient | None = None
) -> rules.Ledger:
    """The advocate's entries as the domain's ledger, in the order they were appended."""
    query = LedgerEntry.filter(shop_id=shop_id, advocate_id=advocate_id).order_by("id")
    rows = await (query.using_db(using_db) if using_db is not None else query)
    return rules.Ledger(str(advocate_id), tuple(_entry(row) for row in rows))


async def balance(shop_id: int, advocate_id: int, using_db: BaseDBAsyncClient | None = None) -> int:
    """The advocate's points: the sum of their ledger entries (as `using_db` sees them)."""
    rows = await (
        LedgerEntry.filter(shop_id=shop_id, advocate_id=advocate_id)
        .using_db(using_db)
        .annotate(total=Sum("points"))
        .values("total")
    )
    return int(rows[0]["total"] or 0) if rows else 0


async def points_expiry(
    runtime: Runtime, shop: Shop, version: int | None, earned_at: datetime
) -> datetime | None:
    """When points earned now expire under the shop's program (that version, else the live one)."""
    if version is not None:
        program = await program_version(shop.id, version)
    else:
        program = (await live_program(runtime, shop)).program
    if program.loyalty is None:
        return None
    return rules.expiry_for(program.loyalty, earned_at)


async def _append_new(
    tx: BaseDBAsyncClient, shop_id: int, advocate_id: int, entries: tuple[rules.LedgerEntry, ...]
) -> int:
    """Insert domain entries whose keys are not in the table yet; return how many were."""
    added = 0
    for entry in entries:
        added += await append_entry(
            tx, shop_id, advocate_id, kind=entry.kind.value, points=entry.points,
            reference=entry.ref or "", idempotency_key=entry.entry_id,
            expires_at=entry.expires_at, created_at=entry.at,
        )  # fmt: skip
    return added


async def append_entry(
    tx: BaseDBAsyncClient, shop_id: int, advocate_id: int, **values: Any
) -> bool:
    """Append one entry unless its idempotency key is there; True when it was appended.

    An earned entry also adds to the advocate's `points_earned` in the same transaction (a
    refund's entry takes from it), so VIP tiers read one counter instead of summing the ledger.
    """
    key = values["idempotency_key"]
    if await LedgerEntry.filter(shop_id=shop_id, idempotency_key=key).using_db(tx).exists():
        return False
    await LedgerEntry.create(shop_id=shop_id, advocate_id=advocate_id, using_db=tx, **values)
    counts = values["kind"] == rules.EntryKind.EARN.value and values["points"] > 0
    # A refund takes back earned points: they no longer count towards a VIP tier.
    counts = counts or values["kind"] == rules.EntryKind.REFUND.value
    if counts:
        await (
            Advocate.filter(id=advocate_id)
            .using_db(tx)
            .update(points_earned=F("points_earned") + values["points"])
        )
        # A worker's batch that loaded this advocate at its start reads the row again.
        deferred.touch(tx, ADVOCATE, advocate_id)
    return True


async def expire_points(runtime: Runtime) -> int:
    """Append an expiry entry for each lot past its expiry with points left; return how many."""
    now = runtime.now()
    pairs = await (
        LedgerEntry.filter(
            expires_at__lte=now,
            expires_at__gt=now - EXPIRY_LOOKBACK,
            points__gt=0,
            shop__status=ShopStatus.ACTIVE,
        )
        .distinct()
        .values_list("shop_id", "advocate_id")
    )
    added = 0
    for shop_id, advocate_id in sorted(set(pairs)):
        async with in_transaction() as tx:
            await Advocate.filter(id=advocate_id).using_db(tx).select_for_update().first()
            ledger = await advocate_ledger(shop_id, advocate_id, tx)
            expired = rules.expire(ledger, now)
            added += await _append_new(
                tx, shop_id, advocate_id, expired.entries[len(ledger.entries) :]
            )
    return added


async def expire_inactive_points(runtime: Runtime) -> int:
    """Expire every point of members idle for longer than their shop's program allows (its
    `expire_after_inactive_days`); return how many entries were appended."""
    now = runtime.now()
    added = 0
    for shop in await Shop.filter(status=ShopStatus.ACTIVE):
        loyalty = (await live_program(runtime, shop)).program.loyalty
        days = loyalty.expire_after_inactive_days if loyalty is not None else None
        if days is None:
            continue
        idle_since = now - timedelta(days=days)
        members = await (
            LedgerEntry.filter(shop_id=shop.id, points__gt=0, created_at__lte=idle_since)
            .distinct()
            .values_list("advocate_id")
        )
        for member_id in sorted({int(row[0]) for row in members}):
            async with in_transaction() as tx:
                await Advocate.filter(id=member_id).using_db(tx).select_for_update().first()
                ledger = await advocate_ledger(shop.id, member_id, tx)
                expired = rules.expire(ledger, now, days)
                added += await _append_new(
                    tx, shop.id, member_id, expired.entries[len(ledger.entries) :]
                )
    return added


REDEEM_PREFIX = "redeem:"
# A failed redemption's reason once its points went back to the member (they may redeem again).
POINTS_RETURNED = "points_returned"


def redemption_key(member_id: int, request_key: str) -> str:
    """The idempotency key of one redemption request: its ledger entry's and its reward's."""
    return f"{REDEEM_PREFIX}{member_id}:{request_key}"


def is_redemption(reward: Reward) -> bool:
    """True for a reward a member bought with points."""
    return reward.idempotency_key.startswith(REDEEM_PREFIX)


@dataclass(frozen=True)
class Redemption:
    """Points turned into a reward (a code or store credit) that the outbox will issue."""

    reward_id: int
    points: int
    kind: RewardKind
    value: Money | None  # an amount off or of credit; None for a percentage or free shipping
    percent: Decimal | None = None
    item_id: str | None = None


def _redemption(row: Reward, points: int, item_id: str | None) -> Redemption:
    kind = RewardKind(row.kind)
    amount = row.amount or Decimal(0)
    if kind is RewardKind.PERCENTAGE_DISCOUNT:
        return Redemption(row.id, points, kind, None, amount.normalize(), item_id)
    if kind is RewardKind.FREE_SHIPPING:
        return Redemption(row.id, points, kind, None, None, item_id)
    return Redemption(row.id, points, kind, Money(amount, str(row.currency)).quantized(), None, item_id)


async def redeem_item(
    runtime: Runtime, shop: Shop, member_id: int, item_id: str, request_key: str
) -> Redemption | rules.LedgerRefusal:
    """Buy a catalogue item with points: the same `request_key` redeems once.

    LookupError when the program's catalogue has no such item (or the shop no such member).
    """
    program = (await live_program(runtime, shop)).program
    if program.loyalty is None:
        return rules.LedgerRefusal(Reason.NOTHING_TO_DO, "The shop's program has no points.")
    item = program.loyalty.item(item_id)
    if item is None:
        raise LookupError(f"the rewards catalogue has no item {item_id!r}")
    reward = item.reward
    values: dict[str, Any] = {
        "kind": reward.kind.value, "amount": reward.value or None, **product_columns(reward),
    }  # fmt: skip
    if reward.kind in MONEY_KINDS:
        values["currency"] = program.currency
    if reward.kind is RewardKind.FREE_SHIPPING:
        values["amount"] = None
    days = reward.expires_days
    now = runtime.now()
    values["expires_at"] = now + timedelta(days=days) if days else None
    return await _redeem(runtime, shop, member_id, item.points, request_key, values, item_id)


async def redeem_points(
    runtime: Runtime, shop: Shop, advocate_id: int, points: int, request_key: str
) -> Redemption | rules.LedgerRefusal:
    """Spend any number of points for a fixed-amount discount at the program's redemption rate."""
    program = (await live_program(runtime, shop)).program
    if program.loyalty is None:
        return rules.LedgerRefusal(Reason.NOTHING_TO_DO, "The shop's program has no points.")
    if points <= 0:
        raise ValueError(f"redeemed points must be positive, got {points}")
    value = rules.points_value(program.loyalty, points, program.currency)
    values = {
        "kind": RewardKind.FIXED_DISCOUNT.value, "amount": value.amount,
        "currency": value.currency, "expires_at": None,
    }  # fmt: skip
    return await _redeem(runtime, shop, advocate_id, points, request_key, values, None)


async def _redeem(
    runtime: Runtime,
    shop: Shop,
    member_id: int,
    points: int,
    request_key: str,
    reward: dict[str, Any],
    item_id: str | None,
) -> Redemption | rules.LedgerRefusal:
    """Spend `points` and record the pending reward in one transaction (the outbox issues it)."""
    key = redemption_key(member_id, request_key)
    now = runtime.now()
    async with in_transaction() as tx:
        existing = await Reward.filter(shop_id=shop.id, idempotency_key=key).using_db(tx).first()
        if existing is not None:
            return _redemption(existing, points, item_id)
        # Locking the member serialises their redemptions: two cannot spend the same points.
        member = await (
            Advocate.filter(id=member_id, shop_id=shop.id).using_db(tx).select_for_update().first()
        )
        if member is None:
            raise LookupError(f"no member {member_id} in {shop.domain}")
        ledger = await advocate_ledger(shop.id, member_id, tx)
        spent = rules.redeem(ledger, key, points, now)
        if isinstance(spent, rules.LedgerRefusal):
            return spent
        await _append_new(tx, shop.id, member_id, spent.entries[len(ledger.entries) :])
        row = await Reward.create(
            shop_id=shop.id, advocate_id=member_id, idempotency_key=key, side="advocate",
            recipient_customer_id=member.customer_id, recipient_email=member.email,
            status=RewardStatus.PENDING.value, reason="redemption", next_attempt_at=now,
            created_at=now, updated_at=now, using_db=tx, **reward,
        )  # fmt: skip
    log.info("shop %s: member %s redeemed %s points (%s)", shop.domain, member_id, points, key)
    return _redemption(row, points, item_id)


async def return_points(
    tx: BaseDBAsyncClient, reward: Reward, now: datetime, expires_at: datetime | None
) -> dict[str, Any] | None:
    """The ledger entry giving a failed redemption's points back as a new lot (expiring at
    `expires_at`), or None if there is nothing to give (not a redemption, or given already)."""
    member_id = fk(reward, "advocate")
    if not is_redemption(reward) or member_id is None:
        return None
    ledger = await advocate_ledger(fk(reward, "shop"), member_id, tx)
    back = rules.reverse(ledger, reward.idempotency_key, now)
    if isinstance(back, rules.LedgerRefusal):
        return None
    entry = back.entries[-1]
    return {
        "kind": entry.kind.value, "points": entry.points, "idempotency_key": entry.entry_id,
        "reference": reward.idempotency_key, "expires_at": expires_at,
    }  # fmt: skip


async def vip_tier(runtime: Runtime, shop: Shop, advocate_id: int) -> VipTier | None:
    """The member's VIP tier: the one they hold (rewards.vip keeps it), else the one their
    lifetime points earned (less reversed earnings) reach."""
    program = (await live_program(runtime, shop)).program
    if program.loyalty is None:
        return None
    member = await Advocate.get_or_none(id=advocate_id, shop_id=shop.id)
    held = member.vip_tier if member is not None else None
    found = next((t for t in program.loyalty.vip_tiers if t.name == held), None)
    if found is not None:
        return found
    ledger = await advocate_ledger(shop.id, advocate_id)
    return rules.vip_tier(program.loyalty, ledger.lifetime_earned())
