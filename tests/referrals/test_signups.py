"""A friend's sign-up (claiming an offer) credits a milestone program's stage 0 once per friend."""

from __future__ import annotations

from dataclasses import replace

from connector.domain.program import program_to_dict
from connector.domain.program.presets import MILESTONES
from connector.domain.reasons import Reason
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import OfferClaimed, Refused, enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.programs import save_program
from connector.services.referrals.signups import record_signup, sign_up, signup_key
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.storefront import api
from connector.store.models import LedgerEntry, OfferClaim, Referral, ReferralEvent, Reward, Shop
from tests.conftest import Clock
from tests.referrals.helpers import SHOP, sandbox_shop

SIGN_UP_GIVES_50 = program_to_dict(replace(MILESTONES, hold_days=14))


async def milestone_shop(runtime: Runtime) -> Shop:
    """A sandbox shop whose program rewards the advocate 50 points per friend who signs up."""
    shop = await sandbox_shop(runtime, program=False)
    await save_program(runtime, shop, SIGN_UP_GIVES_50, actor="test")
    return shop


async def test_a_sign_up_is_planned_once_per_friend_and_issued_when_approved(
    runtime: Runtime, clock: Clock
) -> None:
    # Given Ana and Bo under the milestone program
    shop = await milestone_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    bo = (await enrol_advocate(runtime, shop, email="bo@example.org", name="Bo")).advocate

    # When Lucía signs up with Ana's code twice, then claims Bo's offer too
    first = await sign_up(runtime, shop, ana.friend_code, "Lucia@Example.org")
    again = await sign_up(runtime, shop, ana.friend_code, "lucia@example.org")
    other = await sign_up(runtime, shop, bo.friend_code, "lucia@example.org")

    # Then three answers, two claims, and one pending sign-up referral: Ana's
    assert [type(r) for r in (first, again, other)] == [OfferClaimed] * 3
    assert await OfferClaim.all().count() == 2
    referral = await Referral.get(shop=shop)
    assert (referral.qualifying_key, referral.stage, referral.advocate_id, referral.state) == (
        signup_key("lucia@example.org"), "signed_up", ana.id, "pending",
    )  # fmt: skip
    assert (referral.order_id, referral.friend_email, referral.hold_until) == (
        None, "lucia@example.org", clock.now,
    )  # fmt: skip
    assert [
        (e["signal"], e["value"], e["advocate_id"], e["matched"]) for e in referral.evidence
    ] == [("claimed_email", "lucia@example.org", str(ana.id), True)]
    assert "lucia" not in referral.qualifying_key

    # When the jobs run, the 50 points are approved and recorded in Ana's ledger
    assert await approve_due_referrals(runtime) == 1
    assert await issue_due_rewards(runtime) == 1

    reward = await Reward.get(referral_id=referral.id)
    assert (reward.kind, reward.points, reward.advocate_id, reward.status) == (  # type: ignore[attr-defined]
        "points", 50, ana.id, "recorded",
    )  # fmt: skip
    assert await LedgerEntry.filter(advocate_id=ana.id).values_list("points", flat=True) == [50]
    claim = await OfferClaim.get(advocate_id=ana.id)
    events = await ReferralEvent.filter(referral_id=referral.id).order_by("id").values_list(
        "from_state", "to_state", "event", "cause_kind", "cause_ref"
    )  # fmt: skip
    assert events == [
        (None, "pending", "created", "signup", str(claim.id)),
        ("pending", "approved", "hold_ended", "job", "approve_due_referrals"),
        ("approved", "rewarded", "rewards_issued", "job", "issue_due_rewards"),
    ]
    assert (await Referral.get(id=referral.id)).state == "rewarded"


async def test_a_program_without_a_sign_up_stage_records_no_sign_up(runtime: Runtime) -> None:
    shop = await sandbox_shop(runtime)  # the fixed program of the referral tests
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate

    claimed = await sign_up(runtime, shop, ana.friend_code, "lucia@example.org")

    assert isinstance(claimed, OfferClaimed)
    assert await record_signup(runtime, shop, ana.id, "lucia@example.org") is None
    assert await Referral.all().count() == 0


async def test_the_advocates_own_email_records_no_sign_up(runtime: Runtime) -> None:
    shop = await milestone_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate

    own = await sign_up(runtime, shop, ana.friend_code, "ANA@example.org")

    assert own == Refused(Reason.SAME_EMAIL, "An advocate cannot claim their own offer.")
    assert await Referral.all().count() == 0


async def test_a_storefront_claim_is_the_friends_sign_up(runtime: Runtime) -> None:
    shop = await milestone_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    visitor = api.Visitor("sandbox", SHOP, None, "198.51.100.23")

    answer = await api.claim(runtime, visitor, ana.friend_code, "lucia@example.org")

    assert answer == {"code": ana.friend_code}
    assert await Referral.all().values_list("qualifying_key", "stage", "state") == [
        (signup_key("lucia@example.org"), "signed_up", "pending")
    ]
