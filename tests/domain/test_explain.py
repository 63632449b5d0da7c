from datetime import timedelta

from connector.domain.program.presets import FIXED
from connector.domain.referral import ReferralState
from connector.domain.rules.decide import decide
from connector.domain.rules.explain import explain
from connector.domain.rules.lifecycle import IssuedReward, on_order_change
from tests.domain.factories import ADVOCATE, NOW, history, order, referral


def test_explain_lists_the_outcome_signals_rules_checks_and_rewards():
    decision = decide(order(ip_hash="ip-ana"), FIXED, history(), NOW)
    lines = explain(decision)
    key = decision.rewards[0].idempotency_key
    assert lines[:8] == [
        "Order 1001 (demo.myshopify.com) would be credited but flagged for a person to review (same_ip), under program version 1.",
        f"Advocate: {ADVOCATE}.",
        "Qualifying order value: 80.00 USD.",
        "Attribution signals:",
        f"  [match] 1 discount code: Discount code ANA-7KQ4 belongs to advocate {ADVOCATE}.",
        "  [  -  ] 2 cart attribute: No referral in cart attributes.",
        "  [  -  ] 3 landing ref: The order has no landing referral.",
        "  [  -  ] 4 claimed email: The friend's email has claimed no offer.",
    ]
    assert "Rules and checks:" in lines
    assert (
        f"  [FLAG   ] same_ip: The order came from the IP address advocate {ADVOCATE} used: on record. The referral waits for a person to review it."
        in lines
    )
    assert (
        "  [PASS   ] below_minimum: The qualifying value 80.00 USD meets the minimum of 25.00 USD."
        in lines
    )
    assert lines[-3:] == [
        "Rewards:",
        f"  advocate {ADVOCATE}: 10.00 USD store credit [base] key {key}",
        f"Hold until: {(NOW + timedelta(days=14)).isoformat()}.",
    ]


def test_explain_shows_a_rejection_without_rewards():
    lines = explain(decide(order(is_test=True), FIXED, history(), NOW))
    assert (
        lines[0]
        == "Order 1001 (demo.myshopify.com) would be rejected (test_order), under program version 1."
    )
    assert not any(line.startswith("Rewards") for line in lines)
    assert not any(line.startswith("Hold until") for line in lines)


def test_explain_shows_reward_adjustments():
    planned = decide(order(), FIXED, history(), NOW).rewards
    stored = referral(
        state=ReferralState.REWARDED, rewards=planned, issued=(IssuedReward(planned[0], used=True),)
    )
    lines = explain(on_order_change(order(cancelled=True), stored, FIXED, NOW))
    assert (
        lines[0]
        == "Order 1001 (demo.myshopify.com) reverses the referral and its rewards (cancelled), under program version 1."
    )
    assert lines[-3:-1] == [
        "Reward adjustments:",
        f"  clawback {planned[0].idempotency_key}: The 10.00 USD store credit was already used; recorded as owed back.",
    ]
