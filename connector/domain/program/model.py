"""A shop's program configuration: who gets what, when, with which limits. Versioned and frozen.

Every program type (fixed, tiered, milestones, contest, seasonal, charity, partnership, loyalty)
is a configuration of these same fields; `presets.py` has one ready-made example of each.
The package (`connector.domain.program`) reads and writes the JSON form and checks the fields
against each other (`checks.py`); this module only declares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from connector.domain.codec import non_negative, positive, rule
from connector.domain.program.kinds import (
    Basis,
    BudgetPeriod,
    CheckAction,
    EarnBase,
    FriendCodeMode,
    RewardedSides,
    RewardKind,
    StampPer,
    TierBasis,
)


@dataclass(frozen=True)
class RewardRule:
    """A benefit: kind, value (percent, amount or points) and how the value is read.

    A free product names the store's product (`product_id`), optionally one variant of it
    (`variant_id`), and the name shoppers see (`product_name`); its `value` is the price.
    """

    kind: RewardKind
    value: Decimal = Decimal(0)
    basis: Basis = Basis.FLAT
    expires_days: int | None = field(default=None, metadata=rule(positive))
    maximum: Decimal | None = field(default=None, metadata=rule(positive))
    # A flat money reward's amount in other currencies ({"EUR": "9"}), used where it is issued
    # in the recipient's currency; a currency not listed gets `value` converted at the rate.
    amounts: dict[str, Decimal] = field(default_factory=dict)
    product_id: str | None = None
    variant_id: str | None = None
    product_name: str | None = None

    @property
    def value_based(self) -> bool:
        """True when the amount follows the order's value (recomputed on partial refunds)."""
        return self.basis is not Basis.FLAT


@dataclass(frozen=True)
class CombinesWith:
    """Which other discounts (by class) a referral code may be used together with at checkout."""

    order: bool = False
    product: bool = False
    shipping: bool = True


@dataclass(frozen=True)
class Caps:
    """Per-advocate limits on credited referrals: per rolling period and for the lifetime."""

    per_period: int | None = field(default=None, metadata=rule(positive))
    period_days: int = field(default=30, metadata=rule(positive))
    lifetime: int | None = field(default=None, metadata=rule(positive))


@dataclass(frozen=True)
class FraudRules:
    """The action of each fraud check, velocity limits and extra disposable email domains.

    `blocklist` acts when the friend (or the advocate) is on the shop's blocklist: an email, an
    email domain, a customer id, an IP address or a postal address the merchant listed.
    """

    self_referral: CheckAction = CheckAction.BLOCK
    same_email: CheckAction = CheckAction.BLOCK
    same_address: CheckAction = CheckAction.FLAG
    same_ip: CheckAction = CheckAction.FLAG
    same_user_agent: CheckAction = CheckAction.IGNORE
    disposable_email: CheckAction = CheckAction.FLAG
    velocity: CheckAction = CheckAction.FLAG
    blocklist: CheckAction = CheckAction.BLOCK
    velocity_max: int = field(default=5, metadata=rule(positive))
    velocity_hours: int = field(default=24, metadata=rule(positive))
    disposable_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class Budget:
    """A cap on the money value of the rewards referrals earn per calendar period (UTC).

    The merchant is warned at `warn_percent` of it; past it, new referrals are held for review
    (never dropped), so a person decides whether to go over.
    """

    amount: Decimal = field(metadata=rule(positive))
    period: BudgetPeriod = BudgetPeriod.QUARTER
    warn_percent: int = field(default=80, metadata=rule(positive))


@dataclass(frozen=True)
class Terms:
    """The program's terms and conditions in the merchant's words, in Spanish and English: shown
    before joining, a public page per locale, linked from every message.

    `version` is the program version that first carried these words; the programs service sets
    it on save (`with_terms_version`), so a shopper's acceptance outlives unrelated changes.
    """

    es: str = ""
    en: str = ""
    version: int = field(default=0, metadata=rule(non_negative))

    @property
    def published(self) -> bool:
        """True when the merchant wrote terms."""
        return bool(self.es.strip() or self.en.strip())

    def text(self, locale: str) -> str:
        """The words in `locale` (es or en; Spanish for any other)."""
        return self.en if locale == "en" else self.es


@dataclass(frozen=True)
class Tier:
    """Referrals numbered up to `up_to` (inclusive; None: all the rest) earn `reward`.

    A tier may raise the friend's side too: `friend_offer` is the discount friends get with the
    advocate's code once the advocate has reached this tier (their shared code is updated in the
    store; unique codes are made with it), `friend_reward` what a friend earns after buying.
    """

    up_to: int | None
    reward: RewardRule
    friend_offer: RewardRule | None = None
    friend_reward: RewardRule | None = None


@dataclass(frozen=True)
class RewardChoice:
    """One reward of a program's menu: its id, its label in Spanish and English, the reward."""

    choice_id: str
    label_es: str
    label_en: str
    reward: RewardRule


@dataclass(frozen=True)
class RewardMenu:
    """The advocate picks their reward from `choices` when it is earned; after
    `default_after_days` without a pick, the default choice is issued."""

    choices: tuple[RewardChoice, ...]
    default_choice_id: str
    default_after_days: int = field(default=14, metadata=rule(positive))

    def choice(self, choice_id: str) -> RewardChoice | None:
        """The choice with this id, if the menu has it."""
        return next((c for c in self.choices if c.choice_id == choice_id), None)


@dataclass(frozen=True)
class Milestone:
    """A stage of a multi-stage program: the friend's Nth purchase (0: sign-up) and its rewards."""

    stage: str
    purchase_number: int
    advocate_reward: RewardRule | None = None
    friend_reward: RewardRule | None = None


@dataclass(frozen=True)
class Campaign:
    """A time-boxed modifier layered on the base program: a multiplier and/or an extra reward."""

    campaign_id: str
    name: str
    starts_at: datetime
    ends_at: datetime
    multiplier: Decimal = field(default=Decimal(1), metadata=rule(positive))
    extra_reward: RewardRule | None = None

    def active_at(self, when: datetime) -> bool:
        """True when `when` falls inside [starts_at, ends_at)."""
        return self.starts_at <= when < self.ends_at


@dataclass(frozen=True)
class Contest:
    """A leaderboard of qualified referrals in a time window; `prizes[i]` goes to rank i + 1."""

    contest_id: str
    name: str
    starts_at: datetime
    ends_at: datetime
    top_n: int = field(metadata=rule(positive))
    prizes: tuple[RewardRule, ...] = ()


@dataclass(frozen=True)
class Cause:
    """A charity the merchant lists for advocates to pick from."""

    cause_id: str
    name: str


@dataclass(frozen=True)
class Charity:
    """The merchant's causes; an advocate who picked none gives to the default."""

    causes: tuple[Cause, ...]
    default_cause_id: str | None = None


@dataclass(frozen=True)
class Partner:
    """A partner brand whose codes credit the partner's account (`account_id`) with `reward`."""

    partner_id: str
    name: str
    account_id: str
    reward: RewardRule


@dataclass(frozen=True)
class VipTier:
    """A loyalty tier reached at `threshold` (points, or money spent: the program's `tier_basis`),
    with perks the engine applies while the member holds it: an earning multiplier, a standing
    discount code for the tier (`discount_percent` off, any number of orders), a standing free
    shipping code, and `tag`, put on the customer in the store (a Shopify customer tag, the
    WooCommerce customer's tier meta) for the merchant to use elsewhere (segments, early
    access). `perks` are the words the widget shows."""

    name: str
    threshold: int = field(metadata=rule(non_negative))
    multiplier: Decimal = field(default=Decimal(1), metadata=rule(positive))
    perks: tuple[str, ...] = ()
    discount_percent: Decimal | None = field(default=None, metadata=rule(positive))
    free_shipping: bool = False
    tag: str | None = None


@dataclass(frozen=True)
class StampCard:
    """Buy `stamps` qualifying orders (or items), get `reward` once; the card starts again.
    Qualifying: any product, or only `product_ids`; an order of at least `min_subtotal`."""

    name: str
    stamps: int = field(metadata=rule(positive))
    reward: RewardRule
    per: StampPer = StampPer.ORDER
    product_ids: tuple[str, ...] = ()
    min_subtotal: Decimal = field(default=Decimal(0), metadata=rule(non_negative))


@dataclass(frozen=True)
class CatalogueItem:
    """A reward a member buys with `points`: a discount code (an amount off, a percentage off,
    free shipping, a free product), store credit or a gift card, made for them alone when they
    redeem it."""

    item_id: str
    name: str
    points: int = field(metadata=rule(positive))
    reward: RewardRule


@dataclass(frozen=True)
class Loyalty:
    """Points per currency unit a member spends (on `earn_on`), points for actions (joining, a
    birthday), their redemption rate and expiry, and VIP tiers."""

    points_per_unit: Decimal = field(metadata=rule(positive))
    points_per_currency_unit_redeemed: int = field(default=100, metadata=rule(positive))
    points_expire_days: int | None = field(default=None, metadata=rule(positive))
    vip_tiers: tuple[VipTier, ...] = ()
    earn_on: EarnBase = EarnBase.SUBTOTAL
    join_points: int = field(default=0, metadata=rule(non_negative))
    birthday_points: int = field(default=0, metadata=rule(non_negative))
    catalogue: tuple[CatalogueItem, ...] = ()
    tier_basis: TierBasis = TierBasis.POINTS
    tier_period_days: int | None = field(default=None, metadata=rule(positive))  # None: lifetime
    tier_grace_days: int = field(default=30, metadata=rule(non_negative))
    # All of a member's points expire after this many days without earning or redeeming.
    expire_after_inactive_days: int | None = field(default=None, metadata=rule(positive))
    # Members are told this many days before points expire (0: not told).
    expiry_reminder_days: int = field(default=14, metadata=rule(non_negative))
    stamp_card: StampCard | None = None

    def item(self, item_id: str) -> CatalogueItem | None:
        """The catalogue item with this id, if any."""
        return next((i for i in self.catalogue if i.item_id == item_id), None)


@dataclass(frozen=True)
class Program:
    """One version of a shop's referral program."""

    version: int = field(metadata=rule(positive))
    currency: str
    name: str = ""
    hold_days: int = field(default=14, metadata=rule(non_negative))
    attribution_window_days: int = field(default=30, metadata=rule(positive))
    rewarded: RewardedSides = RewardedSides.ADVOCATE
    friend_code_mode: FriendCodeMode = FriendCodeMode.SHARED
    friend_offer: RewardRule | None = None
    advocate_reward: RewardRule | None = None
    friend_reward: RewardRule | None = None
    combines_with: CombinesWith = field(default_factory=CombinesWith)
    min_subtotal: Decimal = field(default=Decimal(0), metadata=rule(non_negative))
    new_customers_only: bool = True
    excluded_product_ids: tuple[str, ...] = ()
    excluded_collection_ids: tuple[str, ...] = ()
    caps: Caps = field(default_factory=Caps)
    fraud: FraudRules = field(default_factory=FraudRules)
    tiers: tuple[Tier, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    campaigns: tuple[Campaign, ...] = ()
    contest: Contest | None = None
    charity: Charity | None = None
    partners: tuple[Partner, ...] = ()
    loyalty: Loyalty | None = None
    budget: Budget | None = None
    # When set, the advocate's reward (the plain one or their tier's) is chosen from this menu.
    reward_menu: RewardMenu | None = None
    terms: Terms = field(default_factory=Terms)

    def rewards_side(self, side: RewardedSides) -> bool:
        """True when `side` (ADVOCATE or FRIEND) is rewarded after the order."""
        return self.rewarded in (side, RewardedSides.BOTH)

    def partner_for(self, account_id: str | None) -> Partner | None:
        """The partnership whose account is `account_id`, if any."""
        return next((p for p in self.partners if p.account_id == account_id), None)


__all__ = [
    "Budget",
    "Campaign",
    "Caps",
    "CatalogueItem",
    "Cause",
    "Charity",
    "CombinesWith",
    "Contest",
    "FraudRules",
    "Loyalty",
    "Milestone",
    "Partner",
    "Program",
    "RewardChoice",
    "RewardMenu",
    "RewardRule",
    "StampCard",
    "Terms",
    "Tier",
    "VipTier",
]
