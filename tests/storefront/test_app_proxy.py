"""App Proxy signature: a valid request, a tampered one, a stale timestamp, duplicated params."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from shopify_app import ShopifyApp

from platforms.shopify.app_proxy import (
    ProxyRejected,
    ProxyRejection,
    proxy_message,
    proxy_signature,
    verify_app_proxy,
)
from tests.storefront.factories import proxy_query

SECRET = "hush-proxy-secret-0123456789abcdef"
OLD_SECRET = "old-proxy-secret-fedcba9876543210"
NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def signed(
    customer: str = "7001",
    *,
    at: datetime = NOW,
    secret: str = SECRET,
    extra: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """The query Shopify forwards for a storefront call, with its signature last."""
    return proxy_query(at, customer, secret=secret, extra=extra or [("locale", "es-ES")])


def reason(pairs: list[tuple[str, str]], now: datetime = NOW) -> ProxyRejection:
    with pytest.raises(ProxyRejected) as caught:
        verify_app_proxy(pairs, [SECRET, OLD_SECRET], now=now)
    return caught.value.reason


def test_message_sorts_keys_joins_repeated_values_and_has_no_separator():
    pairs = [("b", "2"), ("a", "x"), ("a", "y"), ("signature", "zz"), ("c", "")]

    assert proxy_message(pairs) == "a=x,yb=2c="


def test_a_valid_request_names_the_shop_and_the_signed_in_customer():
    verified = verify_app_proxy(signed(), [SECRET, OLD_SECRET], now=NOW)

    assert verified.shop == "demo-shop.myshopify.com"
    assert verified.customer_id == "7001"
    assert verified.path_prefix == "/apps/referrals"
    assert verified.params == {"locale": "es-ES"}


def test_a_guest_has_no_customer_id():
    verified = verify_app_proxy(signed(customer=""), [SECRET], now=NOW)

    assert verified.customer_id is None


def test_the_previous_secret_is_still_accepted_during_a_rotation():
    verified = verify_app_proxy(signed(secret=OLD_SECRET), [SECRET, OLD_SECRET], now=NOW)

    assert verified.customer_id == "7001"


def test_repeated_ordinary_params_are_signed_joined_by_commas():
    verified = verify_app_proxy(signed(extra=[("ids", "1"), ("ids", "2")]), [SECRET], now=NOW)

    assert verified.params == {"ids": "2"}


def test_our_signature_matches_shopifys_own_library():
    now = datetime.now(UTC)
    pairs = signed(at=now, extra=[("extra", "1"), ("extra", "2"), ("q", "a b&c")])
    url = "https://connector.example.com/proxy/api/config?" + urlencode(pairs)

    result = ShopifyApp(client_id="key", client_secret=SECRET).verify_app_proxy_req(
        {"method": "GET", "headers": {}, "url": url, "body": ""}
    )

    assert (result.ok, result.logged_in_customer_id) == (True, "7001")


def test_a_customer_id_changed_after_signing_is_rejected():
    pairs = [(k, "1") if k == "logged_in_customer_id" else (k, v) for k, v in signed()]

    assert reason(pairs) is ProxyRejection.BAD_SIGNATURE


def test_an_added_param_is_rejected():
    assert reason([("admin", "1"), *signed()]) is ProxyRejection.BAD_SIGNATURE


def test_a_signature_made_with_another_secret_is_rejected():
    assert reason(signed(secret="someone-elses-secret")) is ProxyRejection.BAD_SIGNATURE


def test_a_missing_signature_is_rejected():
    assert reason(signed()[:-1]) is ProxyRejection.MISSING_SIGNATURE


def test_a_timestamp_91_seconds_old_is_rejected():
    assert reason(signed(at=NOW - timedelta(seconds=91))) is ProxyRejection.STALE_TIMESTAMP


def test_a_timestamp_91_seconds_ahead_is_rejected():
    assert reason(signed(at=NOW + timedelta(seconds=91))) is ProxyRejection.STALE_TIMESTAMP


def test_a_timestamp_90_seconds_old_is_accepted():
    verified = verify_app_proxy(signed(at=NOW - timedelta(seconds=90)), [SECRET], now=NOW)

    assert verified.shop == "demo-shop.myshopify.com"


@pytest.mark.parametrize(
    "name", ["shop", "signature", "timestamp", "logged_in_customer_id", "path_prefix"]
)
def test_a_duplicated_identity_param_is_rejected(name):
    pairs = signed()
    first = next(pair for pair in pairs if pair[0] == name)

    assert reason([*pairs, first]) is ProxyRejection.DUPLICATE_PARAM


def test_a_second_shop_is_rejected_even_when_it_was_signed():
    pairs = [("shop", "other-shop.myshopify.com"), *signed()[:-1]]
    pairs.append(("signature", proxy_signature(pairs, SECRET)))

    assert reason(pairs) is ProxyRejection.DUPLICATE_PARAM


def test_a_signed_shop_that_is_not_a_shop_domain_is_rejected():
    pairs = [("shop", "evil.example.com"), ("timestamp", str(int(NOW.timestamp())))]
    pairs.append(("signature", proxy_signature(pairs, SECRET)))

    assert reason(pairs) is ProxyRejection.BAD_SHOP
