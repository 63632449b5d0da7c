"""Loyalty points: an append-only ledger, lots spent oldest first, expiry, VIP tiers, redemption.

Entries are values and are never edited: a reversal is a new entry. The balance is the sum of
the entries, and it always equals what is left in the lots (each positive entry is a lot;
redemptions take from the oldest lots first, expiry and reversals from the lot they name).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from connector.domain.money import Money
from connector.domain.program import Loyalty, VipTier
from connector.domain.program.kinds import EarnBase
from connector.domain.reasons import Reason


class EntryKind(enum.StrEnum):
    """What a ledger entry records."""

    EARN = "earn"
    REDEEM = "redeem"
    EXPIRE = "expire"
    REVERSAL = "reversal"
    # Points an order earned, taken back after its refund or cancellation (oldest lots first).
    REFUND = "refund"


@dataclass(frozen=True)
class LedgerEntry:
    """One signed movement of points; `ref` names the lot (expiry) or entry (reversal) it concerns."""

    entry_id: str
    kind: EntryKind
    points: int
    at: datetime
    expires_at: datetime | None = None
    ref: str | None = None
    memo: str = ""


@dataclass(frozen=True)
class LedgerRefusal:
    """A ledger operation that cannot be done, and why; the ledger is unchanged."""

    reason: Reason
    message: str


@dataclass(frozen=True)
class Ledger:
    """An account's points entries, in the order they were appended."""

    account: str
    entries: tuple[LedgerEntry, ...] = ()

    @property
    def balance(self) -> int:
        """The sum of all entries."""
        return sum(e.points for e in self.entries)

    def find(self, entry_id: str) -> LedgerEntry | None:
        """The entry with `entry_id`, if any."""
        return next((e for e in self.entries if e.entry_id == entry_id), None)

    def lots(self) -> dict[str, int]:
        """Points left in each lot (positive entry), oldest first."""
        left: dict[str, int] = {}
        for entry in self.entries:
            if entry.points > 0:
                left[entry.entry_id] = entry.points
            elif entry.ref is not None and entry.ref in left:
                left[entry.ref] += entry.points
            else:
                _take_oldest(left, -entry.points)
        return left

    def lifetime_earned(self) -> int:
        """Points ever earned, less earnings that were reversed: what VIP tiers count."""
        earned = {e.entry_id for e in self.entries if e.kind is EntryKind.EARN}
        return sum(
            e.points
            for e in self.entries
            if e.kind in (EntryKind.EARN, EntryKind.REFUND)
            or (e.kind is EntryKind.REVERSAL and e.ref in earned)
        )

    def _add(self, entry: LedgerEntry) -> Ledger:
        return replace(self, entries=(*self.entries, entry))


def _take_oldest(left: dict[str, int], points: int) -> None:
    for lot_id, remaining in left.items():
        if points <= 0:
            return
        taken = min(remaining, points)
        left[lot_id] = remaining - taken
        points -= taken


def expiry_for(loyalty: Loyalty, earned_at: datetime) -> datetime | None:
    """When points earned at `earned_at` expire under the program, or None if they never do."""
    days = loyalty.points_expire_days
    return None if days is None else earned_at + timedelta(days=days)


def earn(
    ledger: Ledger, entry_id: str, points: int, at: datetime, expires_at: datetime | None = None
) -> Ledger:
    """Append earned points as a new lot."""
    if points <= 0:
        raise ValueError(f"earned points must be positive, got {points}")
    return ledger._add(LedgerEntry(entry_id, EntryKind.EARN, points, at, expires_at))


def last_activity(ledger: Ledger) -> datetime | None:
    """When the member last earned or redeemed points."""
    active = (EntryKind.EARN, EntryKind.REDEEM)
    return max((e.at for e in ledger.entries if e.kind in active), default=None)


def expire(ledger: Ledger, now: datetime, inactive_days: int | None = None) -> Ledger:
    """Append an expiry entry for every lot past its expiry that still has points; with
    `inactive_days`, for every lot once the member has neither earned nor redeemed for that long."""
    expires = {e.entry_id: e.expires_at for e in ledger.entries if e.points > 0}
    last = last_activity(ledger)
    idle = False
    if inactive_days is not None and last is not None:
        idle = last + timedelta(days=inactive_days) <= now
    for lot_id, remaining in ledger.lots().items():
        when = expires[lot_id]
        if remaining > 0 and (idle or (when is not None and when <= now)):
            entry = LedgerEntry(f"{lot_id}:expired", EntryKind.EXPIRE, -remaining, now, ref=lot_id)
            ledger = ledger._add(entry)
    return ledger


def redeem(ledger: Ledger, entry_id: str, points: int, now: datetime) -> Ledger | LedgerRefusal:
    """Spend points (after expiring what is due), oldest lots first; refuse if too few remain."""
    if points <= 0:
        raise ValueError(f"redeemed points must be positive, got {points}")
    ledger = expire(ledger, now)
    if points > ledger.balance:
        return LedgerRefusal(
            Reason.INSUFFICIENT_POINTS,
            f"Cannot redeem {points} points: the balance is {ledger.balance}.",
        )
    return ledger._add(LedgerEntry(entry_id, EntryKind.REDEEM, -points, now))


def reverse(ledger: Ledger, entry_id: str, at: datetime) -> Ledger | LedgerRefusal:
    """Undo an earn (what is left of its lot) or a redemption (points come back as a new lot)."""
    original = ledger.find(entry_id)
    reversal_id = f"{entry_id}:reversal"
    if original is None or original.kind not in (EntryKind.EARN, EntryKind.REDEEM):
        return LedgerRefusal(Reason.NOTHING_TO_DO, f"No earn or redemption {entry_id} to reverse.")
    if ledger.find(reversal_id) is not None:
        return LedgerRefusal(Reason.NOTHING_TO_DO, f"Entry {entry_id} was already reversed.")
    points = -original.points
    if original.kind is EntryKind.EARN:
        points = -ledger.lots().get(entry_id, 0)
        if points == 0:
            return LedgerRefusal(Reason.NOTHING_TO_DO, f"The points of {entry_id} are all spent.")
    entry = LedgerEntry(reversal_id, EntryKind.REVERSAL, points, at, ref=entry_id)
    return ledger._add(entry)


def redeem_for_discount(
    ledger: Ledger, entry_id: str, points: int, loyalty: Loyalty, currency: str, now: datetime
) -> tuple[Ledger, Money] | LedgerRefusal:
    """Spend points for a discount worth points / rate in the shop currency, cut to the minor unit."""
    result = redeem(ledger, entry_id, points, now)
    if isinstance(result, LedgerRefusal):
        return result
    return result, points_value(loyalty, points, currency)


def points_value(loyalty: Loyalty, points: int, currency: str) -> Money:
    """What `points` are worth at the program's redemption rate, cut to the minor unit."""
    value = Decimal(points) / Decimal(loyalty.points_per_currency_unit_redeemed)
    return Money(value, currency).quantized()


def vip_tier(loyalty: Loyalty, measure: int | Decimal) -> VipTier | None:
    """The highest VIP tier whose threshold `measure` (points, or spend) reaches, if any."""
    reached = [t for t in loyalty.vip_tiers if measure >= t.threshold]
    return max(reached, key=lambda t: t.threshold, default=None)


def points_for_order(loyalty: Loyalty, value: Money, lifetime_points: int = 0) -> int:
    """Points an order of `value` earns: points per unit spent times the VIP multiplier, rounded down."""
    tier = vip_tier(loyalty, lifetime_points)
    return order_points(loyalty, value, value, tier.multiplier if tier is not None else Decimal(1))


def order_points(
    loyalty: Loyalty, subtotal: Money, total: Money, multiplier: Decimal = Decimal(1)
) -> int:
    """Points a member's own paid order earns: on the subtotal after discounts (no shipping or
    tax), or on the total when the program says so, times their VIP tier's multiplier."""
    base = total if loyalty.earn_on is EarnBase.TOTAL else subtotal
    return max(math.floor(base.amount * loyalty.points_per_unit * multiplier), 0)


def points_kept(earned: int, total: Decimal, refunded: Decimal, cancelled: bool) -> int:
    """What an order's `earned` points come to after its refunds, pro rata (rounded down):
    nothing once it is cancelled or refunded in full."""
    if cancelled or total <= 0 or refunded >= total:
        return 0
    if refunded <= 0:
        return earned
    return max(min(math.floor(earned * (total - refunded) / total), earned), 0)


def take_back(owed: int, balance: int) -> int:
    """How many of `owed` points a refund takes back: never more than the member holds (the
    balance never goes below zero; what they spent already stays spent)."""
    return max(min(owed, balance), 0)


def next_expiry(ledger: Ledger) -> tuple[int, datetime] | None:
    """The points left in the lots that expire soonest, and when (None: nothing expires)."""
    when = {e.entry_id: e.expires_at for e in ledger.entries if e.points > 0}
    due: list[tuple[datetime, int]] = []
    for lot, left in ledger.lots().items():
        at = when[lot]
        if left > 0 and at is not None:
            due.append((at, left))
    if not due:
        return None
    soonest = min(at for at, _ in due)
    return sum(left for at, left in due if at == soonest), soonest
