"""Webhook verification on the raw bytes, the creation ping, and the delivery key."""

from __future__ import annotations

import pytest

from platforms.base import BadSignature, MissingHeaders
from platforms.woocommerce import webhooks
from tests.support import woocommerce_payloads as woo

BODY = b'{"id":19,"status":"processing"}'
SPECIAL_SECRET = "whsec-local-'&\"<>"


def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    # Computed outside this code:
    # printf '%s' '{"id":19,"status":"processing"}' | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
    assert webhooks.body_signature(SPECIAL_SECRET, BODY) == (
        "egWBiwk9duKwesQuCtg8j984smTe4lrFOUefD5bChUQ="
    )


def test_a_secret_with_ampersand_quotes_and_angle_brackets_verifies() -> None:
    headers = woo.signed_headers(BODY, secret=SPECIAL_SECRET)
    headers["X-WC-Webhook-Signature"] = "egWBiwk9duKwesQuCtg8j984smTe4lrFOUefD5bChUQ="

    delivery = webhooks.verify(headers, BODY, [SPECIAL_SECRET], shop="store.example")

    assert (delivery.shop, delivery.topic) == ("store.example", "order.updated")


def test_the_store_signs_with_html_entities_in_the_secret_decoded() -> None:
    # WooCommerce signs with wp_specialchars_decode(secret): "a&amp;b" signs as "a&b".
    assert webhooks.signing_key("a&amp;b") == b"a&b"
    assert webhooks.signing_key("&quot;&#039;&lt;&gt;&#x27;") == b"\"'<>'"
    assert webhooks.body_signature("a&amp;b", BODY) == (
        "eQCN9BU1wvjqK1d8mvIe+tDhx0gUhu9/QosYyk7Fuho="
    )


def test_a_flipped_byte_in_the_body_is_a_bad_signature() -> None:
    headers = woo.signed_headers(BODY)
    flipped = BODY.replace(b"19", b"18")

    with pytest.raises(BadSignature) as raised:
        webhooks.verify(headers, flipped, [woo.WEBHOOK_SECRET], shop="store.example")

    assert raised.value.status == 401


def test_a_flipped_byte_in_the_signature_is_a_bad_signature() -> None:
    headers = woo.signed_headers(BODY)
    signature = headers["X-WC-Webhook-Signature"]
    headers["X-WC-Webhook-Signature"] = ("B" if signature[0] != "B" else "C") + signature[1:]

    with pytest.raises(BadSignature):
        webhooks.verify(headers, BODY, [woo.WEBHOOK_SECRET], shop="store.example")


def test_the_previous_secret_still_verifies_during_a_rotation() -> None:
    headers = woo.signed_headers(BODY, secret="old-secret-0001")

    delivery = webhooks.verify(
        headers, BODY, [woo.WEBHOOK_SECRET, "old-secret-0001"], shop="store.example"
    )

    assert delivery.raw_body == BODY


def test_missing_headers_are_named_in_order() -> None:
    headers = woo.signed_headers(BODY)
    del headers["X-WC-Webhook-Topic"]
    del headers["X-WC-Webhook-Delivery-ID"]

    with pytest.raises(MissingHeaders) as raised:
        webhooks.verify(headers, BODY, [woo.WEBHOOK_SECRET], shop="store.example")

    assert raised.value.missing == ("X-WC-Webhook-Topic", "X-WC-Webhook-Delivery-ID")


def test_without_a_known_shop_the_source_header_names_it() -> None:
    headers = woo.signed_headers(BODY, home="https://Shop.Example:8443/wp/")

    delivery = webhooks.verify(headers, BODY, [woo.WEBHOOK_SECRET])

    assert delivery.shop == "shop.example:8443/wp"
    assert delivery.event_id == "3f9a0c1b2d4e5f60718293a4b5c6d7e8"
    assert "x-wc-webhook-signature" not in delivery.headers


def test_the_creation_ping_is_recognised() -> None:
    headers, body = woo.ping(webhook_id=42)

    assert webhooks.ping_webhook_id(headers, body) == 42


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Content-Type": "application/json"}, b"webhook_id=42"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"webhook_id=42&x=1"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"webhook_id="),
        (
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-WC-Webhook-Signature": "c2lnbmVk",
            },
            b"webhook_id=42",
        ),
    ],
)
def test_anything_else_is_not_a_ping(headers: dict[str, str], body: bytes) -> None:
    assert webhooks.ping_webhook_id(headers, body) is None


def test_created_and_updated_of_one_state_share_a_key() -> None:
    body = woo.encode(woo.order(19, modified="2026-11-20T14:05:00"))

    created = webhooks.delivery_key("order.created", body, "aaaa")
    updated = webhooks.delivery_key("order.updated", body, "bbbb")

    assert created == updated == "order:19:processing:2026-11-20T14:05:00:refunds="


def test_a_new_status_a_new_modification_or_a_refund_is_a_new_key() -> None:
    base = woo.order(19, modified="2026-11-20T14:05:00")
    keys = {
        webhooks.delivery_key("order.updated", woo.encode(payload), "same-delivery-id")
        for payload in (
            base,
            {**base, "status": "completed"},
            {**base, "date_modified_gmt": "2026-11-20T14:06:00"},
            woo.order(19, modified="2026-11-20T14:05:00", refunds=[(20, "5.00")]),
        )
    }

    assert keys == {
        "order:19:processing:2026-11-20T14:05:00:refunds=",
        "order:19:completed:2026-11-20T14:05:00:refunds=",
        "order:19:processing:2026-11-20T14:06:00:refunds=",
        "order:19:processing:2026-11-20T14:05:00:refunds=20",
    }


def test_a_deleted_order_and_other_topics_key_on_the_delivery_id() -> None:
    assert webhooks.delivery_key("order.deleted", b'{"id":19}', "d1") == "order:19:deleted:d1"
    assert webhooks.delivery_key("coupon.updated", b'{"id":5}', "d2") == "d2"
    assert webhooks.delivery_key("order.updated", b"not json", "d3") == "d3"
