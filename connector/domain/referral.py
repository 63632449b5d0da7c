"""The referral state machine: pending -> approved -> rewarded, or -> rejected / -> reversed.

    flagged  --review_approved-->  pending  --hold_ended-->  approved  --rewards_issued-->  rewarded
    flagged  --review_rejected-->  rejected      pending --flag--> flagged, pending --reject--> rejected
    pending | flagged | approved | rewarded  --cancel | refund-->  reversed
    pending | flagged | approved | rewarded  --partial_refund-->   (same state; rewards recomputed)

Rejected and reversed are final. Every transition carries the event that caused it (kind, time,
reason, actor), so the merchant can see why.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from connector.domain.reasons import Reason


class ReferralState(enum.StrEnum):
    """Where a referral is in its life."""

    PENDING = "pending"
    FLAGGED = "flagged"
    APPROVED = "approved"
    REWARDED = "rewarded"
    REJECTED = "rejected"
    REVERSED = "reversed"


FINAL_STATES = frozenset({ReferralState.REJECTED, ReferralState.REVERSED})
LIVE_STATES = frozenset(set(ReferralState) - FINAL_STATES)


class EventKind(enum.StrEnum):
    """Something that happens to a referral."""

    HOLD_ENDED = "hold_ended"
    FLAG = "flag"
    REVIEW_APPROVED = "review_approved"
    REVIEW_REJECTED = "review_rejected"
    REJECT = "reject"
    REWARDS_ISSUED = "rewards_issued"
    CANCEL = "cancel"
    REFUND = "refund"
    PARTIAL_REFUND = "partial_refund"


@dataclass(frozen=True)
class Event:
    """An event with its time, its reason and who or what caused it (`system`, a user id)."""

    kind: EventKind
    at: datetime
    reason: Reason
    actor: str = "system"


@dataclass(frozen=True)
class Transition:
    """A recorded change of state and the event that caused it."""

    from_state: ReferralState
    to_state: ReferralState
    event: Event


@dataclass(frozen=True)
class Refusal:
    """An event that is not allowed in a state; the state does not change."""

    state: ReferralState
    event: Event
    reason: Reason
    message: str


S, E = ReferralState, EventKind
_UNDO = {E.CANCEL: S.REVERSED, E.REFUND: S.REVERSED}
_TABLE: dict[ReferralState, dict[EventKind, ReferralState]] = {
    S.PENDING: {
        E.HOLD_ENDED: S.APPROVED,
        E.FLAG: S.FLAGGED,
        E.REJECT: S.REJECTED,
        E.PARTIAL_REFUND: S.PENDING,
        **_UNDO,
    },
    S.FLAGGED: {
        E.REVIEW_APPROVED: S.PENDING,
        E.REVIEW_REJECTED: S.REJECTED,
        E.PARTIAL_REFUND: S.FLAGGED,
        **_UNDO,
    },
    S.APPROVED: {E.REWARDS_ISSUED: S.REWARDED, E.PARTIAL_REFUND: S.APPROVED, **_UNDO},
    S.REWARDED: {E.PARTIAL_REFUND: S.REWARDED, **_UNDO},
    S.REJECTED: {},
    S.REVERSED: {},
}


def allowed_events(state: ReferralState) -> frozenset[EventKind]:
    """The events `state` accepts."""
    return frozenset(_TABLE[state])


def transition(state: ReferralState, event: Event) -> Transition | Refusal:
    """The transition `event` causes from `state`, or a refusal saying why it is illegal."""
    target = _TABLE[state].get(event.kind)
    if target is None:
        accepted = ", ".join(sorted(_TABLE[state])) or "nothing (it is final)"
        message = f"A {state} referral cannot take '{event.kind}'; it accepts {accepted}."
        return Refusal(state, event, Reason.ILLEGAL_TRANSITION, message)
    return Transition(state, target, event)
