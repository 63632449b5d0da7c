"""The gift card and free product reward kinds in a program: where they may be used, what a free
product must name, and what each is worth (for the budget and the analytics)."""

from decimal import Decimal

import pytest

from connector.domain.codec import ProgramError
from connector.domain.codes import gift_card_code
from connector.domain.money import Money
from connector.domain.program import RewardKind, parse_program
from connector.domain.program.kinds import CODE_KINDS, MONEY_KINDS, REDEEMABLE_KINDS
from connector.domain.rewards.amounts import Side, plan
from connector.domain.rules.budget import rewards_value

TOTE = {
    "kind": "free_product", "value": "18.00", "product_id": "8123456789",
    "variant_id": "4471234", "product_name": "Bolsa tote",
}  # fmt: skip
GIFT = {"kind": "gift_card", "value": "25.00"}


def program(**extra):
    return {"version": 1, "currency": "USD", "rewarded": "advocate", **extra}


def errors_of(data):
    with pytest.raises(ProgramError) as caught:
        parse_program(data)
    return list(caught.value.errors)


def test_both_kinds_serve_every_place_a_reward_is_given():
    prize = {"kind": "gift_card", "value": "50.00"}
    parsed = parse_program(program(
        rewarded="both",
        advocate_reward=GIFT,
        friend_reward=TOTE,
        tiers=[{"up_to": 3, "reward": GIFT}, {"up_to": None, "reward": TOTE}],
        campaigns=[{"campaign_id": "xmas", "name": "Xmas", "starts_at": "2026-12-01T00:00:00+00:00",
                    "ends_at": "2026-12-26T00:00:00+00:00", "extra_reward": TOTE}],
        contest={"contest_id": "c", "name": "C", "starts_at": "2026-12-01T00:00:00+00:00",
                 "ends_at": "2026-12-31T00:00:00+00:00", "top_n": 1, "prizes": [prize]},
        loyalty={"points_per_unit": "1", "catalogue": [
            {"item_id": "tote", "name": "Tote", "points": 400, "reward": TOTE},
            {"item_id": "gift", "name": "Gift card", "points": 2500, "reward": GIFT}],
            "stamp_card": {"name": "Card", "stamps": 5, "reward": TOTE}},
    ))  # fmt: skip
    assert parsed.friend_reward is not None
    assert (parsed.friend_reward.product_id, parsed.friend_reward.product_name) == (
        "8123456789", "Bolsa tote",
    )  # fmt: skip
    assert {RewardKind.GIFT_CARD, RewardKind.FREE_PRODUCT} <= REDEEMABLE_KINDS
    assert RewardKind.FREE_PRODUCT in CODE_KINDS
    assert RewardKind.GIFT_CARD not in CODE_KINDS


def test_a_free_product_without_a_product_id_is_refused_with_a_clear_message():
    tote = {k: v for k, v in TOTE.items() if k != "product_id"}
    assert errors_of(program(advocate_reward=tote)) == [
        ("advocate_reward.product_id",
         "is required for a free product: the id of the product in the store"),
    ]  # fmt: skip


def test_product_fields_belong_to_a_free_product_and_must_be_store_ids():
    assert errors_of(program(advocate_reward={**GIFT, "product_id": "1"})) == [
        ("advocate_reward.product_id", "only applies to a free product")
    ]
    bad = {**TOTE, "product_id": "81 23", "product_name": " ", "basis": "percent_of_order"}
    assert errors_of(program(advocate_reward=bad)) == [
        ("advocate_reward.product_id", "must be a store id without spaces, at most 64 characters"),
        ("advocate_reward.product_name", "must be a name of 1 to 120 characters"),
        ("advocate_reward.basis", "must be 'flat' for a discount code"),
    ]
    assert errors_of(program(advocate_reward={**TOTE, "value": "0"})) == [
        ("advocate_reward.value", "must be a positive decimal, got '0'")
    ]


def test_a_free_product_cannot_be_the_shared_friend_offer():
    assert ("friend_offer.kind", "must be a discount (percentage, fixed amount or free shipping)") in (
        errors_of(program(advocate_reward=GIFT, friend_offer=TOTE))
    )


def test_a_gift_card_counts_its_face_value_and_a_free_product_its_price():
    parsed = parse_program(program(rewarded="both", advocate_reward=GIFT, friend_reward=TOTE))
    order = Money(Decimal("80.00"), "USD")
    assert parsed.advocate_reward is not None
    assert parsed.friend_reward is not None
    gift = plan(shop="s", order_id="1", side=Side.ADVOCATE, beneficiary="1",
                rule=parsed.advocate_reward, value=order)  # fmt: skip
    tote = plan(shop="s", order_id="1", side=Side.FRIEND, beneficiary="f",
                rule=parsed.friend_reward, value=order)  # fmt: skip
    assert (gift.money, gift.usage_limit, tote.money, tote.usage_limit) == (
        Money(Decimal("25.00"), "USD"), None, Money(Decimal("18.00"), "USD"), 1,
    )  # fmt: skip
    assert rewards_value((gift, tote), "USD") == Decimal("43.00")
    assert (gift.describe(), tote.describe()) == ("25.00 USD gift card", "free Bolsa tote")
    assert {RewardKind.GIFT_CARD, RewardKind.FREE_PRODUCT} <= MONEY_KINDS


def test_a_gift_card_code_is_deterministic_letters_and_digits_that_stores_accept():
    first = gift_card_code(b"k" * 32, "rw_1")
    assert first == gift_card_code(b"k" * 32, "rw_1") != gift_card_code(b"k" * 32, "rw_2")
    assert (first[:4], len(first), first.isalnum()) == ("GIFT", 16, True)
