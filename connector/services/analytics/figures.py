"""What one customer or one referral contributes to a shop's rollups: plain values in, rows out.

A contribution is a mapping from a rollup key (day, program version, metric, dimension) to a
count and an amount. Stored with its source, it is restated whole when the source changes: the
difference of the new and the old contribution is what gets written, so a duplicate or a replay
writes nothing and an out-of-order update lands where a from-scratch count would put it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connector.domain.program.kinds import MONEY_KINDS

Key = tuple[date, int, str, str]  # day, program version (0: none), metric, dimension
Contribution = dict[Key, tuple[int, Decimal]]

ZERO = Decimal(0)
HORIZONS = (30, 90, 365)
REFERRED, OTHER = "referred", "other"
# Reward kinds whose value is money the merchant gives away (kinds.MONEY_KINDS: a gift card at
# its face value, a free product at its price); a percentage discount's cost is only known once
# an order uses it, and points are not money.

# Rewards that never cost anything: stopped before they reached the store, or on their way back.
TAKEN_BACK = frozenset({"deactivated", "deactivate_pending"})


class Metric:
    """Every figure's name, once: the rollups, the recomputation and the KPIs use these."""

    VIEWS = "widget_views"
    JOINS = "joins"
    SHARES = "shares"  # dimension: the channel
    CLICKS = "link_clicks"
    CLAIMS = "claims"
    REFERRALS = "referrals"  # dimension: the attribution channel
    FIRST_ORDERS = "first_orders"
    CREDITED = "credited"
    REVERSED = "reversed"
    STATE = "state."  # + the referral's state now
    FLAGGED = "fraud.flag"  # dimension: the check
    BLOCKED = "fraud.block"
    REWARDS = "rewards"  # dimension: the reward kind; amount: its money value
    CLAWBACK = "rewards_owed_back"
    ORDERS = "orders"  # dimension: referred|other (the customer's group); amount: net revenue
    REFUNDED = "refunded"  # dimension: the group; amount: refunded
    REFERRED_ORDERS = "referred_orders"  # orders a referral brought; amount: net revenue
    CUSTOMERS = "customers"  # by the day of their first order; dimension: the group
    REPEAT = "repeat_customers"

    @staticmethod
    def within(days: int) -> str:
        """Orders (amount: revenue) of customers within `days` days of their first order."""
        return f"orders_{days}d"


def add(into: Contribution, key: Key, n: int = 1, amount: Decimal = ZERO) -> None:
    """Add to one key of a contribution."""
    old_n, old_amount = into.get(key, (0, ZERO))
    into[key] = (old_n + n, old_amount + amount)


@dataclass(frozen=True)
class OrderFact:
    """What the figures need of one order: no name, no email, no address."""

    order_id: str
    day: date
    net: Decimal  # total less refunds
    refunded: Decimal
    counted: bool  # paid, not cancelled, not a test
    version: int  # the program version of its referral; 0 when none brought it

    @property
    def referred(self) -> bool:
        """Whether a referral brought this order."""
        return self.version > 0

    def to_json(self) -> list[Any]:
        """As kept in the customer's source row."""
        return [self.day.isoformat(), str(self.net), str(self.refunded), self.counted, self.version]

    @classmethod
    def from_json(cls, order_id: str, raw: list[Any]) -> OrderFact:
        """Back from the source row."""
        day, net, refunded, counted, version = raw
        return cls(order_id, date.fromisoformat(day), Decimal(net), Decimal(refunded),
                   bool(counted), int(version))  # fmt: skip


def customer_rows(orders: Iterable[OrderFact]) -> Contribution:
    """One customer's orders, revenue, repeat purchase and 30/90/365-day value by group.

    A customer is `referred` when a referral brought any of their counted orders, and their
    figures then belong to the program version of the first such order. The cohort figures
    (customers, repeat customers, orders within N days) sit on the day of the first order.
    """
    counted = sorted((o for o in orders if o.counted), key=lambda o: (o.day, o.order_id))
    out: Contribution = {}
    if not counted:
        return out
    version = next((o.version for o in counted if o.referred), 0)
    group = REFERRED if version else OTHER
    first = counted[0].day
    add(out, (first, version, Metric.CUSTOMERS, group))
    if len(counted) > 1:
        add(out, (first, version, Metric.REPEAT, group))
    for horizon in HORIZONS:
        inside = [o for o in counted if (o.day - first).days < horizon]
        add(out, (first, version, Metric.within(horizon), group), len(inside),
            sum((o.net for o in inside), ZERO))  # fmt: skip
    for o in counted:
        add(out, (o.day, version, Metric.ORDERS, group), 1, o.net)
        if o.refunded:
            add(out, (o.day, version, Metric.REFUNDED, group), 0, o.refunded)
        if o.referred:
            add(out, (o.day, o.version, Metric.REFERRED_ORDERS, ""), 1, o.net)
    return out


@dataclass(frozen=True)
class RewardFact:
    """What the figures need of one reward of a referral."""

    day: date
    kind: str
    amount: Decimal | None
    currency: str | None
    status: str
    owed: bool = False  # a record of money owed back after a partial refund, not a reward given


@dataclass(frozen=True)
class ReferralFact:
    """What the figures need of one referral: its day, channel, checks, state and rewards."""

    day: date
    version: int
    channel: str
    has_order: bool
    state: str
    findings: tuple[tuple[str, str], ...]  # (check, verdict)
    credited_on: date | None  # the day it first reached `approved`
    reversed_on: date | None
    rewards: tuple[RewardFact, ...]


def referral_rows(fact: ReferralFact) -> Contribution:
    """One referral's place in the funnel, its checks' verdicts, and what its rewards cost."""
    out: Contribution = {}
    v = fact.version
    add(out, (fact.day, v, Metric.REFERRALS, fact.channel))
    add(out, (fact.day, v, Metric.STATE + fact.state, ""))
    if fact.has_order:
        add(out, (fact.day, v, Metric.FIRST_ORDERS, ""))
    if fact.credited_on is not None:
        add(out, (fact.credited_on, v, Metric.CREDITED, ""))
    if fact.reversed_on is not None:
        add(out, (fact.reversed_on, v, Metric.REVERSED, ""))
    for check, verdict in sorted(set(fact.findings)):
        if verdict in ("flag", "block"):
            add(out, (fact.day, v, f"fraud.{verdict}", check))
    for reward in fact.rewards:
        cost = reward.amount if reward.currency and reward.kind in MONEY_KINDS else None
        if reward.status == "clawback":
            # Owed back: a refund took it back after it reached the store or was paid out.
            add(out, (reward.day, v, Metric.CLAWBACK, reward.kind), 1, cost or ZERO)
        if not reward.owed and reward.status not in TAKEN_BACK:
            add(out, (reward.day, v, Metric.REWARDS, reward.kind), 1, cost or ZERO)
    return out


def rows_json(rows: Contribution) -> list[list[Any]]:
    """A contribution as kept in a source row (sorted, so equal contributions compare equal)."""
    return [
        [day.isoformat(), version, metric, dim, n, str(amount)]
        for (day, version, metric, dim), (n, amount) in sorted(rows.items())
        if n or amount
    ]


def rows_from_json(raw: Iterable[list[Any]]) -> Contribution:
    """A contribution back from a source row."""
    return {
        (date.fromisoformat(day), int(version), str(metric), str(dim)): (int(n), Decimal(amount))
        for day, version, metric, dim, n, amount in raw
    }


def difference(new: Mapping[Key, tuple[int, Decimal]],
               old: Mapping[Key, tuple[int, Decimal]]) -> Contribution:  # fmt: skip
    """What to add so that rows summing to `old` sum to `new` (zero changes left out)."""
    out: Contribution = {}
    for key in sorted(set(new) | set(old)):
        n1, a1 = new.get(key, (0, ZERO))
        n0, a0 = old.get(key, (0, ZERO))
        if n1 != n0 or a1 != a0:
            out[key] = (n1 - n0, a1 - a0)
    return out


def day_of(moment: datetime | None, fallback: datetime) -> date:
    """The UTC day of a moment (its fallback when the store did not say)."""
    return (moment or fallback).astimezone(UTC).date()
