"""The pure matching and scrubbing of webhook bodies."""

from __future__ import annotations

from connector.services.privacy.redaction import REDACTED, CustomerIdentity, mentions, scrub

ANA = CustomerIdentity("shopify", "42", "ana@example.org", "+34 600 111 222", frozenset({"9001"}))


def test_an_email_matches_whole_and_in_any_case_only() -> None:
    assert mentions({"note": "from ANA@Example.org"}, ANA)
    assert not mentions({"email": "susana@example.org"}, ANA)
    assert not mentions({"email": "ana@example.org.uk"}, ANA)


def test_a_phone_matches_whatever_its_spacing_and_country_code() -> None:
    assert mentions({"phone": "600111222"}, ANA)
    assert mentions({"phone": "+34600111222"}, ANA)
    assert not mentions({"phone": "+34600111223"}, ANA)


def test_an_order_matches_by_its_id_and_a_refund_by_its_order() -> None:
    assert mentions({"id": 9001, "email": None}, ANA)
    assert mentions({"id": 77, "order_id": 9001}, ANA)
    assert mentions({"id": 1, "customer": {"id": 42}}, ANA)
    assert not mentions({"id": 9002, "customer": {"id": 43}}, ANA)


def test_scrub_keeps_ids_and_amounts_and_masks_leftovers() -> None:
    body = {
        "id": 9001,
        "name": "#1001",
        "total_price": "10.00",
        "email": "ana@example.org",
        "customer": {"id": 42, "first_name": "Ana"},
        "note_attributes": [{"name": "from", "value": "ana@example.org, call +34600111222"}],
        "line_items": [{"title": "Tea", "price": "10.00"}],
    }

    assert scrub(body, ANA) == {
        "id": 9001,
        "name": "#1001",
        "total_price": "10.00",
        "customer": None,
        "note_attributes": [{"name": "from", "value": f"{REDACTED}, call +34600111222"}],
        "line_items": [{"title": "Tea", "price": "10.00"}],
    }
