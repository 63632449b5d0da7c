"""Stored referrals: the JSON forms of evidence, findings and reward plans, and recorded transitions.

Every change of a referral's state goes through `move`, which asks the domain's state machine
whether the event is allowed and records a ReferralEvent naming what caused it: a delivery (its
id), a job (its name) or a person (who decided).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.domain import codec
from connector.domain.program import RewardRule
from connector.domain.reasons import Finding, Reason, Verdict
from connector.domain.referral import (
    LIVE_STATES,
    Event,
    EventKind,
    ReferralState,
    Refusal,
    Transition,
    transition,
)
from connector.domain.rewards.amounts import RewardPlan
from connector.domain.rules.attribution import Evidence, Signal
from connector.domain.rules.lifecycle import ExistingReferral, IssuedReward
from connector.errors import ConnectorError
from connector.services.analytics import sources
from connector.services.base import deferred
from connector.services.outbound import events
from connector.services.referrals.notices import referral_moved
from connector.services.referrals.tally import count_change
from connector.store.models import Referral, ReferralEvent, Reward, RewardStatus

CREATED = "created"
# The advocate's counter of live referrals, as services.base.deferred names it.
ADVOCATE = "advocate"
LIVE_REFERRALS = "advocate.live_referrals"
_add_live = deferred.column_adder("advocate", "live_referrals")


def _live(state: str | None) -> int:
    return int(state is not None and ReferralState(state) in LIVE_STATES)


class ReferralNotFound(ConnectorError, LookupError):
    """No referral with that id (in that shop)."""


# Rewards a refund must take back: given, or on their way (paid: cash a person paid out).
# A menu reward awaiting its pick is on its way too: a refund stops it, a partial one lowers it.
LIVE_REWARD = (
    RewardStatus.PENDING, RewardStatus.ISSUED, RewardStatus.RECORDED, RewardStatus.PAID,
    RewardStatus.AWAITING_CHOICE,
)  # fmt: skip


class CauseKind(enum.StrEnum):
    """What caused a transition."""

    DELIVERY = "delivery"
    JOB = "job"
    PERSON = "person"
    SIGNUP = "signup"


@dataclass(frozen=True)
class Cause:
    """What caused a transition: a delivery id, a job name, the person who decided, or a sign-up."""

    kind: CauseKind
    ref: str

    @classmethod
    def delivery(cls, delivery_id: int) -> Cause:
        """The webhook delivery being processed."""
        return cls(CauseKind.DELIVERY, str(delivery_id))

    @classmethod
    def job(cls, name: str) -> Cause:
        """A periodic job."""
        return cls(CauseKind.JOB, name)

    @classmethod
    def person(cls, who: str) -> Cause:
        """A merchant or operator, by name."""
        return cls(CauseKind.PERSON, who)

    @classmethod
    def signup(cls, claim_id: int) -> Cause:
        """A friend's sign-up, by the id of their claim of the advocate's offer."""
        return cls(CauseKind.SIGNUP, str(claim_id))


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as stored on the referral."""
    return {
        "reason": finding.reason.value,
        "verdict": finding.verdict.value,
        "message": finding.message,
        "detail": dict(finding.detail),
    }


def finding_from_json(raw: Mapping[str, Any]) -> Finding:
    """A stored finding back as the domain's value."""
    return Finding(Reason(raw["reason"]), Verdict(raw["verdict"]), raw["message"], raw["detail"])


def evidence_json(item: Evidence) -> dict[str, Any]:
    """One attribution signal as stored on the referral."""
    return {
        "signal": item.signal.name.lower(),
        "value": item.value,
        "advocate_id": item.advocate_id,
        "touched_at": item.touched_at.isoformat() if item.touched_at else None,
        "matched": item.matched,
        "reason": item.reason.value,
        "message": item.message,
    }


def evidence_from_json(raw: Mapping[str, Any]) -> Evidence:
    """A stored signal back as the domain's value."""
    touched = raw.get("touched_at")
    return Evidence(
        signal=Signal[str(raw["signal"]).upper()],
        value=raw["value"],
        advocate_id=raw.get("advocate_id"),
        touched_at=datetime.fromisoformat(touched) if touched else None,
        matched=bool(raw["matched"]),
        reason=Reason(raw["reason"]),
        message=raw["message"],
    )


def plans_json(plans: Iterable[RewardPlan]) -> list[dict[str, Any]]:
    """Reward plans as stored on the referral (Decimals as strings, exact)."""
    return [codec.encode(p) for p in plans]


def plans_from_json(raw: Iterable[Mapping[str, Any]]) -> tuple[RewardPlan, ...]:
    """Stored reward plans back as the domain's values."""
    errors: list[tuple[str, str]] = []
    plans = tuple(codec.decode(RewardPlan, item, f"[{i}]", errors) for i, item in enumerate(raw))
    if errors:
        # Written by `plans_json` only: unreadable means the row was edited by hand.
        raise codec.ProgramError(errors)
    return plans


def product_columns(rule: RewardRule) -> dict[str, Any]:
    """The free-product columns of a Reward: the store's product, variant and their name."""
    return {
        "product_id": rule.product_id,
        "variant_id": rule.variant_id,
        "product_name": rule.product_name,
    }


def reward_amounts(plan: RewardPlan) -> dict[str, Any]:
    """The amount columns of a Reward: money in its currency, a percentage (no currency), points."""
    if plan.money is not None:
        return {"amount": plan.money.amount, "currency": plan.money.currency, "points": None}
    return {"amount": plan.percent, "currency": None, "points": plan.points}


def existing_referral(
    referral: Referral, shop_domain: str, advocate_id: str, rewards: Iterable[Reward]
) -> ExistingReferral:
    """The stored referral as the domain's lifecycle rules read it.

    Every live Reward row counts as issued (or being issued): one still pending may be at the
    store right now, so a refund must take it back too.
    """
    plans = plans_from_json(referral.reward_plans)
    by_key = {p.idempotency_key: p for p in plans}
    issued = tuple(
        IssuedReward(by_key[r.idempotency_key], used=r.used_at is not None)
        for r in rewards
        if r.idempotency_key in by_key and r.status in LIVE_REWARD
    )
    return ExistingReferral(
        shop=shop_domain,
        order_id=referral.order_id or referral.qualifying_key,
        advocate_id=advocate_id,
        program_version=referral.program_version,
        state=ReferralState(referral.state),
        hold_until=referral.hold_until or referral.created_at,
        rewards=plans,
        issued=issued,
    )


async def record_event(
    referral: Referral,
    from_state: str | None,
    event: str,
    reason: Reason | None,
    cause: Cause,
    at: datetime,
    db: BaseDBAsyncClient,
    note: str = "",
) -> ReferralEvent:
    """Record that `referral` reached its current state by `event`, and why.

    Every creation and change of state is recorded here, so here the advocate's
    `live_referrals` counter, the shop's tally by state and the analytics rollups follow it, in
    the same transaction (the counter, in a worker's batch, summed and written once before it
    commits: services.base.deferred), and the messages the new state calls for are written
    (services.referrals.notices).
    """
    shop_id: int = referral.shop_id  # type: ignore[attr-defined]
    advocate_id: int = referral.advocate_id  # type: ignore[attr-defined]
    await count_change(db, shop_id, advocate_id, from_state, referral.state)
    delta = _live(referral.state) - _live(from_state)
    await deferred.add(db, LIVE_REFERRALS, advocate_id, delta, _add_live)
    if from_state is not None:
        # A batch that loaded this advocate's windows at its start must count them again.
        deferred.touch(db, ADVOCATE, advocate_id)
    await referral_moved(db, referral, from_state, at)
    recorded = await ReferralEvent.create(
        referral_id=referral.id,
        from_state=from_state,
        to_state=referral.state,
        event=event,
        reason=reason.value if reason is not None else None,
        cause_kind=cause.kind.value,
        cause_ref=cause.ref[:255],
        note=note,
        at=at,
        using_db=db,
    )
    await sources.referral_changed(db, referral)
    await _announce(db, referral, from_state, reason, at)
    return recorded


async def _announce(
    db: BaseDBAsyncClient, referral: Referral, from_state: str | None, reason: Reason | None,
    at: datetime,
) -> None:  # fmt: skip
    """Queue the outbound webhook of a referral credited (approved) or reversed."""
    if referral.state == from_state:
        return
    base = {
        "referral_id": referral.id,
        "advocate_id": referral.advocate_id,  # type: ignore[attr-defined]
        "order_id": referral.order_id,
        "program_version": referral.program_version,
    }
    shop_id: int = referral.shop_id  # type: ignore[attr-defined]
    if referral.state == ReferralState.APPROVED.value:
        data = {**base, "currency": referral.currency, "order_total": str(referral.order_total),
                "credited_at": at.isoformat()}  # fmt: skip
        await events.enqueue(db, shop_id, events.REFERRAL_CREDITED, str(referral.id), data, at)
    elif referral.state == ReferralState.REVERSED.value:
        data = {**base, "reason": reason.value if reason else None, "reversed_at": at.isoformat()}
        await events.enqueue(db, shop_id, events.REFERRAL_REVERSED, str(referral.id), data, at)


async def move(
    referral: Referral,
    kind: EventKind,
    reason: Reason,
    cause: Cause,
    at: datetime,
    db: BaseDBAsyncClient,
    note: str = "",
) -> Transition | Refusal:
    """Apply `kind` to the (locked) referral if the state machine allows it, and record it."""
    step = transition(ReferralState(referral.state), Event(kind, at, reason, cause.ref))
    if isinstance(step, Refusal):
        return step
    referral.state = step.to_state.value
    referral.state_reason = reason.value
    referral.updated_at = at
    await referral.save(using_db=db, update_fields=["state", "state_reason", "updated_at"])
    await record_event(referral, step.from_state.value, kind.value, reason, cause, at, db, note)
    return step
