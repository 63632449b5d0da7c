from decimal import Decimal

from connector.domain.money import Money
from connector.domain.program import RewardRule
from connector.domain.program.kinds import Basis, RewardKind
from connector.domain.rewards.amounts import (
    Side,
    amounts,
    idempotency_key,
    is_nothing,
    plan,
    recompute,
)
from tests.domain.factories import SHOP

USD80 = Money.of("80.00", "USD")


def rule(kind, value="0", basis=Basis.FLAT, **extra):
    return RewardRule(kind, Decimal(value), basis, **extra)


def planned(reward_rule, value=USD80, side=Side.ADVOCATE):
    return plan(
        shop=SHOP, order_id="1001", side=side, beneficiary="b", rule=reward_rule, value=value
    )


def test_flat_amounts_by_kind():
    assert amounts(rule(RewardKind.STORE_CREDIT, "10"), USD80) == (
        Money.of("10.00", "USD"),
        None,
        None,
    )
    assert amounts(rule(RewardKind.POINTS, "500"), USD80) == (None, 500, None)
    assert amounts(rule(RewardKind.PERCENTAGE_DISCOUNT, "15"), USD80) == (None, None, Decimal("15"))
    assert amounts(rule(RewardKind.FREE_SHIPPING), USD80) == (None, None, None)


def test_value_based_amounts_follow_the_order_and_respect_the_maximum():
    commission = rule(RewardKind.CASH, "10", Basis.PERCENT_OF_ORDER, maximum=Decimal("5.00"))
    assert amounts(commission, Money.of("33.33", "USD"))[0] == Money.of("3.33", "USD")
    assert amounts(commission, Money.of("900.00", "USD"))[0] == Money.of("5.00", "USD")
    per_unit = rule(RewardKind.POINTS, "2", Basis.PER_UNIT_SPENT)
    assert amounts(per_unit, Money.of("80.99", "USD"))[1] == 161


def test_multipliers_scale_and_percentages_stop_at_100():
    assert amounts(rule(RewardKind.STORE_CREDIT, "10"), USD80, Decimal("1.5"))[0] == Money.of(
        "15.00", "USD"
    )
    assert amounts(rule(RewardKind.POINTS, "3"), USD80, Decimal("1.5"))[1] == 4
    assert amounts(rule(RewardKind.PERCENTAGE_DISCOUNT, "60"), USD80, Decimal("2"))[2] == Decimal(
        "100"
    )


def test_amounts_use_the_currency_minor_unit():
    assert amounts(rule(RewardKind.CASH, "7.5", Basis.PERCENT_OF_ORDER), Money.of("999", "JPY"))[
        0
    ] == Money.of("74", "JPY")


def test_idempotency_key_is_deterministic_and_separates_its_parts():
    key = idempotency_key(SHOP, "1001", Side.ADVOCATE, RewardKind.STORE_CREDIT, "base")
    assert key == idempotency_key(SHOP, "1001", Side.ADVOCATE, RewardKind.STORE_CREDIT, "base")
    assert key.startswith("rw_")
    assert len(key) == 35
    assert key != idempotency_key(SHOP, "1001", Side.FRIEND, RewardKind.STORE_CREDIT, "base")
    assert key != idempotency_key(
        SHOP, "1001", Side.ADVOCATE, RewardKind.STORE_CREDIT, "first_purchase"
    )
    assert idempotency_key("a:b", "c", Side.FRIEND, RewardKind.CASH, "s") != idempotency_key(
        "a", "b:c", Side.FRIEND, RewardKind.CASH, "s"
    )


def test_a_plan_carries_usage_limit_expiry_and_key():
    discount = planned(rule(RewardKind.FIXED_DISCOUNT, "5", expires_days=30))
    assert (discount.usage_limit, discount.expires_days, discount.money) == (
        1,
        30,
        Money.of("5.00", "USD"),
    )
    assert discount.describe() == "5.00 USD fixed amount discount"
    credit = planned(rule(RewardKind.STORE_CREDIT, "5"))
    assert credit.usage_limit is None


def test_recompute_changes_value_based_rewards_only():
    value_based = planned(rule(RewardKind.STORE_CREDIT, "10", Basis.PERCENT_OF_ORDER))
    flat = planned(rule(RewardKind.STORE_CREDIT, "10"))
    half = Money.of("40.00", "USD")
    assert recompute(value_based, half).money == Money.of("4.00", "USD")
    assert recompute(value_based, half).idempotency_key == value_based.idempotency_key
    assert recompute(flat, half) == flat


def test_zero_rewards_are_nothing_but_free_shipping_is_something():
    zero = planned(rule(RewardKind.POINTS, "1", Basis.PER_UNIT_SPENT), value=Money.zero("USD"))
    assert is_nothing(zero)
    shipping = planned(rule(RewardKind.FREE_SHIPPING), side=Side.FRIEND)
    assert not is_nothing(shipping)
    assert shipping.describe() == "free shipping"
