from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from connector.domain.money import Money, quantum
from connector.domain.program import Caps
from connector.domain.program.kinds import RewardKind
from connector.domain.program.presets import (
    CHARITY,
    CONTEST,
    FIXED,
    LOYALTY,
    MILESTONES,
    PARTNERSHIP,
    SEASONAL,
    TIERED,
)
from connector.domain.reasons import Reason, Verdict
from connector.domain.referral import ReferralState
from connector.domain.rewards.amounts import Side
from connector.domain.rules.decide import decide, decide_signup
from connector.domain.rules.decision import Outcome
from connector.domain.rules.facts import Claim, CodeOwner
from tests.domain.factories import (
    ADVOCATE,
    NOW,
    finding_for,
    history,
    identity,
    lookup,
    order,
    prior,
)

USD = "USD"


def summary(decision):
    """(side, beneficiary, kind, money, points, stage) of each planned reward."""
    return [(r.side, r.beneficiary, r.kind, r.money, r.points, r.stage) for r in decision.rewards]


def test_fixed_program_credits_a_pending_referral_with_a_hold():
    decision = decide(order(), FIXED, history(), NOW)
    assert (decision.outcome, decision.reason, decision.state) == (
        Outcome.CREDIT_PENDING,
        None,
        ReferralState.PENDING,
    )
    assert (decision.advocate_id, decision.program_version) == (ADVOCATE, 1)
    assert decision.hold_until == NOW + timedelta(days=14)
    assert summary(decision) == [
        (Side.ADVOCATE, ADVOCATE, RewardKind.STORE_CREDIT, Money.of("10.00", USD), None, "base")
    ]
    assert decision.order_value == Money.of("80.00", USD)
    assert all(f.ok for f in decision.findings)


def test_tiered_program_pays_by_the_referral_number():
    fifth = decide(order(), TIERED, history(referrals={ADVOCATE: prior(4)}), NOW)
    sixth = decide(order(), TIERED, history(referrals={ADVOCATE: prior(5)}), NOW)
    assert fifth.rewards[0].money == Money.of("10.00", USD)
    assert sixth.rewards[0].money == Money.of("25.00", USD)
    tier = finding_for(sixth.findings, Reason.TIER)
    assert tier.message == f"This is referral number 6 of advocate {ADVOCATE}: tier 2."


def test_milestone_program_rewards_each_stage():
    first = decide(order(), MILESTONES, history(), NOW)
    assert summary(first) == [
        (
            Side.ADVOCATE,
            ADVOCATE,
            RewardKind.STORE_CREDIT,
            Money.of("10.00", USD),
            None,
            "first_purchase",
        ),
        (
            Side.FRIEND,
            "cust_bo",
            RewardKind.STORE_CREDIT,
            Money.of("5.00", USD),
            None,
            "first_purchase",
        ),
    ]
    claimed = lookup(claims={"bo@example.com": (Claim(ADVOCATE, NOW - timedelta(days=20)),)})
    second = decide(
        order(order_id="1002", discount_codes=()),
        MILESTONES,
        history(lookup=claimed, friend_prior_orders=1),
        NOW,
    )
    assert summary(second) == [
        (
            Side.ADVOCATE,
            ADVOCATE,
            RewardKind.STORE_CREDIT,
            Money.of("15.00", USD),
            None,
            "second_purchase",
        )
    ]
    third = decide(order(order_id="1003"), MILESTONES, history(friend_prior_orders=2), NOW)
    assert (third.outcome, third.reason, third.rewards) == (Outcome.IGNORE, Reason.NO_MILESTONE, ())


def test_milestone_sign_up_stage():
    decision = decide_signup(
        "demo.myshopify.com", "bo@example.com", ADVOCATE, MILESTONES, history(), NOW
    )
    assert decision.outcome is Outcome.CREDIT_PENDING
    assert summary(decision) == [
        (Side.ADVOCATE, ADVOCATE, RewardKind.POINTS, None, 50, "signed_up")
    ]
    assert decision.order_id == "signup:bo@example.com"
    own = decide_signup(
        "demo.myshopify.com", "ana@example.com", ADVOCATE, MILESTONES, history(), NOW
    )
    assert (own.outcome, own.reason, own.rewards) == (Outcome.REJECT, Reason.SAME_EMAIL, ())


def test_contest_program_enters_orders_placed_in_the_window():
    june = datetime(2026, 6, 10, tzinfo=UTC)
    decision = decide(order(created_at=june), CONTEST, history(), june)
    assert decision.contest_id == "june-2026"
    assert decision.rewards[0].money == Money.of("5.00", USD)
    outside = decide(order(), CONTEST, history(), NOW)
    assert outside.contest_id is None
    entry = finding_for(outside.findings, Reason.CONTEST_ENTRY)
    assert entry.verdict is Verdict.IGNORED


def test_seasonal_campaign_multiplies_and_adds_an_extra_reward():
    holiday = datetime(2026, 11, 28, tzinfo=UTC)
    decision = decide(order(created_at=holiday), SEASONAL, history(), holiday)
    assert summary(decision) == [
        (Side.ADVOCATE, ADVOCATE, RewardKind.STORE_CREDIT, Money.of("20.00", USD), None, "base"),
        (Side.ADVOCATE, ADVOCATE, RewardKind.FREE_SHIPPING, None, None, "campaign:holidays-2026"),
    ]
    ordinary = decide(order(), SEASONAL, history(), NOW)
    assert summary(ordinary) == [
        (Side.ADVOCATE, ADVOCATE, RewardKind.STORE_CREDIT, Money.of("10.00", USD), None, "base")
    ]


def test_charity_program_donates_to_the_advocates_cause_or_the_default():
    picked = decide(
        order(), CHARITY, history(advocates={ADVOCATE: identity(cause_id="ocean")}), NOW
    )
    (donation,) = picked.rewards
    assert (donation.kind, donation.money, donation.cause_id) == (
        RewardKind.CHARITY_DONATION,
        Money.of("5.00", USD),
        "ocean",
    )
    default = decide(order(), CHARITY, history(), NOW)
    assert default.rewards[0].cause_id == "trees"
    cause = finding_for(default.findings, Reason.CHARITY_CAUSE)
    assert cause.message == "The donation goes to One Tree Planted (the program's default)."


def test_partnership_code_credits_the_partner_account_with_commission():
    partner_code = lookup(codes={"ACME-2026": CodeOwner("partner:acme")})
    decision = decide(
        order(discount_codes=("acme-2026",)), PARTNERSHIP, history(lookup=partner_code), NOW
    )
    assert decision.advocate_id == "partner:acme"
    assert summary(decision) == [
        (
            Side.ADVOCATE,
            "partner:acme",
            RewardKind.CASH,
            Money.of("8.00", USD),
            None,
            "partner:acme",
        )
    ]
    big = decide(
        order(discount_codes=("ACME-2026",), subtotal=Decimal("900.00"), total=Decimal("900.00")),
        PARTNERSHIP,
        history(lookup=partner_code),
        NOW,
    )
    assert big.rewards[0].money == Money.of("50.00", USD)
    plain = decide(order(), PARTNERSHIP, history(), NOW)
    assert plain.rewards[0].money == Money.of("10.00", USD)


def test_loyalty_program_gives_points_with_the_vip_multiplier():
    decision = decide(order(), LOYALTY, history(advocate_lifetime_points={ADVOCATE: 5000}), NOW)
    assert summary(decision) == [
        (Side.ADVOCATE, ADVOCATE, RewardKind.POINTS, None, 750, "base"),
        (Side.FRIEND, "cust_bo", RewardKind.POINTS, None, 160, "base"),
    ]
    vip = finding_for(decision.findings, Reason.VIP_TIER)
    assert vip.message == "VIP tier Gold multiplies the advocate's points by 1.5."


def test_unpaid_orders_are_ignored_until_paid():
    decision = decide(order(paid=False), FIXED, history(), NOW)
    assert (decision.outcome, decision.reason, decision.state, decision.rewards) == (
        Outcome.IGNORE,
        Reason.NOT_PAID,
        None,
        (),
    )


def test_rejections_keep_every_finding_and_plan_nothing():
    decision = decide(order(is_test=True, customer_id="cust_ana"), FIXED, history(), NOW)
    assert (decision.outcome, decision.reason, decision.state) == (
        Outcome.REJECT,
        Reason.TEST_ORDER,
        ReferralState.REJECTED,
    )
    assert decision.rewards == ()
    assert decision.hold_until is None
    blocked = [f.reason for f in decision.findings if f.verdict is Verdict.BLOCK]
    assert blocked == [Reason.TEST_ORDER, Reason.SELF_REFERRAL]


def test_flagged_referrals_wait_for_review_with_their_rewards_planned():
    decision = decide(order(ip_hash="ip-ana"), FIXED, history(), NOW)
    assert (decision.outcome, decision.reason, decision.state) == (
        Outcome.FLAG_FOR_REVIEW,
        Reason.SAME_IP,
        ReferralState.FLAGGED,
    )
    assert decision.rewards[0].money == Money.of("10.00", USD)
    assert decision.hold_until == NOW + timedelta(days=14)


def test_an_order_credits_at_most_once():
    decision = decide(order(), FIXED, history(already_credited=True), NOW)
    assert (decision.outcome, decision.reason, decision.rewards) == (
        Outcome.IGNORE,
        Reason.ALREADY_CREDITED,
        (),
    )


def test_orders_without_a_referral_signal_are_ignored_with_evidence():
    decision = decide(order(discount_codes=("SUMMER10",)), FIXED, history(), NOW)
    assert (decision.outcome, decision.reason, decision.advocate_id) == (
        Outcome.IGNORE,
        Reason.NO_ATTRIBUTION,
        None,
    )
    assert decision.attribution is not None
    assert len(decision.attribution.evidence) == 4


def test_caps_reject_with_their_reason():
    program = replace(FIXED, caps=Caps(lifetime=3))
    decision = decide(order(), program, history(referrals={ADVOCATE: prior(3)}), NOW)
    assert (decision.outcome, decision.reason) == (Outcome.REJECT, Reason.CAP_LIFETIME)


def test_an_order_without_a_rate_to_the_shop_currency_is_held_with_its_flat_rewards():
    decision = decide(order(currency="EUR"), FIXED, history(), NOW)
    assert (decision.outcome, decision.reason, decision.order_value) == (
        Outcome.FLAG_FOR_REVIEW,
        Reason.CURRENCY_MISMATCH,
        None,
    )
    assert [(r.side, r.money) for r in decision.rewards] == [
        (Side.ADVOCATE, Money.of("10.00", "USD"))
    ]


def test_an_order_paid_in_another_currency_is_judged_in_shop_money():
    # Shop USD; the buyer paid 73.60 EUR at 0.92 EUR per USD: the parser gives 80.00 USD.
    paid = order(presentment_currency="EUR", exchange_rate=Decimal("0.92"))
    decision = decide(paid, FIXED, history(), NOW)
    assert (decision.outcome, decision.order_value) == (
        Outcome.CREDIT_PENDING,
        Money.of("80.00", "USD"),
    )
    found = next(f for f in decision.findings if f.reason is Reason.CURRENCY_MISMATCH)
    assert found.message == (
        "Paid in EUR; judged in the shop currency USD at the order's rate of 0.92 EUR per USD."
    )


def test_decisions_are_deterministic():
    assert decide(order(), LOYALTY, history(), NOW) == decide(order(), LOYALTY, history(), NOW)


@given(
    subtotal=st.decimals(min_value=0, max_value=10_000, places=2),
    refunded_share=st.integers(min_value=0, max_value=100),
    paid=st.booleans(),
    is_test=st.booleans(),
    prior_orders=st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
    earlier=st.integers(min_value=0, max_value=8),
    credited=st.booleans(),
    program=st.sampled_from(
        [FIXED, TIERED, MILESTONES, CONTEST, SEASONAL, CHARITY, PARTNERSHIP, LOYALTY]
    ),
)
def test_every_decision_is_consistent(
    subtotal, refunded_share, paid, is_test, prior_orders, earlier, credited, program
):
    total = subtotal + Decimal("6.40")
    refunded = (total * refunded_share / 100).quantize(Decimal("0.01"))
    facts = order(subtotal=subtotal, total=total, refunded=refunded, paid=paid, is_test=is_test)
    known = history(
        friend_prior_orders=prior_orders,
        referrals={ADVOCATE: prior(earlier)},
        already_credited=credited,
    )
    decision = decide(facts, program, known, NOW)
    live = decision.outcome in (Outcome.CREDIT_PENDING, Outcome.FLAG_FOR_REVIEW)
    if credited:
        assert decision.outcome is Outcome.IGNORE
    if not live:
        assert decision.rewards == ()
    keys = [r.idempotency_key for r in decision.rewards]
    assert len(keys) == len(set(keys))
    for reward in decision.rewards:
        if reward.money is not None:
            assert reward.money.currency == program.currency
            assert reward.money.amount == reward.money.amount.quantize(quantum(USD))
            assert reward.money.amount > 0
        if reward.points is not None:
            assert isinstance(reward.points, int)
            assert reward.points > 0
