"""Ready-made example programs, one per program type, for tests and the admin's templates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from connector.domain.program import (
    Campaign,
    Caps,
    CatalogueItem,
    Cause,
    Charity,
    Contest,
    Loyalty,
    Milestone,
    Partner,
    Program,
    RewardRule,
    StampCard,
    Tier,
    VipTier,
    validate_program,
)
from connector.domain.program.kinds import Basis, FriendCodeMode, RewardedSides, RewardKind

D = Decimal
TEN_PERCENT_OFF = RewardRule(RewardKind.PERCENTAGE_DISCOUNT, D("10"), expires_days=30)


def credit(amount: str) -> RewardRule:
    """Store credit of a fixed amount."""
    return RewardRule(RewardKind.STORE_CREDIT, D(amount))


FIXED = Program(
    version=1,
    currency="USD",
    name="Give 10%, get $10",
    rewarded=RewardedSides.BOTH,
    friend_offer=TEN_PERCENT_OFF,
    advocate_reward=credit("10.00"),
    min_subtotal=D("25.00"),
    caps=Caps(per_period=10, period_days=30, lifetime=50),
)

TIERED = Program(
    version=1,
    currency="USD",
    name="$10 for each of the first five, then $25 each",
    rewarded=RewardedSides.BOTH,
    friend_offer=RewardRule(RewardKind.PERCENTAGE_DISCOUNT, D("15")),
    tiers=(Tier(5, credit("10.00")), Tier(None, credit("25.00"))),
)

MILESTONES = Program(
    version=1,
    currency="USD",
    name="Sign-up, first and second purchase",
    rewarded=RewardedSides.BOTH,
    new_customers_only=False,
    milestones=(
        Milestone("signed_up", 0, advocate_reward=RewardRule(RewardKind.POINTS, D("50"))),
        Milestone("first_purchase", 1, credit("10.00"), credit("5.00")),
        Milestone("second_purchase", 2, advocate_reward=credit("15.00")),
    ),
)

CONTEST = Program(
    version=1,
    currency="USD",
    name="June referral contest",
    rewarded=RewardedSides.BOTH,
    friend_offer=TEN_PERCENT_OFF,
    advocate_reward=credit("5.00"),
    contest=Contest(
        contest_id="june-2026",
        name="June Challenge",
        starts_at=datetime(2026, 6, 1, tzinfo=UTC),
        ends_at=datetime(2026, 7, 1, tzinfo=UTC),
        top_n=3,
        prizes=(
            RewardRule(RewardKind.CASH, D("500.00")),
            RewardRule(RewardKind.CASH, D("250.00")),
            RewardRule(RewardKind.CASH, D("100.00")),
        ),
    ),
)

SEASONAL = Program(
    version=1,
    currency="USD",
    name="Double rewards for the holidays",
    rewarded=RewardedSides.BOTH,
    friend_offer=TEN_PERCENT_OFF,
    advocate_reward=credit("10.00"),
    campaigns=(
        Campaign(
            campaign_id="holidays-2026",
            name="Holiday Double",
            starts_at=datetime(2026, 11, 27, tzinfo=UTC),
            ends_at=datetime(2026, 12, 1, tzinfo=UTC),
            multiplier=D("2"),
            extra_reward=RewardRule(RewardKind.FREE_SHIPPING, expires_days=60),
        ),
    ),
)

CHARITY = Program(
    version=1,
    currency="USD",
    name="Refer a friend, we donate $5",
    rewarded=RewardedSides.BOTH,
    friend_offer=TEN_PERCENT_OFF,
    advocate_reward=RewardRule(RewardKind.CHARITY_DONATION, D("5.00")),
    charity=Charity(
        causes=(Cause("ocean", "Ocean Cleanup"), Cause("trees", "One Tree Planted")),
        default_cause_id="trees",
    ),
)

PARTNERSHIP = Program(
    version=1,
    currency="USD",
    name="Partners earn 10% commission",
    rewarded=RewardedSides.BOTH,
    friend_offer=RewardRule(RewardKind.PERCENTAGE_DISCOUNT, D("15")),
    advocate_reward=credit("10.00"),
    friend_code_mode=FriendCodeMode.UNIQUE,
    partners=(
        Partner(
            partner_id="acme",
            name="Acme Outdoor",
            account_id="partner:acme",
            reward=RewardRule(RewardKind.CASH, D("10"), Basis.PERCENT_OF_ORDER, maximum=D("50.00")),
        ),
    ),
)

LOYALTY = Program(
    version=1,
    currency="USD",
    name="Points for referrals and purchases",
    rewarded=RewardedSides.BOTH,
    advocate_reward=RewardRule(RewardKind.POINTS, D("500"), expires_days=365),
    friend_reward=RewardRule(RewardKind.POINTS, D("2"), Basis.PER_UNIT_SPENT, expires_days=365),
    loyalty=Loyalty(
        points_per_unit=D("1"),
        points_per_currency_unit_redeemed=100,
        points_expire_days=365,
        join_points=100,
        catalogue=(
            CatalogueItem("five-off", "$5 off", 500, RewardRule(RewardKind.FIXED_DISCOUNT, D("5"))),
            CatalogueItem(
                "ten-percent", "10% off", 900, RewardRule(RewardKind.PERCENTAGE_DISCOUNT, D("10"))
            ),
            CatalogueItem("shipping", "Free shipping", 300, RewardRule(RewardKind.FREE_SHIPPING)),
            CatalogueItem("credit-10", "$10 store credit", 1000, credit("10.00")),
        ),
        vip_tiers=(
            VipTier("Bronze", 0),
            VipTier("Silver", 1000, D("1.25"), ("free shipping",), free_shipping=True),
            VipTier(
                "Gold", 5000, D("1.5"), ("free shipping", "10% off every order"),
                discount_percent=D("10"), free_shipping=True,
            ),
        ),
        stamp_card=StampCard("Every 4th order", 4, RewardRule(RewardKind.FIXED_DISCOUNT, D("10"))),
    ),
)

PRESETS: dict[str, Program] = {
    name: validate_program(program)
    for name, program in {
        "fixed": FIXED,
        "tiered": TIERED,
        "milestones": MILESTONES,
        "contest": CONTEST,
        "seasonal": SEASONAL,
        "charity": CHARITY,
        "partnership": PARTNERSHIP,
        "loyalty": LOYALTY,
    }.items()
}
