"""The values the rules read: one order as facts, and what the service knows around it.

Services translate the neutral `OrderEvent` into `OrderFacts` and load a `History` from storage
and the store; the domain never fetches anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from connector.domain.money import Money
from connector.domain.referral import LIVE_STATES, ReferralState


@dataclass(frozen=True)
class OrderLine:
    """One order line: product, the collections it belongs to, quantity and unit price."""

    product_id: str | None
    quantity: int
    price: Decimal
    collection_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RefundFact:
    """A refund already made on the order."""

    refund_id: str
    amount: Decimal
    at: datetime | None = None


@dataclass(frozen=True)
class OrderFacts:
    """An order as the rules see it; amounts are exact Decimals in `currency`."""

    shop: str
    order_id: str
    currency: str
    subtotal: Decimal
    total: Decimal
    created_at: datetime
    customer_id: str | None = None
    email: str | None = None
    refunded: Decimal = Decimal(0)
    paid: bool = True
    cancelled: bool = False
    is_test: bool = False
    discount_codes: tuple[str, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)
    landing_ref: str | None = None
    landing_at: datetime | None = None
    ip_hash: str | None = None
    user_agent_hash: str | None = None
    shipping_address: Mapping[str, str] = field(default_factory=dict)
    line_items: tuple[OrderLine, ...] = ()
    refunds: tuple[RefundFact, ...] = ()
    billing_address: Mapping[str, str] = field(default_factory=dict)
    # The buyer's currency when it was not `currency` (the shop's), and the order's rate: its
    # units per one shop unit. The amounts above are shop money either way.
    presentment_currency: str = ""
    exchange_rate: Decimal | None = None

    def money(self, amount: Decimal) -> Money:
        """`amount` as Money in the order's currency."""
        return Money(amount, self.currency)

    @property
    def fully_refunded(self) -> bool:
        """True when refunds cover the whole order total."""
        return self.total > 0 and self.refunded >= self.total


@dataclass(frozen=True)
class CodeOwner:
    """Whose a friend code or share token is; partner codes name the partner's account."""

    advocate_id: str


@dataclass(frozen=True)
class Claim:
    """A friend (by email) claimed an advocate's offer at `at` (e.g. on the share page)."""

    advocate_id: str
    at: datetime


@dataclass(frozen=True)
class ReferralLookup:
    """The known referral evidence: codes and share tokens by normalized code, claims by email."""

    codes: Mapping[str, CodeOwner] = field(default_factory=dict)
    claims: Mapping[str, tuple[Claim, ...]] = field(default_factory=dict)
    param_names: tuple[str, ...] = ("ref", "referral_code", "referral", "ref_code")
    touched_at_attribute: str = "referral_at"


@dataclass(frozen=True)
class AdvocateIdentity:
    """What we know of an advocate, for self-referral, same-address and same-device checks."""

    advocate_id: str
    customer_id: str | None = None
    email: str | None = None
    shipping_addresses: tuple[Mapping[str, str], ...] = ()
    ip_hashes: tuple[str, ...] = ()
    user_agent_hashes: tuple[str, ...] = ()
    # Keys (`fraud.address_key`) of addresses the advocate's own orders shipped or billed to.
    address_keys: tuple[str, ...] = ()
    # Where each recorded IP, user agent or address key was seen ("joining in the widget",
    # "the billing address of order 1001"), so a finding says what matched.
    seen: Mapping[str, str] = field(default_factory=dict)
    name: str = ""
    cause_id: str | None = None
    # The shop blocked this advocate: their codes still attribute, so the referral says why it
    # earns nothing instead of looking like an order nobody referred.
    blocked: bool = False


@dataclass(frozen=True)
class PriorReferral:
    """One of the advocate's earlier referrals: for caps, tiers and velocity."""

    order_id: str
    at: datetime
    state: ReferralState

    @property
    def counts(self) -> bool:
        """True unless the referral was rejected or reversed."""
        return self.state in LIVE_STATES


def velocity_since(at: datetime, hours: int) -> datetime:
    """The start (exclusive) of the velocity window of an order placed at `at`."""
    return at - timedelta(hours=hours)


def cap_since(at: datetime, days: int) -> datetime:
    """The start (inclusive) of the rolling cap period of an order placed at `at`."""
    return at - timedelta(days=days)


@dataclass(frozen=True)
class ReferralCounts:
    """What caps, tiers and velocity need of an advocate's earlier referrals, counted.

    `live`: every referral not rejected or reversed. `live_in_period`: those placed in the cap's
    period (from `cap_since`, inclusive, to the order). `recent`: every referral, whatever its
    state, placed in the velocity window (after `velocity_since`, up to the order).
    """

    live: int = 0
    live_in_period: int = 0
    recent: int = 0


@dataclass(frozen=True)
class History:
    """What the service knows around one order, loaded before the rules run."""

    lookup: ReferralLookup = field(default_factory=ReferralLookup)
    advocates: Mapping[str, AdvocateIdentity] = field(default_factory=dict)
    referrals: Mapping[str, tuple[PriorReferral, ...]] = field(default_factory=dict)
    friend_prior_orders: int | None = None
    already_credited: bool = False
    advocate_lifetime_points: Mapping[str, int] = field(default_factory=dict)
    # Counted by the service (from counters and indexed window counts); when an advocate has
    # none here, `counted` counts `referrals` instead.
    counts: Mapping[str, ReferralCounts] = field(default_factory=dict)
    # The shop's blocklist entries among the values of this order and its advocates:
    # (kind, value) -> what the merchant listed (`fraud.blocklist_values` names the kinds).
    blocklist: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # The money value of the rewards the shop's referrals earned so far in the budget's period.
    budget_used: Decimal = Decimal(0)

    def identity(self, advocate_id: str) -> AdvocateIdentity:
        """The advocate's identity, or a bare one when the service supplied none."""
        return self.advocates.get(advocate_id, AdvocateIdentity(advocate_id))

    def prior(self, advocate_id: str) -> tuple[PriorReferral, ...]:
        """The advocate's earlier referrals that still count (not rejected or reversed)."""
        return tuple(r for r in self.referrals.get(advocate_id, ()) if r.counts)

    def live(self, advocate_id: str) -> int:
        """How many of the advocate's earlier referrals still count (tiers, lifetime cap)."""
        found = self.counts.get(advocate_id)
        return found.live if found is not None else len(self.prior(advocate_id))

    def counted(
        self, advocate_id: str, at: datetime, period_days: int, velocity_hours: int
    ) -> ReferralCounts:
        """The advocate's earlier referrals counted for an order placed at `at`."""
        found = self.counts.get(advocate_id)
        if found is not None:
            return found
        earlier = self.referrals.get(advocate_id, ())
        prior = self.prior(advocate_id)
        period, recent = cap_since(at, period_days), velocity_since(at, velocity_hours)
        return ReferralCounts(
            live=len(prior),
            live_in_period=sum(1 for r in prior if period <= r.at <= at),
            recent=sum(1 for r in earlier if recent < r.at <= at),
        )
