"""Flagged referrals wait for a person; approving or rejecting records who decided and why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.domain.reasons import Reason
from connector.domain.referral import ReferralState, Refusal, Transition
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import (
    ReferralNotFound,
    approve_due_referrals,
    approve_referral,
    reject_referral,
)
from connector.services.referrals.views import referral_detail, review_queue
from connector.store.models import Referral, ReferralEvent, Reward, Shop
from tests.conftest import Clock
from tests.referrals.helpers import deliver, order_body, sandbox_shop

THROWAWAY = "quick.friend@mailinator.com"


async def _flagged(runtime: Runtime, clock: Clock) -> tuple[Shop, Referral]:
    """A referral whose friend used a disposable email address (flagged by default)."""
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    body = order_body(7001, clock.now - timedelta(hours=1), code=ana.friend_code, email=THROWAWAY)
    await deliver(runtime, body, "d-paid")
    return shop, await Referral.get()


async def test_a_flagged_referral_waits_in_the_queue_with_its_reason(
    runtime: Runtime, clock: Clock
) -> None:
    shop, referral = await _flagged(runtime, clock)

    queue = await review_queue(shop)
    detail = await referral_detail(referral.id, shop)

    assert [(r.id, r.state, r.state_reason) for r in queue] == [
        (referral.id, "flagged", "disposable_email")
    ]
    assert detail.explanation[1] == "State: flagged (disposable_email)."
    assert (
        f"  [FLAG   ] disposable_email: The friend's email {THROWAWAY} uses a disposable domain."
        " The referral waits for a person to review it."
    ) in detail.explanation
    assert "  [match] 1 discount code: Discount code " in "\n".join(detail.explanation)
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 0  # the hold alone does not approve it


async def test_approving_a_flagged_referral_records_who_and_the_hold_then_approves_it(
    runtime: Runtime, clock: Clock
) -> None:
    shop, referral = await _flagged(runtime, clock)

    step = await approve_referral(runtime, shop, referral.id, "maria@shop", "Called the friend.")

    assert isinstance(step, Transition)
    assert (step.from_state, step.to_state) == (ReferralState.FLAGGED, ReferralState.PENDING)
    event = await ReferralEvent.filter(referral_id=referral.id).order_by("-id").first()
    assert event is not None
    assert (event.event, event.reason, event.cause_kind, event.cause_ref, event.note) == (
        "review_approved",
        "review_approved",
        "person",
        "maria@shop",
        "Called the friend.",
    )
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 1
    assert (await Referral.get()).state == "approved"


async def test_rejecting_records_who_and_nothing_is_ever_issued(
    runtime: Runtime, clock: Clock
) -> None:
    shop, referral = await _flagged(runtime, clock)

    step = await reject_referral(runtime, shop, referral.id, "maria@shop", "Same household.")

    assert isinstance(step, Transition)
    stored = await Referral.get()
    assert (stored.state, stored.state_reason) == ("rejected", "review_rejected")
    detail = await referral_detail(referral.id)
    assert [(e.event, e.cause_kind, e.cause_ref, e.note) for e in detail.events] == [
        ("created", "delivery", detail.events[0].cause_ref, ""),
        ("review_rejected", "person", "maria@shop", "Same household."),
    ]
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 0
    assert await Reward.all().count() == 0


async def test_approving_a_referral_that_is_not_flagged_is_refused(
    runtime: Runtime, clock: Clock
) -> None:
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    await deliver(runtime, order_body(7002, clock.now, code=ana.friend_code), "d-paid")
    referral = await Referral.get()

    answer = await approve_referral(runtime, shop, referral.id, "maria@shop")

    assert isinstance(answer, Refusal)
    assert (answer.state, answer.reason) == (ReferralState.PENDING, Reason.ILLEGAL_TRANSITION)
    assert (await Referral.get()).state == "pending"
    assert await ReferralEvent.all().count() == 1
    with pytest.raises(ReferralNotFound):
        await reject_referral(runtime, shop, referral.id + 1, "maria@shop")
    with pytest.raises(ValueError, match="who decided"):
        await reject_referral(runtime, shop, referral.id, "  ")
