from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from connector.domain.money import Money
from connector.domain.program.presets import LOYALTY
from connector.domain.reasons import Reason
from connector.domain.rewards.loyalty import (
    EntryKind,
    Ledger,
    LedgerRefusal,
    earn,
    expire,
    expiry_for,
    points_for_order,
    redeem,
    redeem_for_discount,
    reverse,
    vip_tier,
)
from tests.domain.factories import NOW

PROGRAM = LOYALTY.loyalty
assert PROGRAM is not None
DAY = timedelta(days=1)


def ledger_with(*lots):
    """A ledger with one earn per (id, points, expires_in_days or None), a day apart."""
    ledger = Ledger("adv_ana")
    for i, (entry_id, points, days) in enumerate(lots):
        at = NOW + i * DAY
        ledger = earn(ledger, entry_id, points, at, None if days is None else at + days * DAY)
    return ledger


def test_redemption_spends_the_oldest_lots_first():
    ledger = redeem(ledger_with(("e1", 100, None), ("e2", 50, None)), "r1", 120, NOW + 5 * DAY)
    assert isinstance(ledger, Ledger)
    assert ledger.balance == 30
    assert ledger.lots() == {"e1": 0, "e2": 30}


def test_expiry_removes_what_is_left_of_expired_lots_as_new_entries():
    ledger = ledger_with(("e1", 100, 10), ("e2", 50, None))
    ledger = redeem(ledger, "r1", 40, NOW + 2 * DAY)
    assert isinstance(ledger, Ledger)
    expired = expire(ledger, NOW + 10 * DAY)
    assert [(e.entry_id, e.kind, e.points) for e in expired.entries[3:]] == [
        ("e1:expired", EntryKind.EXPIRE, -60)
    ]
    assert expired.balance == 50
    assert expire(expired, NOW + 20 * DAY) == expired


def test_redeem_refuses_more_than_the_balance_after_expiry():
    ledger = ledger_with(("e1", 100, 1))
    refusal = redeem(ledger, "r1", 50, NOW + 2 * DAY)
    assert refusal == LedgerRefusal(
        Reason.INSUFFICIENT_POINTS, "Cannot redeem 50 points: the balance is 0."
    )


def test_reversal_is_a_new_entry_and_only_takes_what_is_left():
    ledger = redeem(ledger_with(("e1", 100, None)), "r1", 30, NOW)
    assert isinstance(ledger, Ledger)
    reversed_earn = reverse(ledger, "e1", NOW + DAY)
    assert isinstance(reversed_earn, Ledger)
    assert reversed_earn.entries[-1].points == -70
    assert reversed_earn.balance == 0
    assert reversed_earn.entries[:2] == ledger.entries
    assert reverse(reversed_earn, "e1", NOW).reason is Reason.NOTHING_TO_DO  # type: ignore[union-attr]


def test_reversing_a_redemption_gives_the_points_back():
    ledger = redeem(ledger_with(("e1", 100, None)), "r1", 30, NOW)
    assert isinstance(ledger, Ledger)
    restored = reverse(ledger, "r1", NOW + DAY)
    assert isinstance(restored, Ledger)
    assert restored.balance == 100
    assert restored.lots() == {"e1": 70, "r1:reversal": 30}


def test_lifetime_earned_ignores_spending_but_not_reversed_earnings():
    ledger = redeem(ledger_with(("e1", 800, None), ("e2", 400, None)), "r1", 500, NOW + 3 * DAY)
    assert isinstance(ledger, Ledger)
    assert ledger.lifetime_earned() == 1200
    undone = reverse(ledger, "e2", NOW + 4 * DAY)
    assert isinstance(undone, Ledger)
    assert undone.lifetime_earned() == 800


def test_vip_tiers_and_points_per_unit_spent():
    assert vip_tier(PROGRAM, 999).name == "Bronze"  # type: ignore[union-attr]
    assert vip_tier(PROGRAM, 1000).name == "Silver"  # type: ignore[union-attr]
    assert vip_tier(PROGRAM, 7000).perks == ("free shipping", "10% off every order")  # type: ignore[union-attr]
    assert points_for_order(PROGRAM, Money.of("80.99", "USD")) == 80
    assert points_for_order(PROGRAM, Money.of("80.99", "USD"), lifetime_points=5000) == 121


def test_redemption_into_a_discount_amount():
    ledger = ledger_with(("e1", 1000, None))
    result = redeem_for_discount(ledger, "r1", 250, PROGRAM, "USD", NOW)
    assert isinstance(result, tuple)
    spent, amount = result
    assert (spent.balance, amount) == (750, Money.of("2.50", "USD"))


def test_points_expiry_date_comes_from_the_program():
    assert expiry_for(PROGRAM, NOW) == NOW + 365 * DAY


operations = st.lists(
    st.tuples(
        st.sampled_from(["earn", "redeem", "expire", "reverse"]),
        st.integers(min_value=1, max_value=500),
        st.one_of(st.none(), st.integers(min_value=1, max_value=10)),
    ),
    max_size=40,
)


@given(operations)
def test_balance_always_equals_the_sum_of_entries_and_the_lots(ops):
    ledger = Ledger("adv")
    now = NOW
    for i, (op, points, days) in enumerate(ops):
        now += DAY
        before = ledger.entries
        if op == "earn":
            ledger = earn(ledger, f"e{i}", points, now, None if days is None else now + days * DAY)
        elif op == "redeem":
            result = redeem(ledger, f"r{i}", points, now)
            ledger = result if isinstance(result, Ledger) else ledger
        elif op == "expire":
            ledger = expire(ledger, now)
        else:
            targets = [
                e.entry_id for e in ledger.entries if e.kind in (EntryKind.EARN, EntryKind.REDEEM)
            ]
            if targets:
                result = reverse(ledger, targets[points % len(targets)], now)
                ledger = result if isinstance(result, Ledger) else ledger
        assert ledger.entries[: len(before)] == before  # append-only
        assert ledger.balance == sum(e.points for e in ledger.entries)
        assert ledger.balance == sum(ledger.lots().values())
        assert ledger.balance >= 0
        assert all(left >= 0 for left in ledger.lots().values())
    assert points_for_order(PROGRAM, Money(Decimal(ledger.balance), "USD")) == ledger.balance
