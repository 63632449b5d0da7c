"""The REST client: Basic auth over https, pagination, retries, and WooCommerce errors as ours."""

from __future__ import annotations

import base64

import httpx
import pytest

from platforms.base import (
    AlreadyExists,
    PlatformAuthError,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
    StoreCredentials,
)
from platforms.retrying import RequestNotSent
from platforms.woocommerce.adapter import WooCommerceAdapter
from platforms.woocommerce.rest import NotFound
from tests.support import woocommerce_payloads as woo
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.conftest import Sleeps


def woo_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(
        status, json={"code": code, "message": message, "data": {"status": status}}
    )


async def test_https_requests_use_basic_auth_and_no_oauth(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    fake_woo.respond_next(record)

    await adapter.rest.request(creds, "GET", "/coupons", params={"code": "x"})

    token = base64.b64encode(f"{woo.CONSUMER_KEY}:{woo.CONSUMER_SECRET}".encode()).decode()
    assert seen[0].headers["authorization"] == f"Basic {token}"
    assert str(seen[0].url) == "https://store.example/wp-json/wc/v3/coupons?code=x"


async def test_paginate_reads_every_page_by_x_wp_totalpages(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    for order_id in range(1, 251):
        fake_woo.add_order(order_id)

    ids = [o["id"] async for o in adapter.rest.paginate(creds, "/orders", {"orderby": "id"})]

    assert ids == list(range(1, 251))
    assert [c.params["page"] for c in fake_woo.calls] == ["1", "2", "3"]
    assert {c.params["per_page"] for c in fake_woo.calls} == {"100"}


async def test_a_429_waits_as_long_as_retry_after_says(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce, sleeps: Sleeps
) -> None:
    fake_woo.fail_next(429, headers={"Retry-After": "7"})

    answer = await adapter.rest.request(creds, "GET", "/coupons")

    assert (answer.status, answer.body) == (200, [])
    assert sleeps == [7.0]


async def test_a_429_longer_than_the_wait_limit_is_handed_back(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce, sleeps: Sleeps
) -> None:
    fake_woo.fail_next(429, headers={"Retry-After": "120"})

    with pytest.raises(PlatformRateLimited) as raised:
        await adapter.rest.request(creds, "GET", "/coupons")

    assert raised.value.retry_after == 120.0
    assert sleeps == []
    assert fake_woo.calls == []


async def test_5xx_is_retried_with_backoff_then_raised(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce, sleeps: Sleeps
) -> None:
    for _ in range(4):
        fake_woo.fail_next(502)

    with pytest.raises(PlatformUnavailable, match="answered HTTP 502"):
        await adapter.rest.request(creds, "GET", "/coupons")

    assert sleeps == [0.5, 1.0, 2.0]
    assert fake_woo.calls == []


async def test_a_post_that_may_have_arrived_is_not_repeated(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce, sleeps: Sleeps
) -> None:
    fake_woo.fail_next(500)

    with pytest.raises(PlatformUnavailable):
        await adapter.rest.request(creds, "POST", "/webhooks", json_body={}, idempotent=False)

    assert sleeps == []


async def test_a_connection_refused_is_retried_even_for_a_post(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce, sleeps: Sleeps
) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    fake_woo.respond_next(refused, refused, refused, refused)

    with pytest.raises(RequestNotSent):
        await adapter.rest.request(creds, "POST", "/webhooks", json_body={}, idempotent=False)

    assert sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("answer", "error", "code", "detail"),
    [
        (
            woo_error(
                400, "woocommerce_rest_coupon_code_already_exists", "The coupon code already exists"
            ),
            AlreadyExists,
            "woocommerce_rest_coupon_code_already_exists",
            "The coupon code already exists",
        ),
        (
            woo_error(
                400,
                "woocommerce_rest_invalid_coupon",
                "Coupon &quot;no-such-code&quot; cannot be applied because it does not exist.",
            ),
            PlatformRejected,
            "woocommerce_rest_invalid_coupon",
            'Coupon "no-such-code" cannot be applied because it does not exist.',
        ),
        (
            woo_error(400, "registration-error-email-exists", "An account is already registered."),
            AlreadyExists,
            "registration-error-email-exists",
            "An account is already registered.",
        ),
        (
            woo_error(404, "woocommerce_rest_shop_coupon_invalid_id", "Invalid ID."),
            NotFound,
            "woocommerce_rest_shop_coupon_invalid_id",
            "Invalid ID.",
        ),
        (
            httpx.Response(
                302, headers={"Location": "https://www.store.example/wp-json/wc/v3/coupons"}
            ),
            PlatformRejected,
            "REDIRECTED",
            "store.example redirected the API call to https://www.store.example/wp-json/wc/v3/coupons",
        ),
    ],
)
async def test_error_answers_become_our_errors(
    adapter: WooCommerceAdapter,
    creds: StoreCredentials,
    fake_woo: FakeWooCommerce,
    answer: httpx.Response,
    error: type[PlatformRejected],
    code: str,
    detail: str,
) -> None:
    fake_woo.respond_next(answer)

    with pytest.raises(PlatformRejected) as raised:
        await adapter.rest.request(creds, "POST", "/coupons", json_body={})

    assert type(raised.value) is error
    assert (raised.value.code, raised.value.detail) == (code, detail)


async def test_a_refused_key_is_an_auth_error_with_the_store_message(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    fake_woo.respond_next(
        woo_error(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
    )

    with pytest.raises(PlatformAuthError) as raised:
        await adapter.rest.request(creds, "GET", "/coupons")

    assert str(raised.value) == (
        "store.example refused the API key (HTTP 401, woocommerce_rest_authentication_error): "
        "Consumer key is invalid."
    )


async def test_a_success_that_is_not_json_is_unavailable(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce, sleeps: Sleeps
) -> None:
    page = httpx.Response(200, text="<html>maintenance</html>")
    fake_woo.respond_next(page, page, page, page)

    with pytest.raises(PlatformUnavailable, match="not JSON"):
        await adapter.rest.request(creds, "GET", "/coupons")

    assert len(sleeps) == 3


async def test_a_store_without_a_home_url_on_record_is_rejected(
    adapter: WooCommerceAdapter, fake_woo: FakeWooCommerce
) -> None:
    bare = StoreCredentials(platform="woocommerce", shop=woo.SHOP, access_token=woo.CONSUMER_KEY)

    with pytest.raises(PlatformRejected) as raised:
        await adapter.rest.request(bare, "GET", "/coupons")

    assert raised.value.code == "NO_HOME_URL"
    assert fake_woo.calls == []
