"""A program's amounts per currency: read, checked, and the amount a reward is issued in."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.domain.codec import ProgramError
from connector.domain.money import Money, quantum
from connector.domain.program import RewardRule, parse_program, program_to_dict
from connector.domain.program.kinds import Basis, RewardKind
from connector.domain.program.presets import FIXED
from connector.domain.rewards.amounts import issued_in

CREDIT = RewardRule(RewardKind.STORE_CREDIT, Decimal(10), amounts={"EUR": Decimal(9)})
TEN = Money.of("10.00", "USD")


def with_advocate_reward(**reward: object) -> dict[str, object]:
    data = program_to_dict(FIXED)
    data["advocate_reward"] = {"kind": "store_credit", "value": "10", **reward}
    return data


def test_amounts_per_currency_read_back_as_written_and_are_left_out_when_empty() -> None:
    program = parse_program(with_advocate_reward(amounts={"EUR": "9", "JPY": 1500}))
    assert program.advocate_reward is not None
    assert program.advocate_reward.amounts == {"EUR": Decimal(9), "JPY": Decimal(1500)}
    assert program_to_dict(program)["advocate_reward"]["amounts"] == {"EUR": "9", "JPY": "1500"}
    assert "amounts" not in program_to_dict(FIXED)["advocate_reward"]


def test_bad_codes_negative_amounts_and_extra_places_are_refused_by_path() -> None:
    bad = with_advocate_reward(amounts={"eur": "9", "GBP": "-1", "JPY": "1.5", "KWD": "0"})
    with pytest.raises(ProgramError) as caught:
        parse_program(bad)
    assert caught.value.errors == (
        ("advocate_reward.amounts.eur",
         "must be keyed by a three-letter ISO currency code such as EUR, got 'eur'"),
        ("advocate_reward.amounts.GBP", "must be a positive amount, got '-1'"),
        ("advocate_reward.amounts.JPY", "must have at most 0 decimal places in JPY, got '1.5'"),
        ("advocate_reward.amounts.KWD", "must be a positive amount, got '0'"),
    )  # fmt: skip


def test_amounts_are_refused_where_no_store_takes_them() -> None:
    offer = program_to_dict(FIXED)
    offer["friend_offer"] = {"kind": "fixed_amount_discount", "value": "5", "amounts": {"EUR": "4"}}
    value_based = with_advocate_reward(basis="percent_of_order", amounts={"EUR": "4"})
    not_json_object = with_advocate_reward(amounts=["EUR", "9"])
    found = []
    for data in (offer, value_based, not_json_object):
        with pytest.raises(ProgramError) as caught:
            parse_program(data)
        found.append(caught.value.errors)
    assert found == [
        (("friend_offer.amounts",
          "only applies to flat store credit (discount codes are made in the shop's currency)"),),
        (("advocate_reward.amounts",
          "only applies to flat store credit (discount codes are made in the shop's currency)"),),
        (("advocate_reward.amounts", "must be an object, got ['EUR', '9']"),),
    ]  # fmt: skip


def test_a_reward_is_issued_in_the_listed_amount_else_converted_else_in_shop_money() -> None:
    assert issued_in(TEN, "EUR", Decimal("0.92"), CREDIT) == Money.of("9.00", "EUR")
    # A campaign doubling the reward doubles the listed amount too.
    assert issued_in(Money.of("20.00", "USD"), "EUR", None, CREDIT, Decimal(2)) == Money.of(
        "18.00", "EUR"
    )
    assert issued_in(TEN, "GBP", Decimal("0.7891"), CREDIT) == Money.of("7.89", "GBP")
    assert issued_in(TEN, "JPY", Decimal("151.49"), CREDIT) == Money.of("1514", "JPY")
    assert issued_in(TEN, "USD", Decimal("2"), CREDIT) == TEN
    assert issued_in(TEN, "GBP", None, CREDIT) == TEN
    value_based = RewardRule(RewardKind.STORE_CREDIT, Decimal(10), Basis.PERCENT_OF_ORDER)
    assert issued_in(TEN, "EUR", Decimal("0.92"), value_based) == Money.of("9.20", "EUR")


@given(
    cents=st.integers(min_value=1, max_value=10**8),
    rate=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("5000"), places=3),
    currency=st.sampled_from(["EUR", "JPY", "KWD", "GBP"]),
)
def test_a_converted_reward_is_in_the_currency_unit_and_never_more_than_its_value(
    cents: int, rate: Decimal, currency: str
) -> None:
    value = Money(Decimal(cents) / 100, "USD")
    issued = issued_in(value, currency, rate)
    assert issued.currency == currency
    assert issued.amount == issued.amount.quantize(quantum(currency))
    assert issued.amount <= value.amount * rate < issued.amount + quantum(currency)
