"""What the domain answers: a `Decision` with its outcome, rewards, adjustments and every finding."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from connector.domain.money import Money
from connector.domain.reasons import Finding, Reason
from connector.domain.referral import ReferralState
from connector.domain.rewards.amounts import RewardPlan
from connector.domain.rules.attribution import Attribution


class Outcome(enum.StrEnum):
    """What the service should do with the order or the referral."""

    CREDIT_PENDING = "credit_pending"  # create a pending referral; rewards wait for the hold
    FLAG_FOR_REVIEW = "flag_for_review"  # create a flagged referral for a person to review
    REJECT = "reject"  # record a rejected referral with its reason
    IGNORE = "ignore"  # nothing to record (not a referral, not yet paid, already credited)
    VOID = "void"  # cancel or refund during the hold: reverse, nothing was issued
    REVERSE = "reverse"  # after rewards: deactivate unused rewards, record clawbacks
    RECOMPUTE = "recompute"  # partial refund: value-based rewards follow the lower value
    APPROVE = "approve"  # the hold ended: approve and issue the rewards


class AdjustmentAction(enum.StrEnum):
    """What to do to a reward already issued (or being issued)."""

    DEACTIVATE = "deactivate"  # unused: disable the code, debit the credit, reverse the points
    CLAWBACK = "clawback"  # used: record what is owed back; nothing can be taken from the store
    REDUCE = "reduce"  # unused and value-based: lower it by the amount given


@dataclass(frozen=True)
class RewardAdjustment:
    """A change to one issued reward, by its idempotency key."""

    idempotency_key: str
    action: AdjustmentAction
    reason: Reason
    money: Money | None = None
    points: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Decision:
    """The domain's answer for one order or referral, with everything needed to explain it."""

    outcome: Outcome
    reason: Reason | None
    shop: str
    order_id: str
    advocate_id: str | None
    program_version: int
    state: ReferralState | None = None
    hold_until: datetime | None = None
    rewards: tuple[RewardPlan, ...] = ()
    adjustments: tuple[RewardAdjustment, ...] = ()
    attribution: Attribution | None = None
    findings: tuple[Finding, ...] = ()
    contest_id: str | None = None
    order_value: Money | None = None
