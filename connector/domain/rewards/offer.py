"""The friend's offer: the discount behind an advocate's friend code, shared or single-use."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from connector.domain.codes import friend_code
from connector.domain.program import Program, RewardRule
from connector.domain.program.kinds import FriendCodeMode, RewardKind


@dataclass(frozen=True)
class FriendOffer:
    """A discount code to create for friends; the adapter maps it to the store's discount."""

    code: str
    kind: RewardKind
    value: Decimal
    currency: str
    usage_limit: int | None
    once_per_customer: bool
    new_customers_only: bool
    minimum_subtotal: Decimal | None
    expires_days: int | None


def friend_offer(
    program: Program, advocate_name: str, rng: random.Random | None = None
) -> FriendOffer | None:
    """The offer behind a new friend code, or None when the program gives friends no discount.

    Shared mode: one code per advocate that each customer can use once. Unique mode: a single-use
    code per friend. New-customers-only is passed on for the platforms that can enforce it.
    """
    rule = program.friend_offer
    if rule is None:
        return None
    shared = program.friend_code_mode is FriendCodeMode.SHARED
    return FriendOffer(
        code=friend_code(advocate_name, rng),
        kind=rule.kind,
        value=rule.value,
        currency=program.currency,
        usage_limit=None if shared else 1,
        once_per_customer=True,
        new_customers_only=program.new_customers_only,
        minimum_subtotal=program.min_subtotal or None,
        expires_days=rule.expires_days,
    )


@dataclass(frozen=True)
class TierOffer:
    """The friend's offer with the code of an advocate whose live referrals are in
    [low, high) (high None: no end): `level` 0 is the program's own offer, n tier n's."""

    low: int
    high: int | None
    level: int
    rule: RewardRule | None


def tier_offers(program: Program) -> tuple[TierOffer, ...]:
    """The friend's offer by the advocate's tier, for programs whose tiers raise it.

    An advocate with `live` referrals has reached the tier of their next referral (number
    `live + 1`); a tier that names no friend offer keeps the one before it. Empty when no tier
    raises the friend's offer.
    """
    if not any(t.friend_offer for t in program.tiers):
        return ()
    offers: list[TierOffer] = []
    level, rule, low = 0, program.friend_offer, 0
    for number, tier in enumerate(program.tiers, start=1):
        if tier.friend_offer is not None:
            level, rule = number, tier.friend_offer
        offers.append(TierOffer(low, tier.up_to, level, rule))
        low = tier.up_to or low
    return tuple(offers)


def offer_for(program: Program, live: int) -> TierOffer:
    """The friend's offer with the code of an advocate who has `live` live referrals."""
    for offer in tier_offers(program):
        if live >= offer.low and (offer.high is None or live < offer.high):
            return offer
    return TierOffer(0, None, 0, program.friend_offer)
