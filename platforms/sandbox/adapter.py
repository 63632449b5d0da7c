"""The sandbox: a fake store held in memory behind the adapter interface, for demos and tests.

Each adapter instance keeps its own shops (discounts, customers, orders, store-credit balances);
nothing touches the network. Orders use the same REST shape as Shopify's webhook bodies, and
webhooks are signed with a hex HMAC-SHA256 of the raw body in `X-Sandbox-Signature`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from platforms.base import (
    BadSignature,
    CustomerSummary,
    DiscountRef,
    DiscountSpec,
    GiftCardRef,
    GiftCardSpec,
    MissingHeaders,
    Money,
    OrderEvent,
    PlatformError,
    PlatformRejected,
    StoreCredentials,
    StoreCreditResult,
    WebhookDelivery,
)
from platforms.rest_orders import parse_rest_order, platform_id, timestamp

if TYPE_CHECKING:
    import httpx

    from connector.settings import Settings

PLATFORM = "sandbox"
REQUIRED_HEADERS = (
    "X-Sandbox-Topic",
    "X-Sandbox-Shop",
    "X-Sandbox-Delivery-Id",
    "X-Sandbox-Signature",
)
_EPOCH = datetime.min.replace(tzinfo=UTC)


def sign(secret: str, raw_body: bytes) -> str:
    """The signature the sandbox sends: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, raw_body: bytes, *, topic: str, shop: str, delivery_id: str
) -> dict[str, str]:
    """The headers of a sandbox webhook delivery carrying `raw_body`."""
    return {
        "Content-Type": "application/json",
        "X-Sandbox-Topic": topic,
        "X-Sandbox-Shop": shop,
        "X-Sandbox-Delivery-Id": delivery_id,
        "X-Sandbox-Signature": sign(secret, raw_body),
    }


@dataclass
class SandboxCustomer:
    """A customer of a sandbox shop and how many orders they have placed."""

    customer_id: str
    email: str | None
    order_count: int = 0
    tags: set[str] = field(default_factory=set)


@dataclass
class SandboxDiscount:
    """A discount code in a sandbox shop."""

    ref: DiscountRef
    spec: DiscountSpec
    active: bool = True


@dataclass
class SandboxGiftCard:
    """A gift card in a sandbox shop."""

    ref: GiftCardRef
    spec: GiftCardSpec
    enabled: bool = True


@dataclass
class SandboxShop:
    """One fake store's state; tests and the demo seed it through `add_customer`/`add_order`."""

    domain: str
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)
    discounts: dict[str, SandboxDiscount] = field(default_factory=dict)
    customers: dict[str, SandboxCustomer] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    store_credit: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    webhooks: dict[tuple[str, str], str] = field(default_factory=dict)
    new_customer_segment: str | None = None
    gift_cards: dict[str, SandboxGiftCard] = field(default_factory=dict)

    def next_id(self, prefix: str) -> str:
        """A fresh id like `discount-3`, unique within the shop."""
        return f"{prefix}-{next(self.ids)}"

    def add_customer(
        self, email: str | None, *, order_count: int = 0, customer_id: str | None = None
    ) -> SandboxCustomer:
        """Add (or update) a customer who has already placed `order_count` orders."""
        customer_id = customer_id or str(9_000_000_000_000 + next(self.ids))
        customer = SandboxCustomer(customer_id, email, order_count)
        self.customers[customer_id] = customer
        return customer

    def find_customer(self, customer_id: str | None, email: str | None) -> SandboxCustomer | None:
        """A customer by id, else by email (case-insensitive)."""
        if customer_id and customer_id in self.customers:
            return self.customers[customer_id]
        wanted = (email or "").casefold()
        for customer in self.customers.values():
            if wanted and (customer.email or "").casefold() == wanted:
                return customer
        return None

    def add_order(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Store an order (REST shape); a new order counts towards its customer's orders."""
        order: dict[str, Any] = json.loads(json.dumps(payload))
        order_id = platform_id(order.get("id"))
        if order_id is None:
            raise ValueError("an order needs an id")
        buyer = order.get("customer") or {}
        email = buyer.get("email") or order.get("email")
        customer = self.find_customer(platform_id(buyer.get("id")), email)
        if customer is None and (buyer.get("id") or email):
            customer = self.add_customer(email, customer_id=platform_id(buyer.get("id")))
        if customer is not None and order_id not in self.orders:
            customer.order_count += 1
        self.orders[order_id] = order
        return order


def order_payload(
    order_id: int,
    *,
    email: str,
    customer_id: int | None,
    total: str,
    currency: str = "EUR",
    updated_at: datetime | None = None,
    codes: Sequence[str] = (),
    attributes: Mapping[str, str] | None = None,
    financial_status: str = "paid",
) -> dict[str, Any]:
    """A minimal orders/* body in the REST shape the sandbox (and Shopify) sends."""
    moment = (updated_at or datetime.now(UTC)).isoformat()
    return {
        "id": order_id,
        "name": f"#S{order_id}",
        "email": email,
        "created_at": moment,
        "updated_at": moment,
        "financial_status": financial_status,
        "test": False,
        "currency": currency,
        "subtotal_price": total,
        "total_price": total,
        "discount_codes": [{"code": code} for code in codes],
        "note_attributes": [{"name": k, "value": v} for k, v in (attributes or {}).items()],
        "customer": {"id": customer_id, "email": email} if customer_id is not None else None,
        "line_items": [],
        "refunds": [],
    }


class SandboxAdapter:
    """The fake store's adapter: the whole `PlatformAdapter` interface, in memory."""

    name = PLATFORM

    def __init__(self) -> None:
        self.shops: dict[str, SandboxShop] = {}
        self._failures: list[PlatformError] = []

    @classmethod
    def from_settings(cls, settings: Settings, http: httpx.AsyncClient) -> SandboxAdapter:
        """Build the adapter for this process; it needs neither settings nor the network."""
        return cls()

    def shop(self, domain: str) -> SandboxShop:
        """The state of one sandbox shop, created on first use."""
        return self.shops.setdefault(domain, SandboxShop(domain))

    def fail_next(self, error: PlatformError) -> None:
        """Make the next store call raise `error` (to exercise retries and dead letters)."""
        self._failures.append(error)

    def _store(self, creds: StoreCredentials) -> SandboxShop:
        if self._failures:
            raise self._failures.pop(0)
        return self.shop(creds.shop)

    def webhook(
        self, secret: str, shop: str, topic: str, payload: Mapping[str, Any], delivery_id: str
    ) -> tuple[dict[str, str], bytes]:
        """A signed delivery (headers, raw body) as the sandbox store would send it."""
        body = json.dumps(payload).encode()
        return signed_headers(secret, body, topic=topic, shop=shop, delivery_id=delivery_id), body

    def verify_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]
    ) -> WebhookDelivery:
        """Required headers (400, naming the missing ones), then the signature (401)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        values = {name: (lowered.get(name.lower()) or "").strip() for name in REQUIRED_HEADERS}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise MissingHeaders(missing)
        signature = values["X-Sandbox-Signature"]
        if not any(hmac.compare_digest(sign(s, raw_body), signature) for s in secrets):
            raise BadSignature("the X-Sandbox-Signature signature does not match the body")
        return WebhookDelivery(
            platform=PLATFORM,
            shop=values["X-Sandbox-Shop"].lower(),
            topic=values["X-Sandbox-Topic"].lower(),
            delivery_id=values["X-Sandbox-Delivery-Id"],
            raw_body=raw_body,
            headers={k: v for k, v in lowered.items() if k != "x-sandbox-signature"},
        )

    def parse_order(self, shop: str, topic: str, payload: Mapping[str, Any]) -> OrderEvent:
        """An orders/* body (REST shape) as an `OrderEvent`."""
        return parse_rest_order(PLATFORM, shop, topic, payload)

    async def refresh_credentials(self, creds: StoreCredentials) -> StoreCredentials:
        """Sandbox credentials never expire."""
        return creds

    async def register_webhooks(
        self, creds: StoreCredentials, topics: Sequence[str], callback_url: str
    ) -> list[str]:
        """One subscription per (topic, url), reused when asked again."""
        store = self._store(creds)
        return [
            store.webhooks.setdefault((topic, callback_url), store.next_id("webhook"))
            for topic in topics
        ]

    async def create_discount(self, creds: StoreCredentials, spec: DiscountSpec) -> DiscountRef:
        """Create the code; an existing code is returned as it is (codes are case-insensitive)."""
        store = self._store(creds)
        key = spec.code.casefold()
        if key not in store.discounts:
            ref = DiscountRef(code=spec.code, platform_id=store.next_id("discount"))
            store.discounts[key] = SandboxDiscount(ref, spec)
        return store.discounts[key].ref

    async def update_discount(
        self, creds: StoreCredentials, ref: DiscountRef, spec: DiscountSpec
    ) -> None:
        """Give the discount the spec's title and value; an unknown code is refused."""
        discount = self._store(creds).discounts.get(ref.code.casefold())
        if discount is None:
            raise PlatformRejected(f"no discount {ref.code} to update", code="NOT_FOUND")
        discount.spec = replace(discount.spec, title=spec.title, kind=spec.kind, value=spec.value)

    async def disable_discount(self, creds: StoreCredentials, ref: DiscountRef) -> None:
        """Deactivate; an inactive or unknown discount is fine."""
        discount = self._store(creds).discounts.get(ref.code.casefold())
        if discount is not None:
            discount.active = False

    async def find_discount(self, creds: StoreCredentials, code: str) -> DiscountRef | None:
        """The discount with this code, active or not."""
        discount = self._store(creds).discounts.get(code.casefold())
        return discount.ref if discount else None

    async def customer_summary(
        self, creds: StoreCredentials, *, customer_id: str | None, email: str | None
    ) -> CustomerSummary:
        """Orders placed by the customer; someone unknown has placed none."""
        customer = self._store(creds).find_customer(customer_id, email)
        if customer is None:
            return CustomerSummary(customer_id=None, email=email, order_count=0)
        return CustomerSummary(customer.customer_id, customer.email or email, customer.order_count)

    async def tag_customer(self, creds: StoreCredentials, customer_id: str, tag: str) -> None:
        """Add the tag to the customer's tags, as Shopify's `tagsAdd` does."""
        customer = self._store(creds).find_customer(customer_id, None)
        if customer is None:
            raise PlatformRejected("no such customer", code="NOT_FOUND", field=("id",))
        customer.tags.add(tag)

    async def untag_customer(self, creds: StoreCredentials, customer_id: str, tag: str) -> None:
        """Take the tag off the customer's tags (nothing to do for a customer gone)."""
        customer = self._store(creds).find_customer(customer_id, None)
        if customer is not None:
            customer.tags.discard(tag)

    async def credit_store_credit(
        self, creds: StoreCredentials, customer_id: str, amount: Money
    ) -> StoreCreditResult:
        """Add to the customer's balance in that currency, as Shopify's store credit does."""
        store = self._store(creds)
        if store.find_customer(customer_id, None) is None:
            raise PlatformRejected("no such customer", code="OWNER_NOT_FOUND", field=("id",))
        if amount.amount <= 0:
            raise PlatformRejected("amount must be positive", code="NEGATIVE_OR_ZERO_AMOUNT")
        key = (customer_id, amount.currency)
        store.store_credit[key] = store.store_credit.get(key, Decimal("0")) + amount.amount
        return StoreCreditResult(
            transaction_id=store.next_id("credit"),
            amount=amount,
            balance_after=Money(store.store_credit[key], amount.currency),
        )

    async def new_customer_segment(self, creds: StoreCredentials) -> str | None:
        """The sandbox's one segment of customers with no orders, made on first use."""
        store = self._store(creds)
        if store.new_customer_segment is None:
            store.new_customer_segment = store.next_id("segment")
        return store.new_customer_segment

    async def create_gift_card(self, creds: StoreCredentials, spec: GiftCardSpec) -> GiftCardRef:
        """Make the card; an existing code is returned as it is (codes are case-insensitive)."""
        store = self._store(creds)
        key = spec.code.casefold()
        if key not in store.gift_cards:
            ref = GiftCardRef(code=spec.code, platform_id=store.next_id("gift-card"))
            store.gift_cards[key] = SandboxGiftCard(ref, spec)
        return store.gift_cards[key].ref

    async def disable_gift_card(self, creds: StoreCredentials, ref: GiftCardRef) -> None:
        """Disable the card; an unknown or disabled card is fine."""
        card = self._store(creds).gift_cards.get(ref.code.casefold())
        if card is not None:
            card.enabled = False

    async def list_orders(
        self, creds: StoreCredentials, updated_since: datetime
    ) -> AsyncIterator[Mapping[str, Any]]:
        """Orders updated at or after `updated_since`, oldest change first."""
        store = self._store(creds)
        changed = [
            (timestamp(order.get("updated_at")) or _EPOCH, order) for order in store.orders.values()
        ]
        for moment, order in sorted(changed, key=lambda pair: pair[0]):
            if moment >= updated_since:
                yield json.loads(json.dumps(order))
