from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.domain.money import CurrencyMismatch, Money, minor_units, pro_rata, quantum, total


def test_minor_units_follow_the_currency_table():
    assert (minor_units("USD"), minor_units("JPY"), minor_units("KWD")) == (2, 0, 3)
    assert quantum("KRW") == Decimal("1")
    assert quantum("BHD") == Decimal("0.001")


def test_of_quantizes_down_to_the_minor_unit():
    assert Money.of("10.129", "USD") == Money(Decimal("10.12"), "USD")
    assert Money.of("999.9", "JPY") == Money(Decimal("999"), "JPY")
    assert Money.of("1.2345", "KWD").amount == Decimal("1.234")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        Money.of(0.1, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(0.1, "USD")  # type: ignore[arg-type]


def test_currency_must_be_an_iso_code():
    with pytest.raises(ValueError, match="not an ISO-4217"):
        Money(Decimal(1), "usd")


def test_arithmetic_is_exact_and_refuses_mixed_currencies():
    assert Money.of("0.10", "USD") + Money.of("0.20", "USD") == Money(Decimal("0.30"), "USD")
    assert Money.of("5", "USD") - Money.of("7", "USD") == Money(Decimal("-2.00"), "USD")
    assert Money.of("10.00", "USD").times(Decimal("1.5")) == Money(Decimal("15.00"), "USD")
    with pytest.raises(CurrencyMismatch):
        Money.of("1", "USD") + Money.of("1", "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "USD") < Money.of("1", "EUR")


def test_total_sums_in_one_currency():
    assert total([Money.of("1.10", "EUR"), Money.of("2.20", "EUR")], "EUR") == Money.of(
        "3.30", "EUR"
    )
    assert str(total([], "JPY")) == "0 JPY"


def test_pro_rata_cuts_down_to_the_minor_unit():
    ten = Money.of("10.00", "USD")
    assert pro_rata(ten, Money.of("1", "USD"), Money.of("3", "USD")) == Money.of("3.33", "USD")
    assert pro_rata(
        Money.of("1000", "JPY"), Money.of("2", "JPY"), Money.of("3", "JPY")
    ) == Money.of("666", "JPY")


def test_pro_rata_refuses_mixed_currencies_and_bad_parts():
    ten = Money.of("10.00", "USD")
    with pytest.raises(CurrencyMismatch):
        pro_rata(ten, Money.of("1", "EUR"), Money.of("3", "EUR"))
    with pytest.raises(ValueError, match="positive whole"):
        pro_rata(ten, Money.of("0", "USD"), Money.of("0", "USD"))
    with pytest.raises(ValueError, match="0 <= part <= whole"):
        pro_rata(ten, Money.of("4", "USD"), Money.of("3", "USD"))


currencies = st.sampled_from(["USD", "JPY", "KWD", "EUR"])


@given(
    currency=currencies,
    cents=st.integers(min_value=0, max_value=10**9),
    parts=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8),
)
def test_pro_rata_shares_never_exceed_the_original_and_are_exact(currency, cents, parts):
    amount = Money(Decimal(cents) * quantum(currency), currency)
    if sum(parts) == 0:
        parts = [*parts, 1]
    whole = Money(Decimal(sum(parts)), currency)
    shares = [pro_rata(amount, Money(Decimal(p), currency), whole) for p in parts]
    assert total(shares, currency) <= amount
    assert all(s.amount == s.amount.quantize(quantum(currency)) for s in shares)
    assert all(s.amount >= 0 for s in shares)
    # Cutting down loses less than one minor unit per share.
    assert amount.amount - total(shares, currency).amount < quantum(currency) * len(shares)
