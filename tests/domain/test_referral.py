from hypothesis import given
from hypothesis import strategies as st

from connector.domain.reasons import Reason
from connector.domain.referral import (
    FINAL_STATES,
    Event,
    EventKind,
    ReferralState,
    Refusal,
    Transition,
    allowed_events,
    transition,
)
from tests.domain.factories import NOW

S, E = ReferralState, EventKind


def event(kind, reason=Reason.HOLD_ENDED, actor="system"):
    return Event(kind, NOW, reason, actor)


def test_the_happy_path_records_each_transition_with_its_cause():
    hold = transition(S.PENDING, event(E.HOLD_ENDED))
    assert hold == Transition(S.PENDING, S.APPROVED, event(E.HOLD_ENDED))
    issued = transition(S.APPROVED, event(E.REWARDS_ISSUED, Reason.REWARDS_ISSUED))
    assert isinstance(issued, Transition)
    assert issued.to_state is S.REWARDED


def test_review_approves_back_to_pending_or_rejects_with_the_reviewer():
    approved = transition(S.FLAGGED, event(E.REVIEW_APPROVED, Reason.REVIEW_APPROVED, "user:7"))
    assert isinstance(approved, Transition)
    assert approved.to_state is S.PENDING
    assert approved.event.actor == "user:7"
    rejected = transition(S.FLAGGED, event(E.REVIEW_REJECTED, Reason.SAME_ADDRESS, "user:7"))
    assert isinstance(rejected, Transition)
    assert rejected.to_state is S.REJECTED


def test_cancel_or_refund_reverses_from_every_live_state():
    for state in (S.PENDING, S.FLAGGED, S.APPROVED, S.REWARDED):
        for kind in (E.CANCEL, E.REFUND):
            result = transition(state, event(kind, Reason.REFUNDED))
            assert isinstance(result, Transition)
            assert result.to_state is S.REVERSED


def test_partial_refund_keeps_the_state():
    for state in (S.PENDING, S.FLAGGED, S.APPROVED, S.REWARDED):
        result = transition(state, event(E.PARTIAL_REFUND, Reason.PARTIAL_REFUND))
        assert isinstance(result, Transition)
        assert result.to_state is state


def test_illegal_transitions_are_refused_with_a_reason():
    refused = transition(S.FLAGGED, event(E.HOLD_ENDED))
    assert refused == Refusal(
        S.FLAGGED,
        event(E.HOLD_ENDED),
        Reason.ILLEGAL_TRANSITION,
        "A flagged referral cannot take 'hold_ended'; it accepts cancel, partial_refund, refund, review_approved, review_rejected.",
    )
    final = transition(S.REVERSED, event(E.REFUND, Reason.REFUNDED))
    assert isinstance(final, Refusal)
    assert (
        final.message
        == "A reversed referral cannot take 'refund'; it accepts nothing (it is final)."
    )
    assert isinstance(transition(S.PENDING, event(E.REWARDS_ISSUED)), Refusal)
    assert isinstance(transition(S.REWARDED, event(E.HOLD_ENDED)), Refusal)


def test_final_states_accept_nothing():
    assert all(allowed_events(state) == frozenset() for state in FINAL_STATES)


@given(
    st.sampled_from([S.PENDING, S.FLAGGED]),
    st.lists(st.sampled_from(list(EventKind)), max_size=30),
)
def test_random_event_sequences_never_reach_an_illegal_state(start, kinds):
    state = start
    rewarded_before = False
    for kind in kinds:
        result = transition(state, event(kind))
        if isinstance(result, Refusal):
            assert kind not in allowed_events(state)
            continue
        assert result.from_state is state
        assert kind in allowed_events(state)
        if result.to_state is S.REWARDED and state is not S.REWARDED:
            assert state is S.APPROVED  # rewards are only issued after approval
        if state in FINAL_STATES:
            raise AssertionError("a final state moved")
        rewarded_before = rewarded_before or result.to_state is S.REWARDED
        state = result.to_state
    assert state in set(ReferralState)
    if rewarded_before:
        assert state in (S.REWARDED, S.REVERSED)
