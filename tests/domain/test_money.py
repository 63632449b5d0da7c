from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.domain.money import (
    CurrencyMismatch,
    Money,
    from_shop_money,
    minor_units,
    pro_rata,
    quantum,
    to_shop_money,
    total,
)


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


def test_shop_money_divides_by_the_rate_and_rounds_half_even_to_the_shop_unit():
    assert to_shop_money(Decimal("12000"), Decimal("150"), "USD") == Money.of("80.00", "USD")
    # 10.005 USD is exactly half a cent: half-even keeps the even cent.
    assert to_shop_money(Decimal("9.20460"), Decimal("0.92"), "USD").amount == Decimal("10.00")
    assert to_shop_money(Decimal("100"), Decimal("0.92"), "JPY") == Money.of("109", "JPY")
    with pytest.raises(ValueError, match="positive Decimal"):
        to_shop_money(Decimal("1"), Decimal(0), "USD")


def test_converted_rewards_are_cut_down_to_the_currency_minor_unit():
    assert from_shop_money(Money.of("10.00", "USD"), Decimal("0.9237"), "EUR") == Money.of(
        "9.23", "EUR"
    )
    assert from_shop_money(Money.of("10.00", "USD"), Decimal("151.49"), "JPY") == Money.of(
        "1514", "JPY"
    )
    assert from_shop_money(Money.of("10.00", "USD"), Decimal("0.3075"), "KWD") == Money.of(
        "3.075", "KWD"
    )


@given(
    cents=st.integers(min_value=0, max_value=10**9),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("20000"), places=4),
    currency=st.sampled_from(["USD", "EUR", "JPY", "KWD"]),
)
def test_a_conversion_is_exact_to_the_unit_and_never_gives_more(cents, rate, currency):
    shop = Money(Decimal(cents) / 100, "USD")
    shown = from_shop_money(shop, rate, currency)
    # Converted out: cut down to the unit, so never more than the exact amount, by under a unit.
    exact = shop.amount * rate
    assert shown.amount <= exact < shown.amount + quantum(currency)
    assert shown.amount == shown.amount.quantize(quantum(currency))
    # Converted back: within half a cent (rounded half-even) of the exact amount.
    back = to_shop_money(shown.amount, rate, "USD")
    assert abs(back.amount - shown.amount / rate) <= Decimal("0.005")
    assert back.amount <= shop.amount + Decimal("0.005")
