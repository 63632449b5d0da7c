"""An existing referral over time: refunds and cancels, and the end of the hold.

During the hold a cancel or full refund voids the referral. Once rewards are issued (or being
issued), an unused reward is deactivated and a used one is recorded as a clawback. A partial
refund recomputes value-based rewards on the refunded value; below the program minimum it counts
as a full refund. The caller passes the program version the referral was judged under.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from connector.domain.money import Money
from connector.domain.program import Program
from connector.domain.reasons import Finding, Reason, Verdict, blocked, passed
from connector.domain.referral import FINAL_STATES, ReferralState
from connector.domain.rewards.amounts import RewardPlan, recompute
from connector.domain.rules.decision import AdjustmentAction, Decision, Outcome, RewardAdjustment
from connector.domain.rules.eligibility import order_value
from connector.domain.rules.facts import OrderFacts

_BEFORE_ISSUE = frozenset({ReferralState.PENDING, ReferralState.FLAGGED})


@dataclass(frozen=True)
class IssuedReward:
    """A reward as it stands in the store: its current plan and whether it was used."""

    plan: RewardPlan
    used: bool = False


@dataclass(frozen=True)
class ExistingReferral:
    """What the service stored for a referral: its state, hold, planned and issued rewards."""

    shop: str
    order_id: str
    advocate_id: str
    program_version: int
    state: ReferralState
    hold_until: datetime
    rewards: tuple[RewardPlan, ...] = ()
    issued: tuple[IssuedReward, ...] = ()


def _answer(
    referral: ExistingReferral,
    outcome: Outcome,
    reason: Reason | None,
    findings: tuple[Finding, ...],
    **changes: Any,
) -> Decision:
    base = Decision(
        outcome, reason, referral.shop, referral.order_id, referral.advocate_id,
        referral.program_version, state=referral.state, hold_until=referral.hold_until,
        findings=findings,
    )  # fmt: skip
    return replace(base, **changes)


def _undo(reward: IssuedReward, reason: Reason) -> RewardAdjustment:
    plan = reward.plan
    if reward.used:
        note = f"The {plan.describe()} was already used; recorded as owed back."
        action = AdjustmentAction.CLAWBACK
    else:
        note = f"The {plan.describe()} was not used; deactivate it."
        action = AdjustmentAction.DEACTIVATE
    return RewardAdjustment(plan.idempotency_key, action, reason, plan.money, plan.points, note)


def _reduce(reward: IssuedReward, lower: RewardPlan) -> RewardAdjustment | None:
    old = reward.plan
    money = old.money - lower.money if old.money and lower.money else None
    points = (old.points or 0) - (lower.points or 0) if old.points is not None else None
    if not (money and money.amount) and not points:
        return None
    action = AdjustmentAction.CLAWBACK if reward.used else AdjustmentAction.REDUCE
    note = f"{old.describe()} becomes {lower.describe()} after the partial refund."
    return RewardAdjustment(old.idempotency_key, action, Reason.PARTIAL_REFUND, money, points, note)


def on_order_change(
    order: OrderFacts, referral: ExistingReferral, program: Program, now: datetime
) -> Decision:
    """What a cancel or (partial) refund of the referral's order does to it and its rewards."""
    if program.version != referral.program_version:
        raise ValueError(
            f"referral was judged under program v{referral.program_version}, got v{program.version}"
        )
    if referral.state in FINAL_STATES:
        text = f"The referral is already {referral.state}; nothing changes."
        found = passed(Reason.NOTHING_TO_DO, text)
        return _answer(referral, Outcome.IGNORE, Reason.NOTHING_TO_DO, (found,))
    # An order held for its currency (no rate to the shop's) has no value to recompute from.
    judged = order.currency == program.currency
    value = order_value(order, program) if judged else Money.zero(program.currency)
    minimum = Money(program.min_subtotal, program.currency)
    below = judged and order.refunded > 0 and value < minimum
    if order.cancelled or order.fully_refunded or below:
        return _reverse(order, referral, value, minimum)
    if order.refunded <= 0 or not judged:
        found = passed(Reason.NOTHING_TO_DO, "The order was neither cancelled nor refunded.")
        return _answer(referral, Outcome.IGNORE, Reason.NOTHING_TO_DO, (found,))
    return _recompute(referral, value)


def _reverse(
    order: OrderFacts, referral: ExistingReferral, value: Money, minimum: Money
) -> Decision:
    if order.cancelled:
        reason, text = Reason.CANCELLED, "The order was cancelled."
    elif order.fully_refunded:
        reason, text = Reason.REFUNDED, "The order was refunded in full."
    else:
        reason = Reason.BELOW_MINIMUM
        text = f"After the partial refund the order's value {value} is below the minimum {minimum}."
    findings: tuple[Finding, ...] = (blocked(reason, text),)
    if referral.state in _BEFORE_ISSUE:
        findings += (passed(reason, "No reward was issued yet, so the referral is voided."),)
        return _answer(referral, Outcome.VOID, reason, findings, state=ReferralState.REVERSED)
    # Rewards approved but not yet issued may be on their way to the store: stop them too.
    issued = {r.plan.idempotency_key: r for r in referral.issued}
    planned = {p.idempotency_key: IssuedReward(p) for p in referral.rewards}
    adjustments = tuple(_undo(r, reason) for r in ({**planned, **issued}).values())
    return _answer(
        referral, Outcome.REVERSE, reason, findings,
        state=ReferralState.REVERSED, adjustments=adjustments,
    )  # fmt: skip


def _recompute(referral: ExistingReferral, value: Money) -> Decision:
    rewards = tuple(recompute(r, value) for r in referral.rewards)
    findings = [Finding(Reason.PARTIAL_REFUND, Verdict.PASS,
                        f"After the partial refund the order's qualifying value is {value}.",
                        {"value": str(value.amount)})]  # fmt: skip
    for old, new in zip(referral.rewards, rewards, strict=True):
        if old.value_based:
            text = f"{old.describe()} is recomputed to {new.describe()}."
        else:
            text = f"{old.describe()} is a flat reward and stays."
        findings.append(passed(Reason.PARTIAL_REFUND, text, key=old.idempotency_key))
    by_key = {r.idempotency_key: r for r in rewards}
    adjustments = tuple(
        change
        for issued in referral.issued
        if (lower := by_key.get(issued.plan.idempotency_key)) is not None
        and (change := _reduce(issued, lower)) is not None
    )
    return _answer(
        referral, Outcome.RECOMPUTE, Reason.PARTIAL_REFUND, tuple(findings),
        rewards=rewards, adjustments=adjustments, order_value=value,
    )  # fmt: skip


def on_hold_expired(referral: ExistingReferral, now: datetime) -> Decision:
    """A pending referral whose hold has ended is approved with its rewards; others wait."""
    when = referral.hold_until.isoformat()
    if referral.state is ReferralState.PENDING and now >= referral.hold_until:
        found = passed(Reason.HOLD_ENDED, f"The hold ended at {when}; the referral is approved.")
        return _answer(referral, Outcome.APPROVE, Reason.HOLD_ENDED, (found,),
                       state=ReferralState.APPROVED, rewards=referral.rewards)  # fmt: skip
    if referral.state is ReferralState.PENDING:
        found = Finding(Reason.HOLD_ACTIVE, Verdict.PASS, f"The hold lasts until {when}.", {})
        return _answer(referral, Outcome.IGNORE, Reason.HOLD_ACTIVE, (found,))
    if referral.state is ReferralState.FLAGGED:
        found = passed(Reason.AWAITING_REVIEW, "The referral waits for a person to review it.")
        return _answer(referral, Outcome.IGNORE, Reason.AWAITING_REVIEW, (found,))
    found = passed(Reason.NOTHING_TO_DO, f"The referral is {referral.state}; no hold applies.")
    return _answer(referral, Outcome.IGNORE, Reason.NOTHING_TO_DO, (found,))
