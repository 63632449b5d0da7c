import random
from dataclasses import replace
from decimal import Decimal

from connector.domain.program.kinds import RewardKind
from connector.domain.program.presets import FIXED, LOYALTY, PARTNERSHIP
from connector.domain.rewards.offer import FriendOffer, friend_offer


def test_shared_mode_gives_one_code_each_customer_uses_once():
    offer = friend_offer(FIXED, "Ana", random.Random(3))
    assert offer is not None
    assert offer.code.startswith("ANA-")
    assert replace(offer, code="ANA-XXXX") == FriendOffer(
        code="ANA-XXXX",
        kind=RewardKind.PERCENTAGE_DISCOUNT,
        value=Decimal("10"),
        currency="USD",
        usage_limit=None,
        once_per_customer=True,
        new_customers_only=True,
        minimum_subtotal=Decimal("25.00"),
        expires_days=30,
    )


def test_unique_mode_gives_single_use_codes():
    offer = friend_offer(PARTNERSHIP, "Bo")
    assert offer is not None
    assert (offer.usage_limit, offer.once_per_customer, offer.minimum_subtotal) == (1, True, None)


def test_programs_without_a_friend_discount_have_no_offer():
    assert friend_offer(LOYALTY, "Ana") is None
