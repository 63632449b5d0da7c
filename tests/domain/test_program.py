from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connector.domain.codec import ProgramError
from connector.domain.program import (
    Basis,
    CheckAction,
    CombinesWith,
    Program,
    RewardKind,
    RewardRule,
    parse_program,
    program_to_dict,
)
from connector.domain.program.presets import PRESETS


def minimal(**extra):
    return {
        "version": 1,
        "currency": "USD",
        "advocate_reward": {"kind": "store_credit", "value": "10"},
        **extra,
    }


def errors_of(data):
    with pytest.raises(ProgramError) as caught:
        parse_program(data)
    return list(caught.value.errors)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_round_trips_through_its_json_form(name):
    program = PRESETS[name]
    data = program_to_dict(program)
    assert parse_program(data) == program
    assert program_to_dict(parse_program(data)) == data


def test_json_form_has_decimals_and_times_as_strings():
    data = program_to_dict(PRESETS["seasonal"])
    assert data["advocate_reward"]["value"] == "10.00"
    assert data["campaigns"][0]["multiplier"] == "2"
    assert data["campaigns"][0]["starts_at"] == "2026-11-27T00:00:00+00:00"


def test_minimal_program_takes_the_defaults():
    program = parse_program(minimal())
    assert program == Program(
        version=1,
        currency="USD",
        advocate_reward=RewardRule(RewardKind.STORE_CREDIT, Decimal("10")),
    )
    assert (program.hold_days, program.attribution_window_days) == (14, 30)
    assert program.fraud.self_referral is CheckAction.BLOCK
    # What every code was created with before programs said: shipping discounts only.
    assert program.combines_with == CombinesWith(order=False, product=False, shipping=True)


def test_combines_with_round_trips_and_takes_booleans_only():
    program = parse_program(minimal(combines_with={"order": True, "shipping": False}))

    assert program.combines_with == CombinesWith(order=True, product=False, shipping=False)
    data = program_to_dict(program)
    assert data["combines_with"] == {"order": True, "product": False, "shipping": False}
    assert parse_program(data) == program
    assert errors_of(minimal(combines_with={"order": "yes", "orders": True})) == [
        ("combines_with.orders", "is not a known field"),
        ("combines_with.order", "must be true or false, got 'yes'"),
    ]


def test_negative_reward_value_names_the_field_and_the_value():
    data = minimal(advocate_reward={"kind": "store_credit", "value": "-5"})
    assert errors_of(data) == [("advocate_reward.value", "must be a positive decimal, got '-5'")]


def test_every_bad_field_is_reported_with_its_path():
    data = minimal(
        version=0,
        hold_days="14",
        colour="red",
        caps={"lifetime": 1.5},
        min_subtotal=0.5,
        friend_code_mode="both",
        campaigns=[{"campaign_id": "x", "name": "X", "starts_at": "2026-01-01"}],
    )
    assert errors_of(data) == [
        ("colour", "is not a known field"),
        ("version", "must be a positive integer, got 0"),
        ("hold_days", "must be an integer, got '14'"),
        ("friend_code_mode", "must be one of 'shared', 'unique', got 'both'"),
        ("min_subtotal", "must be a decimal written as a string (floats are inexact), got 0.5"),
        ("caps.lifetime", "must be an integer, got 1.5"),
        ("campaigns[0].starts_at", "must be an ISO-8601 time with a UTC offset, got '2026-01-01'"),
        ("campaigns[0].ends_at", "is required"),
    ]


def test_the_root_must_be_an_object():
    assert errors_of([]) == [("(root)", "must be an object, got []")]


def test_cross_field_problems_are_reported_together():
    data = minimal(
        currency="usd",
        rewarded="both",
        friend_offer={"kind": "store_credit", "value": "5"},
        tiers=[
            {"up_to": 5, "reward": {"kind": "percentage_discount", "value": "150"}},
            {"up_to": 3, "reward": {"kind": "points", "value": "2.5"}},
        ],
        milestones=[{"stage": "first", "purchase_number": 2}],
    )
    assert errors_of(data) == [
        ("currency", "must be a three-letter ISO code, got 'usd'"),
        ("tiers[0].reward.value", "must be a percentage of at most 100, got '150'"),
        ("tiers[1].reward.value", "must be a whole number of points, got '2.5'"),
        ("friend_offer.kind", "must be a discount (percentage, fixed amount or free shipping)"),
        ("tiers[1].up_to", "the last tier must be open-ended (null)"),
        ("tiers", "cannot be combined with milestones"),
        ("new_customers_only", "must be false when a milestone rewards a repeat purchase"),
    ]


def test_sides_need_a_reward_source():
    assert errors_of({"version": 1, "currency": "USD", "rewarded": "both"}) == [
        (
            "advocate_reward",
            "is required when advocates are rewarded (set advocate_reward, tiers, milestones, a contest or partners)",
        ),
        ("friend_reward", "is required when friends are rewarded (or set friend_offer)"),
    ]


def test_charity_contest_campaign_and_loyalty_consistency():
    start = "2026-06-01T00:00:00+00:00"
    data = minimal(
        advocate_reward={"kind": "charity_donation", "value": "5"},
        campaigns=[{"campaign_id": "c", "name": "C", "starts_at": start, "ends_at": start}],
        contest={
            "contest_id": "k",
            "name": "K",
            "starts_at": start,
            "ends_at": "2026-07-01T00:00:00+00:00",
            "top_n": 1,
            "prizes": [
                {"kind": "cash", "value": "5"},
                {"kind": "cash", "value": "10", "basis": "percent_of_order"},
            ],
        },
        loyalty={
            "points_per_unit": "1",
            "vip_tiers": [{"name": "A", "threshold": 10}, {"name": "B", "threshold": 10}],
        },
    )
    assert errors_of(data) == [
        ("campaigns[0].ends_at", "must be after starts_at (2026-06-01T00:00:00+00:00)"),
        ("contest.prizes[1].basis", "must be 'flat': a prize has no order"),
        ("contest.prizes", "has more prizes than top_n (1)"),
        ("charity", "is required when a reward is a charity donation"),
        ("loyalty.vip_tiers[1].threshold", "must be larger than the tier before it"),
    ]


def test_free_shipping_takes_no_value_and_discounts_are_flat():
    data = minimal(
        friend_offer={"kind": "free_shipping", "value": "5"},
        friend_reward={"kind": "fixed_amount_discount", "value": "5", "basis": "per_unit_spent"},
    )
    assert errors_of(data) == [
        ("friend_offer.value", "must be 0 or absent for free shipping, got '5'"),
        ("friend_reward.basis", "must be 'flat' for a discount code"),
    ]


def test_error_message_joins_every_field():
    error = ProgramError([("a", "is required"), ("b.c", "must be an integer, got 'x'")])
    assert str(error) == "a: is required; b.c: must be an integer, got 'x'"


def test_value_based_rules_are_recognised():
    assert RewardRule(RewardKind.CASH, Decimal("10"), Basis.PERCENT_OF_ORDER).value_based
    assert not RewardRule(RewardKind.CASH, Decimal("10")).value_based


def test_campaign_activity_is_half_open():
    campaign = PRESETS["seasonal"].campaigns[0]
    assert campaign.active_at(datetime(2026, 11, 27, tzinfo=UTC))
    assert not campaign.active_at(datetime(2026, 12, 1, tzinfo=UTC))
