"""platforms.shopify.auth: the admin query HMAC and session-token verification, without HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from platforms.shopify.auth import (
    RETRY_HEADER,
    Rejection,
    RequestRejected,
    SessionRejected,
    ShopifyAuth,
    query_hmac,
    verify_query,
)
from tests.conftest import TEST_API_KEY, TEST_API_SECRET, TEST_PREVIOUS_SECRET
from tests.shopify.factories import SHOP, session_token

# Shopify's Python library test vector (test/session_test.py).
VECTOR = {
    "code": "a94a110d86d2452eb3e2af4cfb8a3828",
    "shop": "some-shop.myshopify.com",
    "timestamp": "1337178173",
}
VECTOR_HMAC = "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2"
VECTOR_TIME = datetime.fromtimestamp(1337178173, UTC)
# The suite's test secrets are shorter than PyJWT's recommended 32 bytes; that is not under test.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture
async def auth() -> AsyncIterator[ShopifyAuth]:
    async with httpx.AsyncClient() as http:
        yield ShopifyAuth(TEST_API_KEY, [TEST_API_SECRET, TEST_PREVIOUS_SECRET], http)


def test_query_hmac_matches_shopify_test_vector() -> None:
    assert query_hmac(VECTOR, "hush") == VECTOR_HMAC


def test_query_with_vector_hmac_verifies_near_its_timestamp() -> None:
    verify_query({**VECTOR, "hmac": VECTOR_HMAC}, ["hush"], now=VECTOR_TIME)


def test_query_signed_with_previous_secret_verifies() -> None:
    verify_query({**VECTOR, "hmac": VECTOR_HMAC}, ["new-secret", "hush"], now=VECTOR_TIME)


def test_signature_param_is_left_out_of_the_message() -> None:
    params = {**VECTOR, "hmac": VECTOR_HMAC, "signature": "anything"}

    verify_query(params, ["hush"], now=VECTOR_TIME)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"shop": "other-shop.myshopify.com"}, Rejection.BAD_HMAC),
        ({"hmac": VECTOR_HMAC.replace("2c", "3c", 1)}, Rejection.BAD_HMAC),
        ({"hmac": ""}, Rejection.MISSING_HMAC),
    ],
)
def test_tampered_query_is_rejected(change: dict[str, str], reason: Rejection) -> None:
    params = {**VECTOR, "hmac": VECTOR_HMAC, **change}

    with pytest.raises(RequestRejected) as caught:
        verify_query(params, ["hush"], now=VECTOR_TIME)

    assert caught.value.reason is reason
    assert caught.value.status == 401


@pytest.mark.parametrize(
    ("seconds", "accepted"), [(90, True), (-90, True), (91, False), (-91, False)]
)
def test_timestamp_must_be_within_90_seconds(seconds: int, accepted: bool) -> None:
    now = datetime.fromtimestamp(1337178173 + seconds, UTC)
    params = {**VECTOR, "hmac": VECTOR_HMAC}

    if accepted:
        verify_query(params, ["hush"], now=now)
        return
    with pytest.raises(RequestRejected) as caught:
        verify_query(params, ["hush"], now=now)
    assert caught.value.reason is Rejection.STALE_TIMESTAMP


@pytest.mark.parametrize("timestamp", ["1337178173.5", "", "-1337178173", "１３３７"])
def test_timestamp_that_is_not_an_integer_is_rejected(timestamp: str) -> None:
    params = {**VECTOR, "timestamp": timestamp}
    params["hmac"] = query_hmac(params, "hush")

    with pytest.raises(RequestRejected) as caught:
        verify_query(params, ["hush"], now=VECTOR_TIME)

    assert caught.value.reason is Rejection.BAD_TIMESTAMP


def test_valid_session_token_gives_the_full_shop_domain(auth: ShopifyAuth) -> None:
    token = session_token()

    session = auth.verify_bearer(f"Bearer {token}", "https://connector.example.com/api")

    assert (session.shop, session.user_id, session.token) == (SHOP, "42", token)
    assert session.claims["dest"] == f"https://{SHOP}"


def test_session_token_signed_with_previous_secret_is_accepted(auth: ShopifyAuth) -> None:
    session = auth.verify_bearer(
        f"Bearer {session_token(secret=TEST_PREVIOUS_SECRET)}", "https://x/"
    )

    assert session.shop == SHOP


def test_session_token_five_seconds_past_expiry_is_within_leeway(auth: ShopifyAuth) -> None:
    session = auth.verify_bearer(f"Bearer {session_token(expires_in=-5)}", "https://x/")

    assert session.shop == SHOP


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "another-app"}, Rejection.INVALID_SESSION),
        ({"expires_in": -15}, Rejection.INVALID_SESSION),
        ({"secret": "not-our-secret"}, Rejection.INVALID_SESSION),
        ({"iss": "https://other-shop.myshopify.com/admin"}, Rejection.SHOP_MISMATCH),
        ({"shop": "evil.example.com"}, Rejection.SHOP_MISMATCH),
        ({"iss": "https://evil.example.com/admin"}, Rejection.SHOP_MISMATCH),
        ({"dest": f"http://{SHOP}", "iss": f"http://{SHOP}/admin"}, Rejection.SHOP_MISMATCH),
    ],
    ids=[
        "wrong-aud",
        "expired-beyond-leeway",
        "wrong-secret",
        "iss-dest-differ",
        "not-myshopify",
        "iss-not-myshopify",
        "not-https",
    ],
)
def test_refused_session_token_answers_401_with_retry_header(
    auth: ShopifyAuth, claims: dict[str, Any], reason: Rejection
) -> None:
    # Minted inside the test: a token made at collection time expires on a long suite run.
    token = session_token(**claims)

    with pytest.raises(SessionRejected) as caught:
        auth.verify_bearer(f"Bearer {token}", "https://connector.example.com/api")

    assert caught.value.reason is reason
    assert caught.value.reply.status == 401
    assert caught.value.reply.headers == {RETRY_HEADER: "1"}


def test_missing_authorization_is_401_without_retry(auth: ShopifyAuth) -> None:
    with pytest.raises(SessionRejected) as caught:
        auth.verify_bearer(None, "https://connector.example.com/api")

    assert caught.value.reason is Rejection.MISSING_SESSION
    assert (caught.value.reply.status, dict(caught.value.reply.headers)) == (401, {})


def test_authorize_url_names_client_scopes_callback_and_state(auth: ShopifyAuth) -> None:
    url = auth.authorize_url(
        SHOP,
        scopes=("read_orders", "write_discounts"),
        redirect_uri="https://connector.example.com/auth/callback",
        state="n0nce",
    )

    assert url == (
        f"https://{SHOP}/admin/oauth/authorize?client_id={TEST_API_KEY}"
        "&scope=read_orders%2Cwrite_discounts"
        "&redirect_uri=https%3A%2F%2Fconnector.example.com%2Fauth%2Fcallback&state=n0nce"
    )
