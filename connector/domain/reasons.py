"""The one shared reason enum, verdicts, and the `Finding` every rule and check produces.

API answers, logs, the simulator and the tests all use these codes, so a merchant who sees
`below_minimum` in the admin finds the same word in a log line and in a test name.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Reason(enum.StrEnum):
    """Why a rule, check or transition came out the way it did."""

    # Order eligibility
    NOT_PAID = "not_paid"
    TEST_ORDER = "test_order"
    BELOW_MINIMUM = "below_minimum"
    NOT_NEW_CUSTOMER = "not_new_customer"
    EXCLUDED_PRODUCT = "excluded_product"
    CAP_PERIOD = "cap_period"
    CAP_LIFETIME = "cap_lifetime"
    CURRENCY_MISMATCH = "currency_mismatch"
    ALREADY_CREDITED = "already_credited"
    NO_MILESTONE = "no_milestone"
    ADVOCATE_BLOCKED = "advocate_blocked"
    # Attribution
    ATTRIBUTED = "attributed"
    NO_ATTRIBUTION = "no_attribution"
    NO_SIGNAL = "no_signal"
    UNKNOWN_CODE = "unknown_code"
    OUTSIDE_WINDOW = "outside_window"
    LATER_TOUCH = "later_touch"
    # Fraud
    SELF_REFERRAL = "self_referral"
    SAME_EMAIL = "same_email"
    SAME_ADDRESS = "same_address"
    SAME_IP = "same_ip"
    SAME_USER_AGENT = "same_user_agent"
    DISPOSABLE_EMAIL = "disposable_email"
    VELOCITY = "velocity"
    BLOCKLIST = "blocklist"
    # Budget
    BUDGET = "budget"
    # Order changes and lifecycle
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIAL_REFUND = "partial_refund"
    HOLD_ACTIVE = "hold_active"
    HOLD_ENDED = "hold_ended"
    AWAITING_REVIEW = "awaiting_review"
    REVIEW_APPROVED = "review_approved"
    REVIEW_REJECTED = "review_rejected"
    REWARDS_ISSUED = "rewards_issued"
    REWARD_UNUSED = "reward_unused"
    REWARD_USED = "reward_used"
    NOTHING_TO_DO = "nothing_to_do"
    ILLEGAL_TRANSITION = "illegal_transition"
    # Programs: campaigns, contests, charity, partners, loyalty
    TIER = "tier"
    CAMPAIGN = "campaign"
    CONTEST_ENTRY = "contest_entry"
    CONTEST_NOT_ENDED = "contest_not_ended"
    CHARITY_CAUSE = "charity_cause"
    PARTNER = "partner"
    VIP_TIER = "vip_tier"
    # The advocate's reward menu: picked by the advocate, or the default after the wait
    REWARD_MENU = "reward_menu"
    REWARD_CHOSEN = "reward_chosen"
    REWARD_DEFAULTED = "reward_defaulted"
    INSUFFICIENT_POINTS = "insufficient_points"
    POINTS_EXPIRED = "points_expired"


class Verdict(enum.StrEnum):
    """The outcome of one rule or check."""

    PASS = "pass"  # the rule holds / the check found nothing
    IGNORED = "ignored"  # the check matched but the program says to ignore it
    FLAG = "flag"  # a person must review before the referral can be approved
    BLOCK = "block"  # the referral cannot be credited


@dataclass(frozen=True)
class Finding:
    """One rule or check as evaluated: `reason` names it, `verdict` says how it came out."""

    reason: Reason
    verdict: Verdict
    message: str
    detail: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when this finding does not stand in the referral's way."""
        return self.verdict in (Verdict.PASS, Verdict.IGNORED)


def passed(reason: Reason, message: str, **detail: str) -> Finding:
    """A finding for a rule that holds."""
    return Finding(reason, Verdict.PASS, message, detail)


def blocked(reason: Reason, message: str, **detail: str) -> Finding:
    """A finding for a rule that stops the referral."""
    return Finding(reason, Verdict.BLOCK, message, detail)


def first_failure(findings: tuple[Finding, ...], verdict: Verdict) -> Finding | None:
    """The first finding with `verdict`, or None."""
    return next((f for f in findings if f.verdict is verdict), None)
