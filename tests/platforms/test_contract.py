"""The adapter contract: one battery of tests that every platform's adapter must pass.

Each test runs once per harness. Adding a platform is one harness class (the interface is
`Harness` below) and one entry in HARNESSES.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Protocol

import httpx
import pytest

from connector.settings import load_settings
from platforms.base import (
    BadSignature,
    DiscountKind,
    DiscountRef,
    DiscountSpec,
    GiftCardRef,
    GiftCardSpec,
    MissingHeaders,
    Money,
    PlatformAdapter,
    PlatformRejected,
    StoreCredentials,
)
from platforms.sandbox.adapter import SandboxAdapter, order_payload, signed_headers
from platforms.shopify.adapter import ShopifyAdapter
from platforms.woocommerce.adapter import WooCommerceAdapter
from tests.conftest import TEST_API_SECRET, make_env
from tests.support import shopify_payloads
from tests.support import woocommerce_payloads as woo
from tests.support.fake_shopify import FakeShopify, installed_fake
from tests.support.fake_woocommerce import FakeWooCommerce, installed_woo, resolve_public

BIG_ORDER_ID = 820982911946154508  # > 2**53: a float would change it
BIG_CUSTOMER_ID = 7700112233445566771
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


class Harness(Protocol):
    """What the battery needs from one platform."""

    platform: str
    adapter: PlatformAdapter
    creds: StoreCredentials
    secrets: list[str]
    order_topic: str  # the platform's name for "an order was paid"
    signature_header: str
    supports_store_credit: bool
    webhook_topics: list[str]  # two order topics in the platform's own names

    def signed_webhook(self, body: bytes, delivery_id: str) -> dict[str, str]:
        """Headers of a genuine order webhook delivery carrying `body`."""
        ...

    def order_payload(self, order_id: int, *, customer_id: int, total: str) -> dict[str, Any]:
        """An order in the platform's documented webhook shape (email friend@example.org)."""
        ...

    def seed_customer(self, email: str, orders: int) -> str:
        """Add a customer who has placed `orders` orders; returns their id."""
        ...

    def seed_order(self, order_id: int, updated_at: datetime, total: str) -> None:
        """Add an order that list_orders should find."""
        ...

    def discount_is_active(self, code: str) -> bool:
        """Whether the store would accept the code at checkout now."""
        ...

    def customer_tags(self, customer_id: str) -> set[str]:
        """The tags the store holds for the customer (WooCommerce: its tier meta, if set)."""
        ...

    def discount_value(self, code: str) -> tuple[str, Decimal]:
        """The kind (percentage | fixed_amount) and value the store's discount now gives."""
        ...


class SandboxHarness:
    """The in-memory sandbox store."""

    platform = "sandbox"
    order_topic = "orders/paid"
    signature_header = "X-Sandbox-Signature"
    supports_store_credit = True
    secrets: ClassVar[list[str]] = ["sandbox-contract-secret"]
    webhook_topics: ClassVar[list[str]] = ["orders/paid", "orders/updated"]

    def __init__(self) -> None:
        self.adapter = SandboxAdapter()
        self.creds = StoreCredentials(platform="sandbox", shop="demo.sandbox", access_token="-")
        self.store = self.adapter.shop(self.creds.shop)

    @classmethod
    @asynccontextmanager
    async def open(cls, tmp_path: Path) -> AsyncIterator[SandboxHarness]:
        """A harness for one test."""
        yield cls()

    def signed_webhook(self, body: bytes, delivery_id: str) -> dict[str, str]:
        """Headers of a genuine sandbox delivery."""
        return signed_headers(
            self.secrets[0],
            body,
            topic=self.order_topic,
            shop=self.creds.shop,
            delivery_id=delivery_id,
        )

    def order_payload(self, order_id: int, *, customer_id: int, total: str) -> dict[str, Any]:
        """The sandbox's own order builder (what the demo sends)."""
        return order_payload(
            order_id, email="friend@example.org", customer_id=customer_id, total=total
        )

    def seed_customer(self, email: str, orders: int) -> str:
        """A sandbox customer with history."""
        return self.store.add_customer(email, order_count=orders).customer_id

    def seed_order(self, order_id: int, updated_at: datetime, total: str) -> None:
        """A sandbox order."""
        self.store.add_order(
            order_payload(
                order_id,
                email="o@example.org",
                customer_id=None,
                total=total,
                updated_at=updated_at,
            )
        )

    def discount_is_active(self, code: str) -> bool:
        """The sandbox discount's flag."""
        return self.store.discounts[code.casefold()].active

    def customer_tags(self, customer_id: str) -> set[str]:
        """The sandbox customer's tags."""
        return set(self.store.customers[customer_id].tags)

    def discount_value(self, code: str) -> tuple[str, Decimal]:
        """The sandbox discount's kind and value."""
        found = self.store.discounts[code.casefold()].spec
        return found.kind.value, found.value


class ShopifyHarness:
    """Shopify's adapter against the fake Admin GraphQL API (every request schema-checked)."""

    platform = "shopify"
    order_topic = "orders/paid"
    signature_header = "X-Shopify-Hmac-Sha256"
    supports_store_credit = True
    secrets: ClassVar[list[str]] = [TEST_API_SECRET]
    webhook_topics: ClassVar[list[str]] = ["orders/paid", "orders/updated"]

    def __init__(self, fake: FakeShopify, adapter: ShopifyAdapter) -> None:
        self.fake = fake
        self.adapter = adapter
        self.creds = StoreCredentials(
            platform="shopify", shop=fake.shop, access_token=fake.access_token
        )

    @classmethod
    @asynccontextmanager
    async def open(cls, tmp_path: Path) -> AsyncIterator[ShopifyHarness]:
        """A harness for one test: the fake routed, a real httpx client, test settings."""
        settings = load_settings(make_env(tmp_path, "sqlite://:memory:"))
        with installed_fake() as fake:
            async with httpx.AsyncClient() as http:
                yield cls(fake, ShopifyAdapter(settings, http))

    def signed_webhook(self, body: bytes, delivery_id: str) -> dict[str, str]:
        """Headers Shopify sends, signed with the app secret."""
        return shopify_payloads.signed_headers(body, self.order_topic, delivery_id)

    def order_payload(self, order_id: int, *, customer_id: int, total: str) -> dict[str, Any]:
        """The documented REST order shape."""
        return shopify_payloads.order(
            order_id, customer_id=customer_id, total=total, subtotal=total
        )

    def seed_customer(self, email: str, orders: int) -> str:
        """A customer with `numberOfOrders` set."""
        return self.fake.add_customer(email, orders=orders)

    def seed_order(self, order_id: int, updated_at: datetime, total: str) -> None:
        """An order in the fake's GraphQL store."""
        self.fake.add_order(order_id, updated_at=updated_at, total=total)

    def discount_is_active(self, code: str) -> bool:
        """The fake discount's status."""
        return self.fake.discounts[code.casefold()].status == "ACTIVE"

    def customer_tags(self, customer_id: str) -> set[str]:
        """The fake customer's tags."""
        return set(self.fake.customers[f"gid://shopify/Customer/{customer_id}"].tags)

    def discount_value(self, code: str) -> tuple[str, Decimal]:
        """The kind and value the fake store's discount gives, as the last input set them."""
        value = self.fake.discounts[code.casefold()].input["customerGets"]["value"]
        if "percentage" in value:
            return "percentage", Decimal(str(value["percentage"])) * 100
        return "fixed_amount", Decimal(value["discountAmount"]["amount"])


class WooCommerceHarness:
    """WooCommerce's adapter against the fake REST store (coupon bodies schema-checked)."""

    platform = "woocommerce"
    order_topic = "order.updated"
    signature_header = "X-WC-Webhook-Signature"
    supports_store_credit = False
    secrets: ClassVar[list[str]] = [woo.WEBHOOK_SECRET]
    webhook_topics: ClassVar[list[str]] = ["order.created", "order.updated"]

    def __init__(self, fake: FakeWooCommerce, adapter: WooCommerceAdapter) -> None:
        self.fake = fake
        self.adapter = adapter
        self.creds = StoreCredentials(
            platform="woocommerce",
            shop=woo.SHOP,
            access_token=woo.CONSUMER_KEY,
            extra={
                "consumer_secret": woo.CONSUMER_SECRET,
                "home_url": woo.HOME,
                "webhook_secret": woo.WEBHOOK_SECRET,
            },
        )

    @classmethod
    @asynccontextmanager
    async def open(cls, tmp_path: Path) -> AsyncIterator[WooCommerceHarness]:
        """A harness for one test: the fake routed, names resolving to a public address."""
        settings = load_settings(make_env(tmp_path, "sqlite://:memory:"))
        with installed_woo() as fake:
            async with httpx.AsyncClient() as http:
                adapter = WooCommerceAdapter(
                    settings, http, resolve=resolve_public, clock=lambda: fake.now
                )
                yield cls(fake, adapter)

    def signed_webhook(self, body: bytes, delivery_id: str) -> dict[str, str]:
        """Headers WooCommerce sends, signed with the shop's webhook secret."""
        return woo.signed_headers(body, topic=self.order_topic, delivery_id=delivery_id)

    def order_payload(self, order_id: int, *, customer_id: int, total: str) -> dict[str, Any]:
        """The documented REST order shape, paid (processing with date_paid)."""
        return woo.order(order_id, customer_id=customer_id, total=total)

    def seed_customer(self, email: str, orders: int) -> str:
        """A registered customer with paid orders."""
        return self.fake.add_customer(email, orders=orders)

    def seed_order(self, order_id: int, updated_at: datetime, total: str) -> None:
        """A guest order last modified at `updated_at`."""
        modified = updated_at.astimezone(UTC).replace(tzinfo=None).isoformat()
        self.fake.add_order(order_id, total=total, email="o@example.org", modified=modified)

    def discount_is_active(self, code: str) -> bool:
        """Whether the fake store would accept the coupon now."""
        return self.fake.coupon_is_active(code)

    def customer_tags(self, customer_id: str) -> set[str]:
        """The customer's tier meta, as a tag when it is set."""
        meta = self.fake.tier_meta(customer_id)
        return {meta} if meta else set()

    def discount_value(self, code: str) -> tuple[str, Decimal]:
        """The kind and amount of the fake store's coupon."""
        coupon = next(c for c in self.fake.coupons.values() if c["code"] == code.lower())
        kinds = {"percent": "percentage", "fixed_cart": "fixed_amount"}
        return kinds[coupon["discount_type"]], Decimal(coupon["amount"])


HARNESSES: dict[str, Any] = {
    "sandbox": SandboxHarness,
    "shopify": ShopifyHarness,
    "woocommerce": WooCommerceHarness,
}


@pytest.fixture(params=list(HARNESSES))
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    """Each platform in turn."""
    async with HARNESSES[request.param].open(tmp_path) as opened:
        yield opened


def as_received(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as the web server hands them over (lower-case names)."""
    return {name.lower(): value for name, value in headers.items()}


def spec(code: str = "FRIEND-ANA-7KQ", **changes: Any) -> DiscountSpec:
    """A friend's one-use 10% code."""
    values: dict[str, Any] = {
        "code": code,
        "title": "Referral: 10% off for a friend of Ana",
        "kind": DiscountKind.PERCENTAGE,
        "value": Decimal("10"),
        "currency": "EUR",
        "starts_at": NOW,
        "ends_at": NOW + timedelta(days=30),
    }
    values.update(changes)
    return DiscountSpec(**values)


# -- webhooks ---------------------------------------------------------------------------------


def test_signed_webhook_verifies_into_a_delivery(harness: Harness) -> None:
    body = b'{"id": 820982911946154508}'
    headers = harness.signed_webhook(body, "delivery-0001")

    delivery = harness.adapter.verify_webhook(as_received(headers), body, harness.secrets)

    assert (delivery.platform, delivery.shop, delivery.topic, delivery.delivery_id) == (
        harness.platform,
        harness.creds.shop,
        harness.order_topic,
        "delivery-0001",
    )
    assert delivery.raw_body == body
    assert harness.signature_header.lower() not in delivery.headers


def test_body_changed_after_signing_is_a_bad_signature(harness: Harness) -> None:
    body = b'{"id": 1, "total_price": "120.00"}'
    headers = harness.signed_webhook(body, "delivery-0002")

    with pytest.raises(BadSignature):
        harness.adapter.verify_webhook(
            as_received(headers), body.replace(b"120.00", b"920.00"), harness.secrets
        )


def test_signature_from_another_secret_is_a_bad_signature(harness: Harness) -> None:
    body = b'{"id": 1}'
    headers = harness.signed_webhook(body, "delivery-0003")

    with pytest.raises(BadSignature):
        harness.adapter.verify_webhook(as_received(headers), body, ["some-other-secret"])


def test_missing_signature_header_is_named(harness: Harness) -> None:
    body = b'{"id": 1}'
    headers = harness.signed_webhook(body, "delivery-0004")
    del headers[harness.signature_header]

    with pytest.raises(MissingHeaders) as raised:
        harness.adapter.verify_webhook(as_received(headers), body, harness.secrets)

    assert raised.value.missing == (harness.signature_header,)
    assert raised.value.status == 400


# -- orders -----------------------------------------------------------------------------------


def test_parse_order_keeps_amounts_and_64_bit_ids_exact(harness: Harness) -> None:
    payload = harness.order_payload(BIG_ORDER_ID, customer_id=BIG_CUSTOMER_ID, total="1234.56")

    event = harness.adapter.parse_order(harness.creds.shop, harness.order_topic, payload)

    assert event.platform == harness.platform
    assert event.order_id == "820982911946154508"
    assert event.customer_id == "7700112233445566771"
    assert event.total == Decimal("1234.56")
    assert event.subtotal == Decimal("1234.56")
    assert event.currency == "EUR"
    assert event.email == "friend@example.org"
    assert event.paid is True


async def test_list_orders_returns_orders_updated_since(harness: Harness) -> None:
    harness.seed_order(5001, NOW - timedelta(hours=3), "10.00")
    harness.seed_order(5002, NOW - timedelta(hours=1), "20.50")
    harness.seed_order(5003, NOW, "30.25")

    listed = [p async for p in harness.adapter.list_orders(harness.creds, NOW - timedelta(hours=2))]

    events = [harness.adapter.parse_order(harness.creds.shop, "orders/updated", p) for p in listed]
    assert [(e.order_id, e.total) for e in events] == [
        ("5002", Decimal("20.50")),
        ("5003", Decimal("30.25")),
    ]


# -- discounts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (DiscountKind.PERCENTAGE, Decimal("12.5")),
        (DiscountKind.FIXED_AMOUNT, Decimal("10.00")),
        (DiscountKind.FREE_SHIPPING, Decimal("0")),
    ],
)
async def test_create_discount_of_each_kind_can_be_found(
    harness: Harness, kind: DiscountKind, value: Decimal
) -> None:
    created = await harness.adapter.create_discount(
        harness.creds, spec(f"REF-{kind.name}", kind=kind, value=value)
    )

    assert created.code == f"REF-{kind.name}"
    assert await harness.adapter.find_discount(harness.creds, f"REF-{kind.name}") == created
    assert harness.discount_is_active(f"REF-{kind.name}") is True


async def test_create_discount_twice_returns_the_same_ref(harness: Harness) -> None:
    first = await harness.adapter.create_discount(harness.creds, spec())

    second = await harness.adapter.create_discount(harness.creds, spec())

    assert second == first


async def test_update_discount_changes_its_value_and_twice_is_fine(harness: Harness) -> None:
    ref = await harness.adapter.create_discount(harness.creds, spec())
    raised = spec(kind=DiscountKind.PERCENTAGE, value=Decimal("25"))

    await harness.adapter.update_discount(harness.creds, ref, raised)
    await harness.adapter.update_discount(harness.creds, ref, raised)
    assert harness.discount_value(ref.code) == ("percentage", Decimal("25"))

    amount = spec(kind=DiscountKind.FIXED_AMOUNT, value=Decimal("7.50"))
    await harness.adapter.update_discount(harness.creds, ref, amount)
    assert harness.discount_value(ref.code) == ("fixed_amount", Decimal("7.50"))
    assert harness.discount_is_active(ref.code) is True


async def test_find_discount_that_does_not_exist_is_none(harness: Harness) -> None:
    assert await harness.adapter.find_discount(harness.creds, "NO-SUCH-CODE") is None


async def test_disable_discount_twice_is_fine(harness: Harness) -> None:
    ref = await harness.adapter.create_discount(harness.creds, spec())

    await harness.adapter.disable_discount(harness.creds, ref)
    await harness.adapter.disable_discount(harness.creds, ref)

    assert harness.discount_is_active(ref.code) is False


async def test_disable_missing_discount_is_fine(harness: Harness) -> None:
    ref = DiscountRef(code="NEVER-CREATED", platform_id="gid://shopify/DiscountCodeNode/404404")

    await harness.adapter.disable_discount(harness.creds, ref)

    assert await harness.adapter.find_discount(harness.creds, "NEVER-CREATED") is None


async def test_a_free_product_code_is_made_once_and_found(harness: Harness) -> None:
    tote = spec("REF-TOTE-7KQ", kind=DiscountKind.FREE_PRODUCT, value=Decimal("18.00"),
                product_ids=("812",), emails=("ana@example.org",))  # fmt: skip

    created = await harness.adapter.create_discount(harness.creds, tote)

    assert await harness.adapter.create_discount(harness.creds, tote) == created
    assert await harness.adapter.find_discount(harness.creds, "REF-TOTE-7KQ") == created
    assert harness.discount_is_active("REF-TOTE-7KQ") is True


# -- gift cards -------------------------------------------------------------------------------


def gift_card(code: str = "GIFT7KQ4XYZ2M3N5") -> GiftCardSpec:
    """A 25 EUR gift card for a customer who is known by email."""
    return GiftCardSpec(
        code=code, amount=Money(Decimal("25.00"), "EUR"), note="Referral reward rw_1",
        email="ana@example.org",
    )  # fmt: skip


async def test_a_gift_card_is_made_once_and_disabled_idempotently(harness: Harness) -> None:
    harness.seed_customer("ana@example.org", 0)
    first = await harness.adapter.create_gift_card(harness.creds, gift_card())

    again = await harness.adapter.create_gift_card(harness.creds, gift_card())
    await harness.adapter.disable_gift_card(harness.creds, first)
    await harness.adapter.disable_gift_card(harness.creds, GiftCardRef(first.code, ""))

    assert again == first
    assert first.code == "GIFT7KQ4XYZ2M3N5"


# -- customers and store credit ---------------------------------------------------------------


async def test_customer_summary_counts_a_returning_customers_orders(harness: Harness) -> None:
    customer_id = harness.seed_customer("ana@example.org", orders=3)

    by_id = await harness.adapter.customer_summary(
        harness.creds, customer_id=customer_id, email=None
    )
    by_email = await harness.adapter.customer_summary(
        harness.creds, customer_id=None, email="ANA@example.org"
    )

    assert (by_id.customer_id, by_id.email, by_id.order_count) == (
        customer_id,
        "ana@example.org",
        3,
    )
    assert (by_email.customer_id, by_email.order_count) == (customer_id, 3)


async def test_customer_summary_for_an_unknown_email_is_zero_orders(harness: Harness) -> None:
    summary = await harness.adapter.customer_summary(
        harness.creds, customer_id=None, email="nobody@example.org"
    )

    assert (summary.customer_id, summary.email, summary.order_count) == (
        None,
        "nobody@example.org",
        0,
    )


async def test_store_credit_adds_up_exactly(harness: Harness) -> None:
    customer_id = harness.seed_customer("ana@example.org", orders=1)
    if not harness.supports_store_credit:
        with pytest.raises(PlatformRejected):
            await harness.adapter.credit_store_credit(
                harness.creds, customer_id, Money(Decimal("10.00"), "EUR")
            )
        return

    first = await harness.adapter.credit_store_credit(
        harness.creds, customer_id, Money(Decimal("10.10"), "EUR")
    )
    second = await harness.adapter.credit_store_credit(
        harness.creds, customer_id, Money(Decimal("0.20"), "EUR")
    )

    assert first.amount == Money(Decimal("10.10"), "EUR")
    assert second.balance_after == Money(Decimal("10.30"), "EUR")
    assert first.transaction_id != second.transaction_id


async def test_store_credit_for_an_unknown_customer_is_rejected(harness: Harness) -> None:
    if not harness.supports_store_credit:
        pytest.skip(f"{harness.platform} has no store credit")

    with pytest.raises(PlatformRejected) as raised:
        await harness.adapter.credit_store_credit(
            harness.creds, "999000111", Money(Decimal("5.00"), "EUR")
        )

    assert raised.value.code == "OWNER_NOT_FOUND"


# -- a VIP tier's tag on a customer -----------------------------------------------------------


async def test_tagging_a_customer_twice_tags_them_once_and_untagging_is_repeatable(
    harness: Harness,
) -> None:
    customer_id = harness.seed_customer("ana@example.org", orders=1)

    await harness.adapter.tag_customer(harness.creds, customer_id, "VIP Gold")
    await harness.adapter.tag_customer(harness.creds, customer_id, "VIP Gold")
    assert harness.customer_tags(customer_id) == {"VIP Gold"}

    await harness.adapter.untag_customer(harness.creds, customer_id, "VIP Gold")
    await harness.adapter.untag_customer(harness.creds, customer_id, "VIP Gold")
    assert harness.customer_tags(customer_id) == set()


async def test_untagging_another_tag_keeps_the_customers_tag(harness: Harness) -> None:
    customer_id = harness.seed_customer("ana@example.org", orders=1)
    await harness.adapter.tag_customer(harness.creds, customer_id, "VIP Gold")

    await harness.adapter.untag_customer(harness.creds, customer_id, "VIP Silver")

    assert harness.customer_tags(customer_id) == {"VIP Gold"}


async def test_tagging_an_unknown_customer_is_rejected(harness: Harness) -> None:
    with pytest.raises(PlatformRejected):
        await harness.adapter.tag_customer(harness.creds, "999000111", "VIP Gold")
    await harness.adapter.untag_customer(harness.creds, "999000111", "VIP Gold")


# -- webhook subscriptions --------------------------------------------------------------------


async def test_register_webhooks_returns_one_id_per_topic_and_reuses_them(harness: Harness) -> None:
    topics = harness.webhook_topics
    url = f"https://connector.example.com/webhooks/{harness.platform}"

    first = await harness.adapter.register_webhooks(harness.creds, topics, url)
    again = await harness.adapter.register_webhooks(harness.creds, topics, url)

    assert len(first) == 2
    assert len(set(first)) == 2
    assert again == first


# -- customer segments ------------------------------------------------------------------------


SEGMENT_PLATFORMS = ("sandbox", "shopify")  # the others answer None: no customer segments


async def test_new_customer_segment_is_made_once_and_found_again(harness: Harness) -> None:
    first = await harness.adapter.new_customer_segment(harness.creds)

    again = await harness.adapter.new_customer_segment(harness.creds)

    assert again == first
    assert (first is not None) == (harness.platform in SEGMENT_PLATFORMS)
