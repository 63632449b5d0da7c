"""The Admin GraphQL client: throttling, retries, error translation, and the exact variables sent.

Every request goes to the schema-checked fake (tests/support/fake_shopify.py); sleeps are
recorded, never slept.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.settings import load_settings
from platforms.base import (
    AlreadyExists,
    DiscountKind,
    DiscountRef,
    DiscountSpec,
    Money,
    PlatformAuthError,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
    StoreCredentials,
)
from platforms.shopify import queries
from platforms.shopify.adapter import ShopifyAdapter
from platforms.shopify.graphql import AdminGraphQL
from tests.conftest import make_env
from tests.support.fake_shopify import FakeShopify, data_response, installed_fake

START = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


class Sleeps(list[float]):
    """An injectable sleep that records how long it was asked to wait."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def shopify() -> Iterator[FakeShopify]:
    """The fake Admin API, every request schema-checked."""
    with installed_fake() as fake:
        yield fake


@pytest.fixture
def creds(shopify: FakeShopify) -> StoreCredentials:
    """Valid credentials for the fake shop."""
    return StoreCredentials(
        platform="shopify", shop=shopify.shop, access_token=shopify.access_token
    )


@pytest.fixture
def sleeps() -> Sleeps:
    """What the client waited for."""
    return Sleeps()


@pytest.fixture
async def client(sleeps: Sleeps) -> AsyncIterator[AdminGraphQL]:
    """The client over one httpx client, sleeping into `sleeps`."""
    async with httpx.AsyncClient() as http:
        yield AdminGraphQL(http, "2026-04", sleep=sleeps)


@pytest.fixture
async def adapter(tmp_path: Path, client: AdminGraphQL) -> ShopifyAdapter:
    """The Shopify adapter using that client."""
    settings = load_settings(make_env(tmp_path, "sqlite://:memory:"))
    shopify_adapter = ShopifyAdapter(settings, client.http)
    shopify_adapter.graphql = client
    return shopify_adapter


def friend_spec(**changes: Any) -> DiscountSpec:
    """10% off, once, for one customer."""
    values: dict[str, Any] = {
        "code": "FRIEND-ANA-7KQ",
        "title": "Referral: 10% off",
        "kind": DiscountKind.PERCENTAGE,
        "value": Decimal("10"),
        "currency": "EUR",
        "starts_at": START,
        "ends_at": START + timedelta(days=30),
        "customer_ids": ("7700112233445566",),
    }
    values.update(changes)
    return DiscountSpec(**values)


async def count_orders(client: AdminGraphQL, creds: StoreCredentials) -> Any:
    """A read-only query the retry tests repeat."""
    return await client.query(creds, queries.CUSTOMER_ORDER_COUNT_BY_EMAIL, {"email": "a@b.org"})


def keys_anywhere(value: Any) -> set[str]:
    """Every mapping key at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_anywhere(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_anywhere(v)}
    return set()


# -- throttling and retries -------------------------------------------------------------------


async def test_throttled_waits_the_cost_deficit_then_retries_once(
    client: AdminGraphQL, creds: StoreCredentials, shopify: FakeShopify, sleeps: Sleeps
) -> None:
    shopify.add_customer("a@b.org", orders=2)
    shopify.throttle_next(requested=152.0, available=12.0)

    data = await count_orders(client, creds)

    assert data["customerByIdentifier"]["numberOfOrders"] == "2"
    assert sleeps == [1.4]  # (152 - 12) points / 100 points per second
    assert shopify.operations == ["customerByIdentifier", "customerByIdentifier"]


@pytest.mark.parametrize(
    ("script", "waited"),
    [
        (
            lambda f: f.throttle_next(
                requested=50.0, available=0.0, status=429, headers={"Retry-After": "3"}
            ),
            3.0,
        ),
        (lambda f: f.fail_next(429, headers={"Retry-After": "2.5"}), 2.5),
    ],
    ids=["throttled-body", "bare-429"],
)
async def test_http_429_honours_retry_after(
    client: AdminGraphQL,
    creds: StoreCredentials,
    shopify: FakeShopify,
    sleeps: Sleeps,
    script: Callable[[FakeShopify], None],
    waited: float,
) -> None:
    script(shopify)

    await count_orders(client, creds)

    assert sleeps == [waited]
    assert len(shopify.calls) == 2


async def test_throttle_longer_than_max_wait_is_handed_back(
    client: AdminGraphQL, creds: StoreCredentials, shopify: FakeShopify, sleeps: Sleeps
) -> None:
    shopify.throttle_next(requested=1000.0, available=0.0)  # 10 s, over a 5 s limit
    client.max_wait = 5.0

    with pytest.raises(PlatformRateLimited) as raised:
        await count_orders(client, creds)

    assert raised.value.retry_after == 10.0
    assert sleeps == []
    assert len(shopify.calls) == 1


@pytest.mark.parametrize(
    "script",
    [lambda f: f.fail_next(502), lambda f: f.timeout_next()],
    ids=["502", "read-timeout"],
)
async def test_transient_failure_then_success_backs_off_once(
    client: AdminGraphQL,
    creds: StoreCredentials,
    shopify: FakeShopify,
    sleeps: Sleeps,
    script: Callable[[FakeShopify], None],
) -> None:
    script(shopify)

    data = await count_orders(client, creds)

    assert data == {"customerByIdentifier": None}
    assert sleeps == [0.5]
    assert len(shopify.calls) == 2


async def test_retries_exhausted_is_platform_unavailable(
    client: AdminGraphQL, creds: StoreCredentials, shopify: FakeShopify, sleeps: Sleeps
) -> None:
    for _ in range(4):
        shopify.fail_next(503)

    with pytest.raises(PlatformUnavailable) as raised:
        await count_orders(client, creds)

    assert str(raised.value) == f"{shopify.shop} answered HTTP 503"
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(shopify.calls) == 4


async def test_timeout_is_chained_from_the_httpx_error(
    client: AdminGraphQL, creds: StoreCredentials, shopify: FakeShopify
) -> None:
    for _ in range(4):
        shopify.timeout_next()

    with pytest.raises(PlatformUnavailable) as raised:
        await count_orders(client, creds)

    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)


async def test_store_credit_is_not_repeated_after_a_502(
    adapter: ShopifyAdapter, creds: StoreCredentials, shopify: FakeShopify, sleeps: Sleeps
) -> None:
    customer_id = shopify.add_customer("ana@example.org")
    shopify.fail_next(502)

    with pytest.raises(PlatformUnavailable):
        await adapter.credit_store_credit(creds, customer_id, Money(Decimal("10.00"), "EUR"))

    assert shopify.operations == ["storeCreditAccountCredit"]
    assert sleeps == []
    assert shopify.store_credit == {}


async def test_401_is_an_auth_error_and_is_not_retried(
    client: AdminGraphQL, creds: StoreCredentials, shopify: FakeShopify, sleeps: Sleeps
) -> None:
    revoked = StoreCredentials(platform="shopify", shop=creds.shop, access_token="shpat_revoked")

    with pytest.raises(PlatformAuthError):
        await count_orders(client, revoked)

    assert len(shopify.calls) == 1
    assert sleeps == []


async def test_top_level_errors_are_rejected_with_their_code(
    client: AdminGraphQL, creds: StoreCredentials, shopify: FakeShopify, sleeps: Sleeps
) -> None:
    denied = {
        "errors": [
            {
                "message": "Access denied for customerByIdentifier field.",
                "extensions": {"code": "ACCESS_DENIED"},
            }
        ]
    }
    shopify.respond_next(httpx.Response(200, json=denied))

    with pytest.raises(PlatformRejected) as raised:
        await count_orders(client, creds)

    assert (raised.value.code, raised.value.detail) == (
        "ACCESS_DENIED",
        "Access denied for customerByIdentifier field.",
    )
    assert sleeps == []


async def test_access_token_is_sent_in_the_header_and_never_logged(
    client: AdminGraphQL,
    creds: StoreCredentials,
    shopify: FakeShopify,
    caplog: pytest.LogCaptureFixture,
) -> None:
    shopify.fail_next(502)

    with caplog.at_level(logging.DEBUG):
        await count_orders(client, creds)

    assert shopify.calls[0].headers["X-Shopify-Access-Token"] == shopify.access_token
    assert caplog.records, "the retry is logged"
    assert all(shopify.access_token not in r.getMessage() for r in caplog.records)


# -- mutations: userErrors --------------------------------------------------------------------


async def test_taken_code_is_read_back_as_the_existing_discount(
    adapter: ShopifyAdapter, creds: StoreCredentials, shopify: FakeShopify
) -> None:
    existing = shopify.add_discount("FRIEND-ANA-7KQ")

    ref = await adapter.create_discount(creds, friend_spec())

    assert ref == DiscountRef(code="FRIEND-ANA-7KQ", platform_id=existing.node_id)
    assert shopify.operations == ["discountCodeBasicCreate", "codeDiscountNodeByCode"]
    assert list(shopify.discounts) == ["friend-ana-7kq"]


async def test_taken_code_that_cannot_be_read_back_stays_already_exists(
    adapter: ShopifyAdapter, creds: StoreCredentials, shopify: FakeShopify
) -> None:
    taken = {
        "discountCodeBasicCreate": {
            "codeDiscountNode": None,
            "userErrors": [
                {"field": ["basicCodeDiscount", "code"], "code": "TAKEN", "message": "taken"}
            ],
        }
    }
    shopify.respond_next(data_response(taken))

    with pytest.raises(AlreadyExists) as raised:
        await adapter.create_discount(creds, friend_spec())

    assert raised.value.field == ("basicCodeDiscount", "code")


async def test_other_user_errors_are_rejected_with_code_and_field(
    adapter: ShopifyAdapter, creds: StoreCredentials, shopify: FakeShopify, sleeps: Sleeps
) -> None:
    with pytest.raises(PlatformRejected) as raised:
        await adapter.create_discount(creds, friend_spec(usage_limit=0))

    assert type(raised.value) is PlatformRejected
    assert (raised.value.code, raised.value.field, raised.value.detail) == (
        "GREATER_THAN",
        ("basicCodeDiscount", "usageLimit"),
        "Usage limit must be greater than 0",
    )
    assert shopify.discounts == {}
    assert sleeps == []


# -- the exact variables sent -----------------------------------------------------------------


async def test_percentage_discount_for_one_customer_sends_exactly_these_variables(
    adapter: ShopifyAdapter, creds: StoreCredentials, shopify: FakeShopify
) -> None:
    await adapter.create_discount(creds, friend_spec(minimum_subtotal=Decimal("25.00")))

    (call,) = shopify.calls
    assert call.operation_name == "ReferralDiscountCreate"
    assert call.variables == {
        "input": {
            "title": "Referral: 10% off",
            "code": "FRIEND-ANA-7KQ",
            "startsAt": "2026-11-20T15:00:00Z",
            "endsAt": "2026-12-20T15:00:00Z",
            "context": {"customers": {"add": ["gid://shopify/Customer/7700112233445566"]}},
            "usageLimit": 1,
            "appliesOncePerCustomer": True,
            "combinesWith": {
                "orderDiscounts": False,
                "productDiscounts": False,
                "shippingDiscounts": True,
            },
            "minimumRequirement": {"subtotal": {"greaterThanOrEqualToSubtotal": "25.00"}},
            "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
        }
    }
    assert "customerSelection" not in keys_anywhere(call.variables)


async def test_fixed_amount_for_everyone_sends_the_amount_as_a_string(
    adapter: ShopifyAdapter, creds: StoreCredentials, shopify: FakeShopify
) -> None:
    spec = friend_spec(kind=DiscountKind.FIXED_AMOUNT, value=Decimal("7.50"), customer_ids=())

    await adapter.create_discount(creds, spec)

    sent = shopify.calls[0].variables["input"]
    assert sent["context"] == {"all": "ALL"}
    assert sent["customerGets"]["value"] == {
        "discountAmount": {"amount": "7.50", "appliesOnEachItem": False}
    }


async def test_segment_discount_uses_customer_segments(
    adapter: ShopifyAdapter, creds: StoreCredentials, shopify: FakeShopify
) -> None:
    spec = friend_spec(customer_ids=(), customer_segment_ids=("5566",), usage_limit=None)

    await adapter.create_discount(creds, spec)

    sent = shopify.calls[0].variables["input"]
    assert sent["context"] == {"customerSegments": {"add": ["gid://shopify/Segment/5566"]}}
    assert sent["usageLimit"] is None


async def test_store_credit_sends_money_as_strings(
    adapter: ShopifyAdapter, creds: StoreCredentials, shopify: FakeShopify
) -> None:
    customer_id = shopify.add_customer("ana@example.org")

    result = await adapter.credit_store_credit(creds, customer_id, Money(Decimal("12.30"), "EUR"))

    assert shopify.calls[0].variables == {
        "id": f"gid://shopify/Customer/{customer_id}",
        "creditInput": {"creditAmount": {"amount": "12.30", "currencyCode": "EUR"}},
    }
    assert result.balance_after == Money(Decimal("12.30"), "EUR")


async def test_list_orders_pages_through_every_order(
    adapter: ShopifyAdapter, creds: StoreCredentials, shopify: FakeShopify
) -> None:
    for n in range(45):
        shopify.add_order(9000 + n, updated_at=START + timedelta(minutes=n), total="1.00")

    ids = [order["id"] async for order in adapter.list_orders(creds, START)]

    assert ids == [9000 + n for n in range(45)]
    assert [call.variables["after"] is None for call in shopify.calls] == [True, False, False]
    assert shopify.calls[0].variables["query"] == "updated_at:>='2026-11-20T15:00:00Z'"


async def test_amounts_in_exponent_form_are_sent_as_plain_decimals(
    adapter: ShopifyAdapter, creds: StoreCredentials, shopify: FakeShopify
) -> None:
    customer_id = shopify.add_customer("ana@example.org")

    await adapter.credit_store_credit(creds, customer_id, Money(Decimal("1E+1"), "EUR"))

    assert shopify.calls[0].variables["creditInput"]["creditAmount"]["amount"] == "10"
