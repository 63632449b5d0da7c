"""Coupons: the payloads we send (checked against the coupon schema), create, find, clawback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from platforms.base import (
    DiscountKind,
    DiscountRef,
    DiscountSpec,
    PlatformRejected,
    StoreCredentials,
)
from platforms.woocommerce.adapter import WooCommerceAdapter
from platforms.woocommerce.coupons import coupon_payload
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.support.woocommerce_schema import coupon_problems

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def spec(**changes: Any) -> DiscountSpec:
    values: dict[str, Any] = {
        "code": "ANA-7KQ",
        "title": "Referral: 10% off for a friend of Ana",
        "kind": DiscountKind.PERCENTAGE,
        "value": Decimal("10"),
        "currency": "EUR",
        "starts_at": NOW,
        "usage_limit": None,
        "once_per_customer": True,
        "individual_use": True,
    }
    values.update(changes)
    return DiscountSpec(**values)


def friend_code(individual_use: bool = True) -> DiscountSpec:
    """A shared friend code: anyone, once each; individual use as the program says."""
    return spec(individual_use=individual_use)


def advocate_reward() -> DiscountSpec:
    """Ana's reward: only her email, one use, expires in 90 days."""
    return spec(
        code="RWD-ANA-0001",
        title="Referral reward for Ana",
        kind=DiscountKind.FIXED_AMOUNT,
        value=Decimal("10.00"),
        usage_limit=1,
        once_per_customer=True,
        emails=("Ana@Example.org",),
        ends_at=NOW + timedelta(days=90),
        customer_ids=("42",),
    )


def test_friend_code_payload() -> None:
    payload = coupon_payload(friend_code(individual_use=False))

    assert payload == {
        "code": "ana-7kq",
        "description": "Referral: 10% off for a friend of Ana",
        "status": "publish",
        "discount_type": "percent",
        "amount": "10",
        "individual_use": False,
        "email_restrictions": [],
        "meta_data": [{"key": "_referral_connector", "value": "1"}],
        "usage_limit_per_user": 1,
    }
    assert coupon_problems(payload, creating=True) == []


def test_advocate_reward_payload() -> None:
    payload = coupon_payload(advocate_reward())

    assert payload == {
        "code": "rwd-ana-0001",
        "description": "Referral reward for Ana",
        "status": "publish",
        "discount_type": "fixed_cart",
        "amount": "10.00",
        "individual_use": True,
        "email_restrictions": ["ana@example.org"],
        "meta_data": [{"key": "_referral_connector", "value": "1"}],
        "usage_limit": 1,
        "usage_limit_per_user": 1,
        "date_expires": "2027-02-18T15:00:00+00:00",
    }
    assert coupon_problems(payload, creating=True) == []


def test_free_shipping_and_minimum_payload() -> None:
    payload = coupon_payload(
        spec(kind=DiscountKind.FREE_SHIPPING, value=Decimal(0), minimum_subtotal=Decimal("25"))
    )

    assert {
        k: payload[k] for k in ("discount_type", "amount", "free_shipping", "minimum_amount")
    } == {
        "discount_type": "fixed_cart",
        "amount": "0",
        "free_shipping": True,
        "minimum_amount": "25",
    }
    assert coupon_problems(payload, creating=True) == []


def test_a_customer_restriction_without_an_email_is_refused() -> None:
    # WooCommerce can only restrict by email; without one the reward would be anyone's.
    with pytest.raises(PlatformRejected) as raised:
        coupon_payload(spec(customer_ids=("42",)))

    assert raised.value.code == "EMAIL_REQUIRED"


@pytest.mark.parametrize(
    ("value", "message"),
    [(Decimal(0), "percentage"), (Decimal("100.5"), "percentage")],
)
def test_a_percentage_out_of_range_is_refused(value: Decimal, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        coupon_payload(spec(value=value))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"code": "x", "usage_limit": None}, "usage_limit must be integer, got None"),
        ({"code": "x", "usage_limit": True}, "usage_limit must be integer, got True"),
        ({"code": "x", "discount_type": "percentage"}, "discount_type must be one of"),
        ({"code": "x", "amount": 10.5j}, "amount must be number or numeric string"),
        ({"code": "x", "amount": "ten"}, "amount must be number or numeric string"),
        ({"code": "x", "email_restrictions": "a@b.c"}, "email_restrictions must be array"),
        ({"code": "x", "date_expires": "next week"}, "date_expires must be date-time"),
        ({"code": "x", "date_expires_gmt": "2030-01-01T00:00:00"}, "date_expires_gmt is ignored"),
        ({"code": "x", "usage_count": 0}, "usage_count is read-only"),
        ({"code": "x", "expiry_date": "2030-01-01"}, "expiry_date is not a coupon property"),
        ({"amount": "5"}, "code is required"),
    ],
)
def test_the_schema_checker_refuses_what_woocommerce_would(
    body: dict[str, Any], problem: str
) -> None:
    problems = coupon_problems(body, creating=True)

    assert len(problems) == 1
    assert problems[0].startswith(problem)


async def test_create_sends_the_payload_and_returns_the_id(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    ref = await adapter.create_discount(creds, advocate_reward())

    stored = fake_woo.coupons[int(ref.platform_id)]
    assert (ref.code, stored["code"], stored["amount"]) == ("RWD-ANA-0001", "rwd-ana-0001", "10.00")
    assert fake_woo.paths() == ["POST /coupons"]
    assert fake_woo.calls[0].body == coupon_payload(advocate_reward())


async def test_a_reward_for_a_customer_is_restricted_to_their_store_email(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    ana = fake_woo.add_customer("ana@example.org")
    reward = spec(code="RWD-ANA-0002", usage_limit=1, customer_ids=(ana,))

    await adapter.create_discount(creds, reward)

    assert fake_woo.paths() == [f"GET /customers/{ana}", "POST /coupons"]
    assert fake_woo.calls[1].body["email_restrictions"] == ["ana@example.org"]


async def test_a_reward_for_an_unknown_customer_is_refused_and_not_created(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    with pytest.raises(PlatformRejected) as raised:
        await adapter.create_discount(creds, spec(customer_ids=("4040",)))

    assert raised.value.code == "EMAIL_REQUIRED"
    assert fake_woo.coupons == {}


async def test_an_existing_code_in_another_case_is_read_back(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    existing = fake_woo.add_coupon("ana-7kq")

    ref = await adapter.create_discount(creds, friend_code())

    assert ref == DiscountRef(code="ANA-7KQ", platform_id=str(existing["id"]))
    assert fake_woo.paths() == ["POST /coupons", "GET /coupons"]
    assert fake_woo.calls[1].params["code"] == "ana-7kq"
    assert len(fake_woo.coupons) == 1


async def test_find_compares_codes_lower_case_and_exactly(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    coupon = fake_woo.add_coupon("ANA-7KQ")

    assert await adapter.find_discount(creds, "Ana-7kq") == DiscountRef(
        "Ana-7kq", str(coupon["id"])
    )
    assert await adapter.find_discount(creds, "ana-7k") is None


async def test_clawback_deletes_the_coupon_for_good(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    ref = await adapter.create_discount(creds, advocate_reward())

    await adapter.disable_discount(creds, ref)
    await adapter.disable_discount(creds, ref)

    assert fake_woo.coupons == {}
    assert fake_woo.paths()[1:] == [
        f"DELETE /coupons/{ref.platform_id}",
        f"DELETE /coupons/{ref.platform_id}",
    ]
    assert fake_woo.calls[1].params == {"force": "true"}
    assert fake_woo.coupon_is_active("rwd-ana-0001") is False


def test_free_product_payload_is_a_100_percent_coupon_for_one_item_of_the_variation() -> None:
    tote = spec(code="RWD-TOTE", kind=DiscountKind.FREE_PRODUCT, value=Decimal("18.00"),
                usage_limit=1, emails=("ana@example.org",), product_ids=("812",),
                variant_ids=("815",))  # fmt: skip

    payload = coupon_payload(tote)

    assert {k: payload[k] for k in ("discount_type", "amount", "product_ids",
                                    "limit_usage_to_x_items", "usage_limit")} == {
        "discount_type": "percent", "amount": "100", "product_ids": [815],
        "limit_usage_to_x_items": 1, "usage_limit": 1,
    }  # fmt: skip
    assert coupon_problems(payload, creating=True) == []


def test_free_product_with_an_id_that_is_not_a_number_is_refused() -> None:
    tote = spec(kind=DiscountKind.FREE_PRODUCT, value=Decimal("18.00"),
                emails=("ana@example.org",), product_ids=("gid://shopify/Product/1",))  # fmt: skip

    with pytest.raises(PlatformRejected) as refused:
        coupon_payload(tote)

    assert refused.value.code == "BAD_PRODUCT_ID"
    assert "WooCommerce product ids are numbers" in refused.value.detail
