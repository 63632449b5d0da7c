from dataclasses import replace
from datetime import timedelta

import pytest

from connector.domain.program import CheckAction, FraudRules
from connector.domain.program.presets import FIXED
from connector.domain.reasons import Reason, Verdict
from connector.domain.rules.fraud import check_fraud, normalize_address
from tests.domain.factories import ADVOCATE, finding_for, history, identity, order, prior

SUSPICIOUS = {
    "self_referral": (Reason.SELF_REFERRAL, {"customer_id": "cust_ana"}, {}),
    "same_email": (
        Reason.SAME_EMAIL,
        {"email": "ANA+x@Example.com"},
        {"email": "ana+y@example.com"},
    ),
    "same_address": (
        Reason.SAME_ADDRESS,
        {
            "shipping_address": {
                "Address1": "9 ELM road ",
                "city": "Shelbyville",
                "postcode": "54321",
            }
        },
        {},
    ),
    "same_ip": (Reason.SAME_IP, {"ip_hash": "ip-ana"}, {}),
    "same_user_agent": (Reason.SAME_USER_AGENT, {"user_agent_hash": "ua-ana"}, {}),
    "disposable_email": (Reason.DISPOSABLE_EMAIL, {"email": "bo@yopmail.com"}, {}),
}
EXPECTED = {
    CheckAction.BLOCK: Verdict.BLOCK,
    CheckAction.FLAG: Verdict.FLAG,
    CheckAction.IGNORE: Verdict.IGNORED,
}


def program_with(check: str, action: CheckAction):
    return replace(FIXED, fraud=replace(FraudRules(), **{check: action}))


def test_a_clean_order_passes_every_check():
    findings = check_fraud(order(), FIXED, history(), ADVOCATE)
    assert [f.reason for f in findings] == [
        Reason.SELF_REFERRAL,
        Reason.SAME_EMAIL,
        Reason.SAME_ADDRESS,
        Reason.SAME_IP,
        Reason.SAME_USER_AGENT,
        Reason.DISPOSABLE_EMAIL,
        Reason.VELOCITY,
    ]
    assert all(f.verdict is Verdict.PASS for f in findings)


@pytest.mark.parametrize("action", list(CheckAction))
@pytest.mark.parametrize("check", sorted(SUSPICIOUS))
def test_each_check_follows_its_configured_action(check, action):
    reason, order_changes, identity_changes = SUSPICIOUS[check]
    known = history(advocates={ADVOCATE: identity(**identity_changes)})
    findings = check_fraud(order(**order_changes), program_with(check, action), known, ADVOCATE)
    finding = finding_for(findings, reason)
    assert finding.verdict is EXPECTED[action]
    assert finding.detail["action"] == str(action)
    others = [f for f in findings if f.reason is not reason]
    assert all(f.verdict is Verdict.PASS for f in others)


@pytest.mark.parametrize("action", list(CheckAction))
def test_velocity_counts_referrals_within_the_hours(action):
    rules = replace(FraudRules(), velocity=action, velocity_max=3, velocity_hours=24)
    program = replace(FIXED, fraud=rules)
    busy = history(referrals={ADVOCATE: prior(3, every=timedelta(hours=5))})
    finding = finding_for(check_fraud(order(), program, busy, ADVOCATE), Reason.VELOCITY)
    assert finding.verdict is EXPECTED[action]
    assert finding.detail["count"] == "4"


def test_velocity_ignores_referrals_older_than_the_window():
    program = replace(FIXED, fraud=replace(FraudRules(), velocity_max=3, velocity_hours=24))
    calm = history(referrals={ADVOCATE: prior(3, every=timedelta(hours=9))})
    finding = finding_for(check_fraud(order(), program, calm, ADVOCATE), Reason.VELOCITY)
    assert (finding.verdict, finding.detail["count"]) == (Verdict.PASS, "3")


def test_messages_explain_the_match_and_the_consequence():
    findings = check_fraud(order(customer_id="cust_ana"), FIXED, history(), ADVOCATE)
    assert finding_for(findings, Reason.SELF_REFERRAL).message == (
        f"The friend is advocate {ADVOCATE} themself (customer cust_ana). The referral is blocked."
    )


def test_program_extra_disposable_domains_are_checked():
    program = replace(FIXED, fraud=replace(FraudRules(), disposable_domains=("burner.test",)))
    findings = check_fraud(order(email="bo@burner.test"), program, history(), ADVOCATE)
    assert finding_for(findings, Reason.DISPOSABLE_EMAIL).verdict is Verdict.FLAG


def test_missing_facts_never_match():
    bare = order(
        customer_id=None, email=None, ip_hash=None, user_agent_hash=None, shipping_address={}
    )
    findings = check_fraud(bare, FIXED, history(advocates={}), ADVOCATE)
    assert all(f.verdict is Verdict.PASS for f in findings)


def test_address_normalization_ignores_case_punctuation_and_key_aliases():
    assert normalize_address({"address1": "1 Main St.", "ZIP": "12345"}) == normalize_address(
        {"Address1": " 1 main st ", "postcode": "12345"}
    )
    assert normalize_address({"city": "Nowhere"}) == ""
