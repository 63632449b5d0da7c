from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.domain.money import Money
from connector.domain.program.presets import FIXED, LOYALTY, PARTNERSHIP
from connector.domain.reasons import Reason
from connector.domain.referral import ReferralState
from connector.domain.rules.decide import decide
from connector.domain.rules.decision import AdjustmentAction, Outcome
from connector.domain.rules.facts import CodeOwner
from connector.domain.rules.lifecycle import IssuedReward, on_hold_expired, on_order_change
from tests.domain.factories import NOW, history, lookup, order, referral

LATER = NOW + timedelta(days=3)
PARTNER_CODE = lookup(codes={"ANA-7KQ4": CodeOwner("partner:acme")})


def credited(program, **order_changes):
    """A stored referral holding the rewards `decide` planned for the order."""
    decision = decide(order(**order_changes), program, history(), NOW)
    return referral(rewards=decision.rewards, hold_until=decision.hold_until)


def test_cancel_during_the_hold_voids_the_referral():
    decision = on_order_change(order(cancelled=True), credited(FIXED), FIXED, LATER)
    assert (decision.outcome, decision.reason, decision.state) == (
        Outcome.VOID,
        Reason.CANCELLED,
        ReferralState.REVERSED,
    )
    assert decision.adjustments == ()


def test_full_refund_of_a_flagged_referral_voids_it():
    stored = replace(credited(FIXED), state=ReferralState.FLAGGED)
    decision = on_order_change(order(refunded=Decimal("86.40")), stored, FIXED, LATER)
    assert (decision.outcome, decision.reason) == (Outcome.VOID, Reason.REFUNDED)


def test_refund_after_rewards_deactivates_unused_and_claws_back_used():
    stored = credited(FIXED)
    (reward,) = stored.rewards
    used = replace(stored, state=ReferralState.REWARDED, issued=(IssuedReward(reward, used=True),))
    unused = replace(used, issued=(IssuedReward(reward, used=False),))
    refund = order(refunded=Decimal("86.40"))
    clawed = on_order_change(refund, used, FIXED, LATER)
    assert (clawed.outcome, clawed.state) == (Outcome.REVERSE, ReferralState.REVERSED)
    (adjustment,) = clawed.adjustments
    assert (adjustment.action, adjustment.money, adjustment.idempotency_key) == (
        AdjustmentAction.CLAWBACK,
        Money.of("10.00", "USD"),
        reward.idempotency_key,
    )
    assert adjustment.note == "The 10.00 USD store credit was already used; recorded as owed back."
    (deactivate,) = on_order_change(refund, unused, FIXED, LATER).adjustments
    assert deactivate.action is AdjustmentAction.DEACTIVATE


def test_cancel_of_an_approved_referral_stops_rewards_not_yet_issued():
    stored = replace(credited(FIXED), state=ReferralState.APPROVED)
    decision = on_order_change(order(cancelled=True), stored, FIXED, LATER)
    assert [a.action for a in decision.adjustments] == [AdjustmentAction.DEACTIVATE]


def test_partial_refund_recomputes_value_based_rewards_pro_rata():
    partner = decide(order(), PARTNERSHIP, history(lookup=PARTNER_CODE), NOW)
    stored = referral(rewards=partner.rewards, advocate_id="partner:acme")
    assert partner.rewards[0].money == Money.of("8.00", "USD")
    refunded = order(total=Decimal("100.00"), refunded=Decimal("25.00"))
    decision = on_order_change(refunded, stored, PARTNERSHIP, LATER)
    assert (decision.outcome, decision.state) == (Outcome.RECOMPUTE, ReferralState.PENDING)
    assert decision.order_value == Money.of("60.00", "USD")
    assert [r.money for r in decision.rewards] == [Money.of("6.00", "USD")]
    assert decision.adjustments == ()


def test_partial_refund_after_issue_reduces_unused_and_claws_back_used():
    partner = decide(order(), PARTNERSHIP, history(lookup=PARTNER_CODE), NOW)
    (reward,) = partner.rewards
    issued = referral(
        rewards=partner.rewards, state=ReferralState.REWARDED, issued=(IssuedReward(reward),)
    )
    refunded = order(total=Decimal("100.00"), refunded=Decimal("25.00"))
    (reduce,) = on_order_change(refunded, issued, PARTNERSHIP, LATER).adjustments
    assert (reduce.action, reduce.money, reduce.reason) == (
        AdjustmentAction.REDUCE,
        Money.of("2.00", "USD"),
        Reason.PARTIAL_REFUND,
    )
    used = replace(issued, issued=(IssuedReward(reward, used=True),))
    (claw,) = on_order_change(refunded, used, PARTNERSHIP, LATER).adjustments
    assert claw.action is AdjustmentAction.CLAWBACK


def test_partial_refund_keeps_flat_rewards():
    stored = credited(FIXED)
    decision = on_order_change(
        order(total=Decimal("100.00"), refunded=Decimal("10.00")), stored, FIXED, LATER
    )
    assert decision.outcome is Outcome.RECOMPUTE
    assert decision.rewards == stored.rewards
    assert decision.findings[-1].message == "10.00 USD store credit is a flat reward and stays."


def test_partial_refund_below_the_minimum_counts_as_a_full_refund():
    stored = credited(FIXED)
    decision = on_order_change(
        order(total=Decimal("100.00"), refunded=Decimal("70.00")), stored, FIXED, LATER
    )
    assert (decision.outcome, decision.reason) == (Outcome.VOID, Reason.BELOW_MINIMUM)
    assert (
        decision.findings[0].message
        == "After the partial refund the order's value 24.00 USD is below the minimum 25.00 USD."
    )


def test_final_referrals_and_unchanged_orders_are_ignored():
    done = replace(credited(FIXED), state=ReferralState.REVERSED)
    assert on_order_change(order(cancelled=True), done, FIXED, LATER).reason is Reason.NOTHING_TO_DO
    assert on_order_change(order(), credited(FIXED), FIXED, LATER).outcome is Outcome.IGNORE


def test_the_program_version_must_be_the_one_judged_under():
    with pytest.raises(ValueError, match="judged under program v1, got v2"):
        on_order_change(order(), credited(FIXED), replace(FIXED, version=2), LATER)


def test_hold_expiry_approves_a_pending_referral_with_its_rewards():
    stored = credited(FIXED)
    early = on_hold_expired(stored, stored.hold_until - timedelta(seconds=1))
    assert (early.outcome, early.reason) == (Outcome.IGNORE, Reason.HOLD_ACTIVE)
    due = on_hold_expired(stored, stored.hold_until)
    assert (due.outcome, due.state, due.rewards) == (
        Outcome.APPROVE,
        ReferralState.APPROVED,
        stored.rewards,
    )


def test_hold_expiry_leaves_flagged_and_other_referrals_alone():
    stored = credited(FIXED)
    late = stored.hold_until + timedelta(days=1)
    assert (
        on_hold_expired(replace(stored, state=ReferralState.FLAGGED), late).reason
        is Reason.AWAITING_REVIEW
    )
    assert (
        on_hold_expired(replace(stored, state=ReferralState.REWARDED), late).reason
        is Reason.NOTHING_TO_DO
    )


@given(
    state=st.sampled_from(list(ReferralState)),
    used=st.lists(st.booleans(), min_size=2, max_size=2),
    cancelled=st.booleans(),
)
def test_a_fully_refunded_order_leaves_no_live_reward(state, used, cancelled):
    decision = decide(order(), LOYALTY, history(), NOW)
    stored = referral(
        state=state,
        rewards=decision.rewards,
        issued=tuple(IssuedReward(r, u) for r, u in zip(decision.rewards, used, strict=True))
        if state in (ReferralState.APPROVED, ReferralState.REWARDED)
        else (),
    )
    gone = order(refunded=Decimal("86.40"), cancelled=cancelled)
    result = on_order_change(gone, stored, LOYALTY, LATER)
    if state in (ReferralState.REJECTED, ReferralState.REVERSED):
        assert result.outcome is Outcome.IGNORE
        return
    assert result.state is ReferralState.REVERSED
    if state in (ReferralState.PENDING, ReferralState.FLAGGED):
        assert result.outcome is Outcome.VOID
        return
    undone = {a.idempotency_key: a.action for a in result.adjustments}
    for issued in stored.issued:
        expected = AdjustmentAction.CLAWBACK if issued.used else AdjustmentAction.DEACTIVATE
        assert undone[issued.plan.idempotency_key] is expected
