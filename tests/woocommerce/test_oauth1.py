"""One-legged OAuth 1.0a over plain HTTP: the signature, the home URL, a fresh nonce per try."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from connector.settings import Settings
from platforms.base import PlatformAuthError
from platforms.woocommerce import oauth1
from platforms.woocommerce.adapter import WooCommerceAdapter
from tests.support.fake_woocommerce import FakeWooCommerce, installed_woo, resolve_public
from tests.woocommerce.conftest import Sleeps, creds_for

HTTP_HOME = "http://store.example:8080"
KEY = "ck_0123456789abcdef0123456789abcdef01234567"
SECRET = "cs_fedcba9876543210fedcba9876543210fedcba98"


def test_signature_of_a_known_request() -> None:
    """The known vector, worked out by hand and checked outside this code.

    Request: GET http://store.example:8080/wp-json/wc/v3/orders
             ?per_page=100&modified_after=2026-11-20T15:00:00+00:00
    Key ck_0123456789abcdef0123456789abcdef01234567, secret cs_fedcba9876543210fedcba9876543210fedcba98,
    nonce 5f2b0c7e1d9a4b3c8e6f0a1b2c3d4e5f, timestamp 1795186800 (2026-11-20T15:00:00Z).

    1. Parameters, sorted by name, each name and value RFC 3986-encoded (`:` -> %3A, `+` -> %2B):
       modified_after=2026-11-20T15%3A00%3A00%2B00%3A00 & oauth_consumer_key=ck_… &
       oauth_nonce=5f2b… & oauth_signature_method=HMAC-SHA256 & oauth_timestamp=1795186800 &
       per_page=100
    2. Base string = "GET" & enc(URL) & enc(parameter string); encoding the parameter string
       again turns its `=` into %3D, `&` into %26 and the `%` of %3A into %253A.
    3. Key = secret + "&" (no token secret); signature = base64(HMAC-SHA256(key, base string)).

    The base string below was written out by hand; its HMAC was computed with
    `printf '%s' "$BASE" | openssl dgst -sha256 -hmac 'cs_…&' -binary | base64`, and the same
    value comes from the `woocommerce` 3.0.0 package's `OAuth.generate_oauth_signature`.
    """
    params = {
        "per_page": "100",
        "modified_after": "2026-11-20T15:00:00+00:00",
        "oauth_consumer_key": KEY,
        "oauth_nonce": "5f2b0c7e1d9a4b3c8e6f0a1b2c3d4e5f",
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": "1795186800",
    }

    base = oauth1.base_string("GET", f"{HTTP_HOME}/wp-json/wc/v3/orders", params)

    assert base == (
        "GET&http%3A%2F%2Fstore.example%3A8080%2Fwp-json%2Fwc%2Fv3%2Forders&"
        "modified_after%3D2026-11-20T15%253A00%253A00%252B00%253A00"
        "%26oauth_consumer_key%3Dck_0123456789abcdef0123456789abcdef01234567"
        "%26oauth_nonce%3D5f2b0c7e1d9a4b3c8e6f0a1b2c3d4e5f"
        "%26oauth_signature_method%3DHMAC-SHA256"
        "%26oauth_timestamp%3D1795186800"
        "%26per_page%3D100"
    )
    assert oauth1.signature(base, SECRET) == "J1fskqxXW6knYe/4+GNY8LE4pJxdjExTxK36a0Ecpls="


def test_signed_params_put_the_signature_last() -> None:
    pairs = oauth1.signed_params(
        "GET",
        f"{HTTP_HOME}/wp-json/wc/v3/orders",
        {"per_page": "100", "modified_after": "2026-11-20T15:00:00+00:00"},
        consumer_key=KEY,
        consumer_secret=SECRET,
        nonce="5f2b0c7e1d9a4b3c8e6f0a1b2c3d4e5f",
        timestamp=1795186800,
    )

    assert pairs[-1] == ("oauth_signature", "J1fskqxXW6knYe/4+GNY8LE4pJxdjExTxK36a0Ecpls=")
    assert [name for name, _ in pairs[:-1]] == [
        "per_page",
        "modified_after",
        "oauth_consumer_key",
        "oauth_nonce",
        "oauth_signature_method",
        "oauth_timestamp",
    ]


def test_query_parameters_may_not_impersonate_oauth_ones() -> None:
    with pytest.raises(ValueError, match="oauth_nonce"):
        oauth1.signed_params(
            "GET",
            HTTP_HOME,
            {"oauth_nonce": "x"},
            consumer_key=KEY,
            consumer_secret=SECRET,
            nonce="n",
            timestamp=1,
        )


@pytest.fixture
def http_store() -> Iterator[FakeWooCommerce]:
    with installed_woo(HTTP_HOME) as fake:
        yield fake


async def test_plain_http_requests_are_signed_and_carry_no_basic_auth(
    woo_settings: Settings, http_store: FakeWooCommerce
) -> None:
    http_store.add_coupon("ref-ana-10")
    async with httpx.AsyncClient() as http:
        adapter = WooCommerceAdapter(
            woo_settings, http, resolve=resolve_public, clock=lambda: http_store.now
        )
        ref = await adapter.find_discount(creds_for(HTTP_HOME), "REF-ANA-10")

    assert ref is not None
    assert [(c.path, c.auth, c.params) for c in http_store.calls] == [
        ("/coupons", "oauth", {"code": "ref-ana-10"})
    ]


async def test_the_signature_is_over_the_home_url_as_the_store_spells_it(
    woo_settings: Settings, http_store: FakeWooCommerce
) -> None:
    # The store rebuilds the base URL from its own home URL; any other spelling fails there.
    async with httpx.AsyncClient() as http:
        adapter = WooCommerceAdapter(
            woo_settings, http, resolve=resolve_public, clock=lambda: http_store.now
        )
        with pytest.raises(PlatformAuthError, match="Invalid signature"):
            await adapter.find_discount(creds_for("http://STORE.example:8080"), "ref-ana-10")

    assert http_store.calls == []


async def test_every_retry_is_signed_with_a_fresh_nonce(
    woo_settings: Settings, http_store: FakeWooCommerce, sleeps: Sleeps
) -> None:
    seen: list[str] = []

    def unavailable(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["oauth_nonce"])
        return httpx.Response(503, text="busy")

    http_store.respond_next(unavailable, unavailable)
    async with httpx.AsyncClient() as http:
        adapter = WooCommerceAdapter(
            woo_settings, http, resolve=resolve_public, sleep=sleeps, clock=lambda: http_store.now
        )
        await adapter.find_discount(creds_for(HTTP_HOME), "ref-none")

    assert len(http_store.nonces) == 1
    assert len(set(seen) | http_store.nonces) == 3  # three tries, three different nonces
    assert sleeps == [0.5, 1.0]


async def test_a_stale_clock_is_refused_by_the_store(
    woo_settings: Settings, http_store: FakeWooCommerce
) -> None:
    async with httpx.AsyncClient() as http:
        adapter = WooCommerceAdapter(
            woo_settings, http, resolve=resolve_public, clock=lambda: http_store.now - 16 * 60
        )
        with pytest.raises(PlatformAuthError, match="Invalid timestamp"):
            await adapter.find_discount(creds_for(HTTP_HOME), "ref-ana-10")

    assert http_store.calls == []
