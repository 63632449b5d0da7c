"""Reward amounts: a rule, the order's qualifying value and a multiplier give a `RewardPlan`.

All money is an exact Decimal in the shop currency, cut down to the minor unit; points are
whole numbers, rounded down. Value-based rewards (a percentage of the order, or per currency unit
spent) are recomputed from their rule when a partial refund lowers the order's value.
"""

from __future__ import annotations

import enum
import hashlib
import math
from dataclasses import dataclass, replace
from decimal import Decimal

from connector.domain.money import Money, from_shop_money, is_rate
from connector.domain.program import RewardRule
from connector.domain.program.kinds import CODE_KINDS, Basis, RewardKind

HUNDRED = Decimal(100)


class Side(enum.StrEnum):
    """Who receives a reward."""

    ADVOCATE = "advocate"
    FRIEND = "friend"


def idempotency_key(shop: str, order_id: str, side: Side, kind: RewardKind, stage: str) -> str:
    """A stable key for one reward of one order: the same inputs always give the same key."""
    # A separator that cannot appear in the parts keeps ("a:b", "c") and ("a", "b:c") apart.
    joined = "\x1f".join((shop, order_id, str(side), str(kind), stage))
    return "rw_" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class RewardPlan:
    """A reward to issue after the hold: for whom, what, how much, and its idempotency key."""

    side: Side
    beneficiary: str
    kind: RewardKind
    stage: str
    idempotency_key: str
    rule: RewardRule
    basis_value: Money
    multiplier: Decimal = Decimal(1)
    money: Money | None = None
    points: int | None = None
    percent: Decimal | None = None
    expires_days: int | None = None
    usage_limit: int | None = None
    cause_id: str | None = None
    note: str = ""
    # A reward from the program's menu: the choice it gives (the default until the advocate
    # picks), and the days the advocate has to pick before the default is issued.
    choice_id: str | None = None
    menu_days: int | None = None

    @property
    def value_based(self) -> bool:
        """True when the amount follows the order's value."""
        return self.rule.value_based

    def describe(self) -> str:
        """The reward in a few words: '10.00 USD store credit', '15% off', '250 points'."""
        if self.kind is RewardKind.FREE_PRODUCT:
            return f"free {self.rule.product_name or f'product {self.rule.product_id}'}"
        label = str(self.kind).replace("_", " ")
        if self.money is not None:
            return f"{self.money} {label}"
        if self.points is not None:
            return f"{self.points} points"
        if self.percent is not None:
            return f"{self.percent.normalize():f}% discount"
        return label


def _scaled(rule: RewardRule, value: Money, multiplier: Decimal) -> Decimal:
    """The rule's raw quantity before the kind decides its unit."""
    if rule.basis is Basis.PERCENT_OF_ORDER:
        raw = value.amount * rule.value / HUNDRED
    elif rule.basis is Basis.PER_UNIT_SPENT:
        raw = value.amount * rule.value
    else:
        raw = rule.value
    raw *= multiplier
    if rule.maximum is not None:
        raw = min(raw, rule.maximum)
    return raw


def amounts(
    rule: RewardRule, value: Money, multiplier: Decimal = Decimal(1)
) -> tuple[Money | None, int | None, Decimal | None]:
    """(money, points, percent) a rule gives on an order of `value`, scaled by `multiplier`."""
    if rule.kind is RewardKind.FREE_SHIPPING:
        return None, None, None
    raw = _scaled(rule, value, multiplier)
    if rule.kind is RewardKind.POINTS:
        return None, max(math.floor(raw), 0), None
    if rule.kind is RewardKind.PERCENTAGE_DISCOUNT:
        return None, None, min(raw, HUNDRED)
    return Money(max(raw, Decimal(0)), value.currency).quantized(), None, None


def plan(
    *,
    shop: str,
    order_id: str,
    side: Side,
    beneficiary: str,
    rule: RewardRule,
    value: Money,
    stage: str = "base",
    multiplier: Decimal = Decimal(1),
    cause_id: str | None = None,
    note: str = "",
) -> RewardPlan:
    """A reward plan for one rule on one order."""
    money, points, percent = amounts(rule, value, multiplier)
    return RewardPlan(
        side=side,
        beneficiary=beneficiary,
        kind=rule.kind,
        stage=stage,
        idempotency_key=idempotency_key(shop, order_id, side, rule.kind, stage),
        rule=rule,
        basis_value=value,
        multiplier=multiplier,
        money=money,
        points=points,
        percent=percent,
        expires_days=rule.expires_days,
        usage_limit=1 if rule.kind in CODE_KINDS else None,
        cause_id=cause_id,
        note=note,
    )


def chosen(reward: RewardPlan, choice_id: str, rule: RewardRule, cause_id: str | None = None) -> RewardPlan:
    """The menu reward `reward` as the choice `choice_id` (its `rule`) gives it: the amounts
    follow the same order value and multiplier; the idempotency key stays the reward's own."""
    money, points, percent = amounts(rule, reward.basis_value, reward.multiplier)
    return replace(
        reward, kind=rule.kind, rule=rule, money=money, points=points, percent=percent,
        expires_days=rule.expires_days, usage_limit=1 if rule.kind in CODE_KINDS else None,
        cause_id=cause_id, choice_id=choice_id,
    )  # fmt: skip


def recompute(reward: RewardPlan, value: Money) -> RewardPlan:
    """The reward on a lowered order value: value-based amounts follow it, flat ones stay."""
    if not reward.value_based:
        return reward
    money, points, percent = amounts(reward.rule, value, reward.multiplier)
    return replace(reward, basis_value=value, money=money, points=points, percent=percent)


def is_nothing(reward: RewardPlan) -> bool:
    """True when the reward has come to zero (money, points or percent)."""
    if reward.kind is RewardKind.FREE_SHIPPING:
        return False
    return not any((reward.money and reward.money.amount, reward.points, reward.percent))


def issued_in(
    value: Money,
    currency: str,
    rate: Decimal | None,
    rule: RewardRule | None = None,
    multiplier: Decimal = Decimal(1),
) -> Money:
    """A money reward worth `value` (shop money) as issued in `currency`: the rule's own amount
    for that currency (times the campaign multiplier), else `value` converted at `rate` (the
    currency's units per shop unit) and cut down to its minor unit, else `value` itself in the
    shop's currency when no rate is known."""
    if currency == value.currency:
        return value
    listed = rule.amounts.get(currency) if rule is not None and not rule.value_based else None
    if listed is not None:
        return Money(listed * multiplier, currency).quantized()
    if rate is not None and is_rate(rate):
        return from_shop_money(value, rate, currency)
    return value
