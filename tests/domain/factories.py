"""Factories for domain tests: one valid order, history and referral, overridden per test."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from connector.domain.reasons import Finding, Reason
from connector.domain.referral import ReferralState
from connector.domain.rules.facts import (
    AdvocateIdentity,
    CodeOwner,
    History,
    OrderFacts,
    PriorReferral,
    ReferralLookup,
)
from connector.domain.rules.lifecycle import ExistingReferral

SHOP = "demo.myshopify.com"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ADVOCATE = "adv_ana"
CODE = "ANA-7KQ4"


def finding_for(findings: Iterable[Finding], reason: Reason) -> Finding:
    """The one finding about `reason`."""
    (found,) = [f for f in findings if f.reason is reason]
    return found


def order(**overrides: Any) -> OrderFacts:
    """A paid 80.00 USD order by a new customer who used Ana's code."""
    values: dict[str, Any] = {
        "shop": SHOP,
        "order_id": "1001",
        "currency": "USD",
        "subtotal": Decimal("80.00"),
        "total": Decimal("86.40"),
        "created_at": NOW,
        "customer_id": "cust_bo",
        "email": "bo@example.com",
        "discount_codes": (CODE,),
        "shipping_address": {"address1": "1 Main St", "city": "Springfield", "zip": "12345"},
        "ip_hash": "ip-bo",
        "user_agent_hash": "ua-bo",
    }
    values.update(overrides)
    return OrderFacts(**values)


def identity(**overrides: Any) -> AdvocateIdentity:
    """Ana, the advocate: a different customer, email, address and device from the friend."""
    values: dict[str, Any] = {
        "advocate_id": ADVOCATE,
        "customer_id": "cust_ana",
        "email": "ana@example.com",
        "shipping_addresses": ({"address1": "9 Elm Road", "city": "Shelbyville", "zip": "54321"},),
        "ip_hashes": ("ip-ana",),
        "user_agent_hashes": ("ua-ana",),
        "name": "Ana",
    }
    values.update(overrides)
    return AdvocateIdentity(**values)


def lookup(**overrides: Any) -> ReferralLookup:
    """Ana's code and share token are known."""
    values: dict[str, Any] = {"codes": {CODE: CodeOwner(ADVOCATE), "ANA-LINK": CodeOwner(ADVOCATE)}}
    values.update(overrides)
    return ReferralLookup(**values)


def history(**overrides: Any) -> History:
    """What the service knows: Ana's identity, no earlier referrals, a new friend."""
    values: dict[str, Any] = {
        "lookup": lookup(),
        "advocates": {ADVOCATE: identity()},
        "friend_prior_orders": 0,
    }
    values.update(overrides)
    return History(**values)


def prior(
    count: int,
    *,
    every: timedelta = timedelta(days=1),
    state: ReferralState = ReferralState.REWARDED,
) -> tuple[PriorReferral, ...]:
    """`count` earlier referrals of Ana, the latest `every` before NOW, spaced by `every`."""
    return tuple(PriorReferral(f"old-{i}", NOW - every * (i + 1), state) for i in range(count))


def referral(**overrides: Any) -> ExistingReferral:
    """A stored pending referral for order 1001, judged under program version 1."""
    values: dict[str, Any] = {
        "shop": SHOP,
        "order_id": "1001",
        "advocate_id": ADVOCATE,
        "program_version": 1,
        "state": ReferralState.PENDING,
        "hold_until": NOW + timedelta(days=14),
    }
    values.update(overrides)
    return ExistingReferral(**values)
