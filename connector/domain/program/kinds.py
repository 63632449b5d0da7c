"""The small enums a program configuration is written in: reward kinds, bases, sides, actions."""

from __future__ import annotations

import enum


class RewardKind(enum.StrEnum):
    """What a reward gives."""

    PERCENTAGE_DISCOUNT = "percentage_discount"
    FIXED_DISCOUNT = "fixed_amount_discount"
    FREE_SHIPPING = "free_shipping"
    STORE_CREDIT = "store_credit"
    POINTS = "points"
    CASH = "cash"
    CHARITY_DONATION = "charity_donation"
    # A gift card of `value` in the program's currency, made for its owner in the store.
    GIFT_CARD = "gift_card"
    # One unit of one product (or variant) free: a single-use code limited to it; `value` is the
    # product's price, what the reward costs the shop.
    FREE_PRODUCT = "free_product"


# The kinds a shared friend code (the friend's offer) can be.
DISCOUNT_KINDS = frozenset(
    {RewardKind.PERCENTAGE_DISCOUNT, RewardKind.FIXED_DISCOUNT, RewardKind.FREE_SHIPPING}
)

# Rewards made in the store as a single-use discount code bound to their owner.
CODE_KINDS = DISCOUNT_KINDS | {RewardKind.FREE_PRODUCT}

# Kinds whose value is an amount of money in the program's currency.
MONEY_KINDS = frozenset(
    {
        RewardKind.FIXED_DISCOUNT,
        RewardKind.STORE_CREDIT,
        RewardKind.CASH,
        RewardKind.CHARITY_DONATION,
        RewardKind.GIFT_CARD,
        RewardKind.FREE_PRODUCT,
    }
)

# What a member may buy with points from the loyalty catalogue (made for them in the store).
REDEEMABLE_KINDS = CODE_KINDS | {RewardKind.STORE_CREDIT, RewardKind.GIFT_CARD}


class Basis(enum.StrEnum):
    """How a reward's value is read: flat, a percentage of the order, or per currency unit spent."""

    FLAT = "flat"
    PERCENT_OF_ORDER = "percent_of_order"
    PER_UNIT_SPENT = "per_unit_spent"


class RewardedSides(enum.StrEnum):
    """Who is rewarded after the order: one side or both (two-sided)."""

    ADVOCATE = "advocate"
    FRIEND = "friend"
    BOTH = "both"


class FriendCodeMode(enum.StrEnum):
    """One shared code per advocate (once per customer), or a unique single-use code per friend."""

    SHARED = "shared"
    UNIQUE = "unique"


class CheckAction(enum.StrEnum):
    """What a fraud check does when it matches."""

    BLOCK = "block"
    FLAG = "flag"
    IGNORE = "ignore"


class BudgetPeriod(enum.StrEnum):
    """The calendar period (UTC) a program's rewards budget is counted over."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class EarnBase(enum.StrEnum):
    """What a member's own order earns points on: the subtotal after discounts (no shipping or
    tax), or the order's total (shipping and tax included)."""

    SUBTOTAL = "subtotal"
    TOTAL = "total"


class TierBasis(enum.StrEnum):
    """What VIP tier thresholds count: points earned, or money spent (subtotals less refunds)."""

    POINTS = "points"
    SPEND = "spend"


class StampPer(enum.StrEnum):
    """What earns a stamp: each qualifying order, or each qualifying item bought."""

    ORDER = "order"
    ITEM = "item"
