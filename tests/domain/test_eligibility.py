from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from connector.domain.money import Money
from connector.domain.program import Caps
from connector.domain.program.presets import FIXED
from connector.domain.reasons import Reason, Verdict
from connector.domain.referral import ReferralState
from connector.domain.rules.eligibility import check_order, order_value
from connector.domain.rules.facts import OrderLine
from tests.domain.factories import ADVOCATE, finding_for, history, order, prior

LINES = (
    OrderLine("p-shoes", 1, Decimal("50.00"), ("c-sale",)),
    OrderLine("p-gift-card", 1, Decimal("30.00")),
)


def verdicts(findings):
    return {f.reason: f.verdict for f in findings}


def test_a_good_order_passes_every_rule_in_order():
    findings = check_order(order(), FIXED, history(), ADVOCATE)
    assert [f.reason for f in findings] == [
        Reason.NOT_PAID,
        Reason.TEST_ORDER,
        Reason.CURRENCY_MISMATCH,
        Reason.EXCLUDED_PRODUCT,
        Reason.BELOW_MINIMUM,
        Reason.NOT_NEW_CUSTOMER,
        Reason.CAP_PERIOD,
        Reason.CAP_LIFETIME,
    ]
    assert all(f.verdict is Verdict.PASS for f in findings)


def test_unpaid_test_cancelled_and_refunded_orders_are_blocked():
    facts = order(paid=False, is_test=True, cancelled=True, refunded=Decimal("86.40"))
    found = verdicts(check_order(facts, FIXED, history(), ADVOCATE))
    blocked = {r for r, v in found.items() if v is Verdict.BLOCK}
    assert blocked == {
        Reason.NOT_PAID,
        Reason.TEST_ORDER,
        Reason.CANCELLED,
        Reason.REFUNDED,
        Reason.BELOW_MINIMUM,
    }


def test_other_currency_without_a_rate_is_held_and_amounts_are_not_compared():
    findings = check_order(order(currency="EUR"), FIXED, history(), ADVOCATE)
    mismatch = finding_for(findings, Reason.CURRENCY_MISMATCH)
    assert mismatch.verdict is Verdict.FLAG
    assert mismatch.message == (
        "The order is in EUR and carries no exchange rate to the shop currency USD, so its value "
        "cannot be judged: the minimum is not checked and rewards that follow the order's value "
        "come to nothing. The referral waits for a person to review it."
    )
    assert Reason.BELOW_MINIMUM not in verdicts(findings)


def test_minimum_subtotal_is_inclusive():
    assert (
        verdicts(check_order(order(subtotal=Decimal("25.00")), FIXED, history(), ADVOCATE))[
            Reason.BELOW_MINIMUM
        ]
        is Verdict.PASS
    )
    below = check_order(order(subtotal=Decimal("24.99")), FIXED, history(), ADVOCATE)
    finding = finding_for(below, Reason.BELOW_MINIMUM)
    assert finding.verdict is Verdict.BLOCK
    assert finding.message == "The qualifying value 24.99 USD is below the minimum of 25.00 USD."


def test_excluded_products_and_collections_do_not_count_toward_the_value():
    program = replace(FIXED, excluded_collection_ids=("c-sale",))
    facts = order(line_items=LINES)
    assert order_value(facts, program) == Money.of("30.00", "USD")
    assert (
        verdicts(check_order(facts, program, history(), ADVOCATE))[Reason.EXCLUDED_PRODUCT]
        is Verdict.PASS
    )
    everything = replace(program, excluded_product_ids=("p-gift-card",))
    found = verdicts(check_order(facts, everything, history(), ADVOCATE))
    assert found[Reason.EXCLUDED_PRODUCT] is Verdict.BLOCK


def test_partial_refund_scales_the_value_pro_rata():
    facts = order(subtotal=Decimal("80.00"), total=Decimal("100.00"), refunded=Decimal("25.00"))
    assert order_value(facts, FIXED) == Money.of("60.00", "USD")


def test_returning_customers_are_blocked_only_when_the_store_can_tell():
    assert (
        verdicts(check_order(order(), FIXED, history(friend_prior_orders=2), ADVOCATE))[
            Reason.NOT_NEW_CUSTOMER
        ]
        is Verdict.BLOCK
    )
    unknown = check_order(order(), FIXED, history(friend_prior_orders=None), ADVOCATE)
    finding = finding_for(unknown, Reason.NOT_NEW_CUSTOMER)
    assert (finding.verdict, finding.message) == (
        Verdict.PASS,
        "The store cannot tell earlier orders; treated as new.",
    )
    anyone = replace(FIXED, new_customers_only=False)
    assert (
        verdicts(check_order(order(), anyone, history(friend_prior_orders=2), ADVOCATE))[
            Reason.NOT_NEW_CUSTOMER
        ]
        is Verdict.PASS
    )


def test_period_cap_counts_referrals_in_the_rolling_period():
    program = replace(FIXED, caps=Caps(per_period=3, period_days=30))
    full = history(referrals={ADVOCATE: prior(3, every=timedelta(days=9))})
    assert (
        verdicts(check_order(order(), program, full, ADVOCATE))[Reason.CAP_PERIOD] is Verdict.BLOCK
    )
    spread = history(referrals={ADVOCATE: prior(3, every=timedelta(days=11))})
    assert (
        verdicts(check_order(order(), program, spread, ADVOCATE))[Reason.CAP_PERIOD] is Verdict.PASS
    )


def test_lifetime_cap_ignores_rejected_and_reversed_referrals():
    program = replace(FIXED, caps=Caps(lifetime=2))
    counted = history(referrals={ADVOCATE: prior(2)})
    finding = next(
        f
        for f in check_order(order(), program, counted, ADVOCATE)
        if f.reason is Reason.CAP_LIFETIME
    )
    assert (finding.verdict, finding.message) == (
        Verdict.BLOCK,
        f"Advocate {ADVOCATE} reached the lifetime cap of 2 referrals.",
    )
    undone = history(referrals={ADVOCATE: prior(2, state=ReferralState.REVERSED)})
    assert (
        verdicts(check_order(order(), program, undone, ADVOCATE))[Reason.CAP_LIFETIME]
        is Verdict.PASS
    )
