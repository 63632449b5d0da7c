from dataclasses import replace
from datetime import timedelta

import pytest

from connector.domain.program import CheckAction, FraudRules
from connector.domain.program.presets import FIXED
from connector.domain.reasons import Reason, Verdict
from connector.domain.rules.fraud import address_key, check_fraud, normalize_address
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
        Reason.BLOCKLIST,
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


ELM = {"address1": "9 Elm Road", "city": "Shelbyville", "zip": "54321"}
SEEN = {
    "ip-ana": "joining in the widget",
    "ua-ana": "a click on her own link",
    address_key(ELM): "the billing address of order 1001",
}


@pytest.mark.parametrize(
    ("reason", "changes", "message"),
    [
        (Reason.SAME_IP, {"ip_hash": "ip-ana"},
         f"The order came from the IP address advocate {ADVOCATE} used: joining in the widget."),
        (Reason.SAME_USER_AGENT, {"user_agent_hash": "ua-ana"},
         f"The order came from the browser (user agent) advocate {ADVOCATE} used: "
         "a click on her own link."),
        (Reason.SAME_ADDRESS, {"billing_address": {"Address1": "9 ELM road", "city": "Shelbyville",
                                                   "postcode": "54321"}},
         f"The order's billing address is the one advocate {ADVOCATE} used: "
         "the billing address of order 1001."),
    ],
)  # fmt: skip
def test_a_match_names_what_matched_and_where_the_advocate_used_it(reason, changes, message):
    who = identity(shipping_addresses=(), address_keys=(address_key(ELM),), seen=SEEN)
    rules = replace(FIXED, fraud=replace(FraudRules(), same_user_agent=CheckAction.FLAG))
    findings = check_fraud(order(**changes), rules, history(advocates={ADVOCATE: who}), ADVOCATE)
    finding = finding_for(findings, reason)
    assert finding.verdict is Verdict.FLAG
    assert finding.message == f"{message} The referral waits for a person to review it."


def test_with_nothing_of_the_advocates_on_record_no_check_claims_a_difference():
    bare = identity(shipping_addresses=(), ip_hashes=(), user_agent_hashes=())
    findings = check_fraud(order(), FIXED, history(advocates={ADVOCATE: bare}), ADVOCATE)
    messages = {f.reason: f.message for f in findings}
    assert messages[Reason.SAME_ADDRESS] == (
        f"No address of advocate {ADVOCATE}'s is on record to compare with."
    )
    assert messages[Reason.SAME_IP] == (
        f"No IP address of advocate {ADVOCATE}'s is on record to compare with."
    )
    assert messages[Reason.SAME_USER_AGENT] == (
        f"No browser (user agent) of advocate {ADVOCATE}'s is on record to compare with."
    )
    assert all("not one" not in m and "not ones" not in m for m in messages.values())


def test_recorded_values_that_differ_say_so():
    findings = check_fraud(order(), FIXED, history(), ADVOCATE)
    messages = {f.reason: f.message for f in findings}
    assert messages[Reason.SAME_IP] == "The order's IP address is not one the advocate used."
    assert messages[Reason.SAME_ADDRESS] == (
        "The order's addresses are not ones the advocate's orders used."
    )


BLOCKED = {
    "email": ({"email": "Bo+promo@Example.org"}, ("email", "bo@example.org"), "friend"),
    "domain": ({"email": "bo@spam.test"}, ("domain", "spam.test"), "friend"),
    "customer": ({"customer_id": "cust_bo"}, ("customer", "cust_bo"), "friend"),
    "ip": ({"ip_hash": "ip-bo"}, ("ip", "ip-bo"), "friend"),
    "address": ({"shipping_address": ELM}, ("address", address_key(ELM)), "friend"),
    "advocate": ({}, ("customer", "cust_ana"), "advocate"),
}


@pytest.mark.parametrize("action", list(CheckAction))
@pytest.mark.parametrize("kind", sorted(BLOCKED))
def test_a_blocklist_entry_matches_and_names_itself(kind, action):
    changes, entry, whose = BLOCKED[kind]
    listed = history(blocklist={entry: "what the merchant typed"})
    findings = check_fraud(order(**changes), program_with("blocklist", action), listed, ADVOCATE)
    finding = finding_for(findings, Reason.BLOCKLIST)
    assert finding.verdict is EXPECTED[action]
    assert (finding.detail["kind"], finding.detail["whose"]) == (entry[0], whose)
    assert finding.message.startswith(f"The {whose}'s ")
    assert "what the merchant typed is on the shop's blocklist." in finding.message


@pytest.mark.parametrize("kind", sorted(BLOCKED))
def test_a_blocklist_entry_for_other_values_does_not_match(kind):
    _changes, entry, _whose = BLOCKED[kind]
    listed = history(blocklist={(entry[0], "someone-else"): "another"})
    findings = check_fraud(order(), program_with("blocklist", CheckAction.BLOCK), listed, ADVOCATE)
    assert finding_for(findings, Reason.BLOCKLIST).verdict is Verdict.PASS
