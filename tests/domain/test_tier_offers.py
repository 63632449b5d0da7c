"""The friend's offer by the advocate's tier: which offer an advocate with N live referrals shares."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from connector.domain.program import RewardKind, RewardRule, Tier
from connector.domain.program.presets import TIERED
from connector.domain.rewards.offer import TierOffer, offer_for, tier_offers

CREDIT = RewardRule(RewardKind.STORE_CREDIT, Decimal("10"))
FIFTEEN = RewardRule(RewardKind.PERCENTAGE_DISCOUNT, Decimal("15"))
TWENTY = RewardRule(RewardKind.PERCENTAGE_DISCOUNT, Decimal("20"))
PROGRAM = replace(
    TIERED,
    friend_offer=FIFTEEN,
    tiers=(Tier(2, CREDIT), Tier(5, CREDIT, TWENTY), Tier(None, CREDIT)),
)


def test_each_tier_covers_the_live_counts_whose_next_referral_is_in_it():
    assert tier_offers(PROGRAM) == (
        TierOffer(0, 2, 0, FIFTEEN),
        TierOffer(2, 5, 2, TWENTY),
        TierOffer(5, None, 2, TWENTY),  # a tier naming no offer keeps the one before it
    )


def test_the_offer_rises_once_the_advocate_reaches_the_tier():
    assert [offer_for(PROGRAM, live).level for live in range(7)] == [0, 0, 2, 2, 2, 2, 2]
    assert offer_for(PROGRAM, 1).rule == FIFTEEN
    assert offer_for(PROGRAM, 2).rule == TWENTY


def test_without_raising_tiers_everyone_shares_the_programs_offer():
    assert tier_offers(TIERED) == ()
    assert offer_for(TIERED, 40) == TierOffer(0, None, 0, TIERED.friend_offer)
