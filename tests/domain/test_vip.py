"""VIP tiers with a grace period, and stamp cards: the pure rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from connector.domain.program import RewardRule, StampCard
from connector.domain.program.kinds import RewardKind, StampPer
from connector.domain.program.presets import LOYALTY
from connector.domain.rewards.loyalty import EntryKind, Ledger, LedgerEntry, expire, last_activity
from connector.domain.rewards.vip import cards_completed, review_tier, stamps_for, stamps_kept

NOW = datetime(2026, 12, 6, tzinfo=UTC)
PROGRAM = LOYALTY.loyalty
assert PROGRAM is not None
D = Decimal


def test_a_tier_is_entered_as_soon_as_its_threshold_is_reached() -> None:
    review = review_tier(PROGRAM, "Bronze", None, D(1000), NOW)
    assert (review.tier.name if review.tier else None, review.changed, review.grace_until) == (
        "Silver", True, None,
    )  # fmt: skip
    assert review_tier(PROGRAM, None, None, D(0), NOW).tier.name == "Bronze"  # type: ignore[union-attr]


def test_falling_below_keeps_the_tier_through_the_grace_period_then_steps_down() -> None:
    fell = review_tier(PROGRAM, "Gold", None, D(1200), NOW)
    assert (fell.tier.name, fell.changed, fell.grace_until) == (
        "Gold",
        False,
        NOW + timedelta(days=30),
    )  # type: ignore[union-attr]
    still = review_tier(PROGRAM, "Gold", fell.grace_until, D(1200), NOW + timedelta(days=29))
    assert (still.tier.name, still.changed) == ("Gold", False)  # type: ignore[union-attr]
    back = review_tier(PROGRAM, "Gold", fell.grace_until, D(5000), NOW + timedelta(days=29))
    assert (back.tier.name, back.changed, back.grace_until) == ("Gold", False, None)  # type: ignore[union-attr]
    lost = review_tier(PROGRAM, "Gold", fell.grace_until, D(1200), NOW + timedelta(days=30))
    assert (lost.tier.name, lost.changed, lost.grace_until) == ("Silver", True, None)  # type: ignore[union-attr]


def test_without_a_grace_period_a_tier_is_lost_at_once() -> None:
    strict = replace(PROGRAM, tier_grace_days=0)
    lost = review_tier(strict, "Silver", None, D(10), NOW)
    assert (lost.tier.name, lost.changed) == ("Bronze", True)  # type: ignore[union-attr]


def test_stamps_per_order_or_per_qualifying_item_and_refunds_keep_them_in_proportion() -> None:
    reward = RewardRule(RewardKind.FIXED_DISCOUNT, D("10"))
    per_order = StampCard("Coffee", 4, reward, min_subtotal=D("5"))
    per_item = StampCard("Beans", 10, reward, per=StampPer.ITEM, product_ids=("42",))
    assert stamps_for(per_order, D("20"), (("1", 3),)) == 1
    assert stamps_for(per_order, D("4.99"), (("1", 3),)) == 0
    assert stamps_for(per_item, D("20"), (("42", 3), ("7", 5))) == 3
    assert stamps_kept(4, D("100"), D("25"), False) == 3
    assert stamps_kept(1, D("100"), D("25"), False) == 1  # a small refund keeps the one stamp
    assert stamps_kept(1, D("100"), D("60"), False) == 0
    assert stamps_kept(3, D("100"), D("0"), True) == 0
    assert cards_completed(9, per_order) == 2


def test_inactivity_expires_every_lot_and_activity_restarts_the_clock() -> None:
    lots = Ledger("m", (
        LedgerEntry("a", EntryKind.EARN, 100, NOW - timedelta(days=200)),
        LedgerEntry("b", EntryKind.EARN, 50, NOW - timedelta(days=100)),
    ))  # fmt: skip
    assert last_activity(lots) == NOW - timedelta(days=100)
    assert expire(lots, NOW, inactive_days=180).balance == 150
    idle = expire(lots, NOW, inactive_days=90)
    assert (idle.balance, [e.entry_id for e in idle.entries[2:]]) == (0, ["a:expired", "b:expired"])
    assert expire(idle, NOW, inactive_days=90) == idle  # nothing left to expire
