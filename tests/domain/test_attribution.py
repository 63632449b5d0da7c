from datetime import timedelta

from connector.domain.reasons import Reason, Verdict
from connector.domain.rules.attribution import Signal, attribute
from connector.domain.rules.facts import Claim, CodeOwner
from tests.domain.factories import ADVOCATE, NOW, lookup, order

WINDOW = 30


def test_discount_code_attributes_the_order_and_every_signal_is_listed():
    result = attribute(order(discount_codes=("ana-7kq4",)), lookup(), WINDOW, NOW)
    assert (result.advocate_id, result.signal, result.touched_at) == (
        ADVOCATE,
        Signal.DISCOUNT_CODE,
        NOW,
    )
    assert [(e.signal, e.matched, e.reason) for e in result.evidence] == [
        (Signal.DISCOUNT_CODE, True, Reason.ATTRIBUTED),
        (Signal.CART_ATTRIBUTE, False, Reason.NO_SIGNAL),
        (Signal.LANDING_REF, False, Reason.NO_SIGNAL),
        (Signal.CLAIMED_EMAIL, False, Reason.NO_SIGNAL),
    ]
    assert result.findings[0].verdict is Verdict.PASS
    assert result.findings[0].message == (
        f"Credited to advocate {ADVOCATE} by discount code (first touch {NOW.isoformat()})."
    )


def test_unknown_discount_codes_are_evidence_but_do_not_match():
    result = attribute(order(discount_codes=("SUMMER10",)), lookup(), WINDOW, NOW)
    assert result.advocate_id is None
    assert result.evidence[0].reason is Reason.UNKNOWN_CODE
    assert result.evidence[0].message == "Discount code SUMMER10 is not a referral code."
    assert result.findings[0].reason is Reason.NO_ATTRIBUTION


def test_cart_attribute_attributes_with_its_own_touch_time():
    touched = NOW - timedelta(days=3)
    facts = order(
        discount_codes=(),
        attributes={"Referral_Code": "ana-link", "referral_at": touched.isoformat()},
    )
    result = attribute(facts, lookup(), WINDOW, NOW)
    assert (result.advocate_id, result.signal, result.touched_at) == (
        ADVOCATE,
        Signal.CART_ATTRIBUTE,
        touched,
    )
    assert (
        result.evidence[1].message
        == f"Cart attribute referral_code=ana-link belongs to advocate {ADVOCATE}."
    )


def test_landing_ref_is_read_from_a_url_or_a_bare_value():
    for ref in ("https://shop.example/?utm_source=x&ref=ANA-LINK", "ANA-LINK"):
        result = attribute(order(discount_codes=(), landing_ref=ref), lookup(), WINDOW, NOW)
        assert (result.advocate_id, result.signal) == (ADVOCATE, Signal.LANDING_REF)


def test_claimed_email_attributes_by_normalized_email():
    claimed = NOW - timedelta(days=2)
    known = lookup(claims={"bo@gmail.com": (Claim("adv_cy", claimed),)})
    result = attribute(
        order(discount_codes=(), email="B.o+shop@GoogleMail.com"), known, WINDOW, NOW
    )
    assert (result.advocate_id, result.signal, result.touched_at) == (
        "adv_cy",
        Signal.CLAIMED_EMAIL,
        claimed,
    )


def test_touch_older_than_the_window_does_not_count():
    old = NOW - timedelta(days=31)
    facts = order(discount_codes=(), landing_ref="ANA-LINK", landing_at=old)
    result = attribute(facts, lookup(), WINDOW, NOW)
    assert result.advocate_id is None
    landing = result.evidence[2]
    assert (landing.matched, landing.reason) == (False, Reason.OUTSIDE_WINDOW)
    assert landing.message.endswith(
        "It touched 31 days before the order, outside the 30-day window."
    )


def test_touch_on_the_window_edge_counts():
    edge = NOW - timedelta(days=30)
    result = attribute(
        order(discount_codes=(), landing_ref="ANA-LINK", landing_at=edge), lookup(), WINDOW, NOW
    )
    assert result.advocate_id == ADVOCATE


def test_claim_after_the_order_does_not_count():
    known = lookup(claims={"bo@example.com": (Claim("adv_cy", NOW + timedelta(hours=1)),)})
    result = attribute(order(discount_codes=()), known, WINDOW, NOW)
    assert result.advocate_id is None
    assert result.evidence[3].reason is Reason.OUTSIDE_WINDOW


def test_first_touch_inside_the_window_beats_a_stronger_later_signal():
    known = lookup(claims={"bo@example.com": (Claim("adv_cy", NOW - timedelta(days=5)),)})
    result = attribute(order(), known, WINDOW, NOW)
    assert (result.advocate_id, result.signal) == ("adv_cy", Signal.CLAIMED_EMAIL)
    code = result.evidence[0]
    assert (code.matched, code.reason) == (False, Reason.LATER_TOUCH)
    assert code.message.endswith("Advocate adv_cy touched first, so this does not count.")


def test_an_earlier_touch_outside_the_window_loses_to_a_later_one_inside():
    known = lookup(claims={"bo@example.com": (Claim("adv_cy", NOW - timedelta(days=40)),)})
    result = attribute(order(), known, WINDOW, NOW)
    assert (result.advocate_id, result.signal) == (ADVOCATE, Signal.DISCOUNT_CODE)


def test_same_moment_goes_to_the_stronger_signal_then_the_smaller_id():
    facts = order(attributes={"ref": "CY-2222"})
    known = lookup(codes={"ANA-7KQ4": CodeOwner("adv_b"), "CY-2222": CodeOwner("adv_a")})
    assert attribute(facts, known, WINDOW, NOW).advocate_id == "adv_b"
    both_codes = order(discount_codes=("ANA-7KQ4", "CY-2222"))
    assert attribute(both_codes, known, WINDOW, NOW).advocate_id == "adv_a"


def test_same_advocate_across_signals_keeps_all_evidence_matched():
    facts = order(landing_ref="ANA-LINK", landing_at=NOW - timedelta(days=1))
    result = attribute(facts, lookup(), WINDOW, NOW)
    assert (result.advocate_id, result.signal) == (ADVOCATE, Signal.LANDING_REF)
    assert [e.matched for e in result.evidence] == [True, False, True, False]


def test_bad_attribute_time_falls_back_to_the_order_time():
    facts = order(discount_codes=(), attributes={"ref": "ANA-LINK", "referral_at": "yesterday"})
    assert attribute(facts, lookup(), WINDOW, NOW).touched_at == NOW
