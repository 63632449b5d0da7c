"""Reading referrals back: lists, the review queue, and one referral explained.

`referral_detail` rebuilds the stored decision (evidence, findings, planned rewards) and runs the
domain's `explain` over it, so the merchant reads the same words the simulator prints, with the
transitions that followed and what caused each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from connector.domain.reasons import Finding, Reason
from connector.domain.referral import FINAL_STATES, ReferralState
from connector.domain.rules.attribution import Attribution, Evidence, Signal
from connector.domain.rules.decision import Decision, Outcome
from connector.domain.rules.explain import explain
from connector.services.base.rows import fk
from connector.services.referrals.advocates import domain_id
from connector.services.referrals.records import (
    ReferralNotFound,
    evidence_from_json,
    finding_from_json,
    plans_from_json,
)
from connector.store.models import Advocate, Referral, ReferralEvent, Reward, RewardChoice, Shop

_REASONS = frozenset(r.value for r in Reason)
_OUTCOME = {
    ReferralState.PENDING: Outcome.CREDIT_PENDING,
    ReferralState.FLAGGED: Outcome.FLAG_FOR_REVIEW,
    ReferralState.REJECTED: Outcome.REJECT,
    ReferralState.APPROVED: Outcome.APPROVE,
    ReferralState.REWARDED: Outcome.APPROVE,
}


@dataclass(frozen=True)
class ReferralRow:
    """One referral in a list."""

    id: int
    order_id: str | None
    advocate_id: int
    state: str
    state_reason: str | None
    winning_signal: str | None
    program_version: int
    hold_until: datetime | None
    currency: str
    order_total: Decimal
    refunded: Decimal
    created_at: datetime


@dataclass(frozen=True)
class EventRow:
    """One recorded transition and what caused it."""

    at: datetime
    from_state: str | None
    to_state: str
    event: str
    reason: str | None
    cause_kind: str
    cause_ref: str
    note: str


@dataclass(frozen=True)
class RewardRow:
    """One reward of a referral and where it stands."""

    id: int
    side: str
    kind: str
    amount: Decimal | None
    currency: str | None
    points: int | None
    status: str
    reason: str | None
    idempotency_key: str
    last_error: str | None  # why the last try failed (a failed reward's cause)
    # A menu reward: the choice picked and by whom (advocate | default), or when the default
    # is given if it still awaits the advocate's pick.
    choice: str | None = None
    chosen_by: str | None = None
    choice_due_at: datetime | None = None


@dataclass(frozen=True)
class ReferralDetail:
    """A referral with its transitions, rewards, evidence and findings, explained line by line."""

    referral: ReferralRow
    events: tuple[EventRow, ...]
    rewards: tuple[RewardRow, ...]
    explanation: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    findings: tuple[Finding, ...] = ()


def _row(r: Referral) -> ReferralRow:
    return ReferralRow(
        id=r.id,
        order_id=r.order_id,
        advocate_id=r.advocate_id,  # type: ignore[attr-defined]
        state=r.state,
        state_reason=r.state_reason,
        winning_signal=r.winning_signal,
        program_version=r.program_version,
        hold_until=r.hold_until,
        currency=r.currency,
        order_total=r.order_total,
        refunded=r.refunded,
        created_at=r.created_at,
    )


async def list_referrals(
    shop: Shop,
    state: str | None = None,
    limit: int = 50,
    *,
    before: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    advocate_id: int | None = None,
) -> list[ReferralRow]:
    """The shop's referrals, newest first: optionally in one state, made in [since, until), of
    one advocate; `before` (an id) starts the list after that one."""
    query = Referral.filter(shop_id=shop.id)
    if state:
        query = query.filter(state=state)
    if since is not None:
        query = query.filter(created_at__gte=since)
    if until is not None:
        query = query.filter(created_at__lt=until)
    if advocate_id is not None:
        query = query.filter(advocate_id=advocate_id)
    if before is not None:
        query = query.filter(id__lt=before)
    return [_row(r) for r in await query.order_by("-id").limit(limit)]


async def review_queue(shop: Shop, limit: int = 50) -> list[ReferralRow]:
    """Flagged referrals waiting for a person, oldest first."""
    rows = await Referral.filter(shop_id=shop.id, state=ReferralState.FLAGGED.value).order_by("id")
    return [_row(r) for r in rows[:limit]]


def stored_decision(
    referral: Referral, shop_domain: str, advocate_id: str, issued: bool
) -> Decision:
    """The decision as stored on the referral, for `explain`."""
    state = ReferralState(referral.state)
    final = state in FINAL_STATES
    outcome = _OUTCOME.get(state, Outcome.REVERSE if issued else Outcome.VOID)
    evidence = tuple(evidence_from_json(e) for e in referral.evidence)
    signal = Signal[referral.winning_signal.upper()] if referral.winning_signal else None
    touched = next((e.touched_at for e in evidence if e.matched and e.signal is signal), None)
    attribution = Attribution(advocate_id, signal, touched, evidence, ())
    return Decision(
        outcome=outcome,
        reason=Reason(referral.state_reason) if referral.state_reason in _REASONS else None,
        shop=shop_domain,
        order_id=referral.order_id or referral.qualifying_key,
        advocate_id=advocate_id,
        program_version=referral.program_version,
        state=state,
        # A rejected or reversed referral earns nothing any more: show neither plans nor hold.
        hold_until=None if final else referral.hold_until,
        rewards=() if final else plans_from_json(referral.reward_plans),
        attribution=attribution if evidence else None,
        findings=tuple(finding_from_json(f) for f in referral.findings),
    )


async def referral_detail(referral_id: int, shop: Shop | None = None) -> ReferralDetail:
    """One referral with its evidence and findings explained; ReferralNotFound if none."""
    query = Referral.filter(id=referral_id)
    if shop is not None:
        query = query.filter(shop_id=shop.id)
    referral = await query.first()
    if referral is None:
        raise ReferralNotFound(f"no referral {referral_id}")
    owner = await Shop.get(id=referral.shop_id)  # type: ignore[attr-defined]
    advocate = await Advocate.get(id=referral.advocate_id)  # type: ignore[attr-defined]
    events = await ReferralEvent.filter(referral_id=referral.id).order_by("at", "id")
    rewards = await Reward.filter(referral_id=referral.id).order_by("id")
    picks = {
        fk(c, "reward"): c for c in await RewardChoice.filter(referral_id=referral.id)
    }
    decision = stored_decision(referral, owner.domain, domain_id(advocate), bool(rewards))
    lines = explain(decision)
    if referral.state_reason:
        lines.insert(1, f"State: {referral.state} ({referral.state_reason}).")
    return ReferralDetail(
        referral=_row(referral),
        events=tuple(
            EventRow(
                e.at, e.from_state, e.to_state, e.event, e.reason, e.cause_kind, e.cause_ref, e.note
            )
            for e in events
        ),
        rewards=tuple(
            RewardRow(
                w.id,
                w.side,
                w.kind,
                w.amount,
                w.currency,
                w.points,
                w.status,
                w.reason,
                w.idempotency_key,
                w.last_error,
                picks[w.id].choice_id if w.id in picks else None,
                picks[w.id].chosen_by if w.id in picks else None,
                w.choice_due_at,
            )
            for w in rewards
        ),
        explanation=tuple(lines),
        evidence=decision.attribution.evidence if decision.attribution else (),
        findings=decision.findings,
    )
