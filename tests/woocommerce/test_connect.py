"""Connecting, on the platform side: the store URL, its home URL, the authorize URL, the keys."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import respx

from platforms.base import PlatformRejected
from platforms.retrying import RequestNotSent
from platforms.ssrf import StoreURLRefused
from platforms.woocommerce.adapter import WooCommerceAdapter
from platforms.woocommerce.connect import (
    InvalidStoreURL,
    KeyCallbackRejected,
    normalize_store_url,
    parse_key_callback,
    store_domain,
)
from tests.support import woocommerce_payloads as woo
from tests.support.fake_woocommerce import FakeWooCommerce


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("store.example", "https://store.example"),
        ("  HTTPS://Store.Example/  ", "https://store.example"),
        ("http://store.example:80/", "http://store.example"),
        ("https://store.example:8443/shop/", "https://store.example:8443/shop"),
        ("http://[2001:db8::1]:8080", "http://[2001:db8::1]:8080"),
    ],
)
def test_store_urls_are_normalized(typed: str, url: str) -> None:
    assert normalize_store_url(typed) == url


@pytest.mark.parametrize(
    "typed", ["", "ftp://store.example", "https://a:b@store.example", "https://store.example/?x=1"]
)
def test_unusable_store_urls_are_refused(typed: str) -> None:
    with pytest.raises(InvalidStoreURL):
        normalize_store_url(typed)


def test_the_shop_name_is_host_port_and_subdirectory() -> None:
    assert store_domain("https://Store.Example") == "store.example"
    assert store_domain("http://127.0.0.1:8080") == "127.0.0.1:8080"
    assert store_domain("https://example.com/shop/") == "example.com/shop"


def test_the_authorize_url_asks_for_read_write_with_our_state(
    adapter: WooCommerceAdapter,
) -> None:
    url = adapter.authorize_url(
        "https://store.example",
        state="st.ate-1",
        return_url="https://connector.example.com/woocommerce/return",
        callback_url="https://connector.example.com/woocommerce/callback",
    )

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "store.example",
        "/wc-auth/v1/authorize",
    )
    assert dict(parse_qsl(parts.query)) == {
        "app_name": "Referral Connector",
        "scope": "read_write",
        "user_id": "st.ate-1",
        "return_url": "https://connector.example.com/woocommerce/return",
        "callback_url": "https://connector.example.com/woocommerce/callback",
    }


def test_the_key_callback_body_is_parsed() -> None:
    grant = parse_key_callback(woo.key_callback("state-1", key_id=9))

    assert (grant.key_id, grant.state, grant.consumer_key, grant.consumer_secret) == (
        9,
        "state-1",
        woo.CONSUMER_KEY,
        woo.CONSUMER_SECRET,
    )
    assert woo.CONSUMER_SECRET not in repr(grant)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            b'{"key_id":"1","user_id":"s","consumer_key":"ck_1","consumer_secret":"cs_1","key_permissions":"read_write"}',
            "key_id",
        ),
        (
            b'{"key_id":1,"user_id":"s","consumer_key":"xx_1","consumer_secret":"cs_1","key_permissions":"read_write"}',
            "consumer_key",
        ),
        (
            b'{"key_id":1,"user_id":"s","consumer_key":"ck_1","consumer_secret":"cs_1","key_permissions":"admin"}',
            "key_permissions",
        ),
        (
            b'{"key_id":1,"consumer_key":"ck_1","consumer_secret":"cs_1","key_permissions":"read"}',
            "user_id",
        ),
    ],
)
def test_a_malformed_key_callback_names_the_bad_field(body: bytes, field: str) -> None:
    with pytest.raises(KeyCallbackRejected) as raised:
        parse_key_callback(body)

    assert raised.value.field == (field,)


def test_a_form_encoded_callback_is_refused() -> None:
    with pytest.raises(KeyCallbackRejected, match="not JSON"):
        parse_key_callback(b"key_id=1&user_id=s")


async def test_the_home_url_comes_from_the_store_rest_index(
    adapter: WooCommerceAdapter, fake_woo: FakeWooCommerce
) -> None:
    with respx.mock(assert_all_called=False) as router:
        # The typed address redirects to the canonical one, as http -> https sites do.
        router.get("http://store.example/wp-json/").respond(
            301, headers={"Location": "https://store.example/wp-json/"}
        )
        router.route(url__startswith=woo.HOME).mock(side_effect=fake_woo.handle)

        home = await adapter.discover_home_url("http://store.example")

    assert home == "https://store.example"


async def test_a_site_without_woocommerce_is_refused(adapter: WooCommerceAdapter) -> None:
    with respx.mock() as router:
        router.get("https://blog.example/wp-json/").respond(200, json={"namespaces": ["wp/v2"]})

        with pytest.raises(PlatformRejected) as raised:
            await adapter.discover_home_url("https://blog.example")

    assert raised.value.code == "NOT_WOOCOMMERCE"


async def test_discovery_refuses_a_private_store_before_any_request(
    adapter: WooCommerceAdapter,
) -> None:
    with respx.mock() as router, pytest.raises(StoreURLRefused):
        await adapter.discover_home_url("http://127.0.0.1:8080")

    assert router.calls.call_count == 0


async def test_an_unreachable_store_is_unavailable(adapter: WooCommerceAdapter) -> None:
    with respx.mock() as router:
        router.get("https://down.example/wp-json/").mock(side_effect=httpx.ConnectError("down"))

        with pytest.raises(RequestNotSent) as raised:
            await adapter.discover_home_url("https://down.example")

    assert str(raised.value) == "could not reach https://down.example: ConnectError"
