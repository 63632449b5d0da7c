"""The adapter interface every store platform implements, and the neutral types the core sees.

Errors an adapter raises (vendor errors are translated in one function per adapter):

    PlatformError
    ├── WebhookRejected              an incoming delivery failed verification
    │   ├── MissingHeaders (400)     required headers absent; `missing` names them
    │   └── BadSignature (401)       the signature does not match any known secret
    ├── PlatformRateLimited          retry after `retry_after` seconds
    ├── PlatformUnavailable          5xx, timeout, network: retry with backoff
    ├── PlatformRejected             the store refused the request; do not retry (`detail`, `code`)
    │   └── AlreadyExists            the object (e.g. a discount code) exists: read it back
    └── PlatformAuthError            the credentials are invalid, expired or revoked
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class PlatformError(Exception):
    """Base of every error an adapter raises."""


class WebhookRejected(PlatformError):
    """An incoming webhook failed verification; `status` is the HTTP answer to give."""

    status = 400


class MissingHeaders(WebhookRejected):
    """Required headers are missing from a webhook request."""

    status = 400

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__("missing required headers: " + ", ".join(missing))
        self.missing = tuple(missing)


class BadSignature(WebhookRejected):
    """The webhook signature does not match."""

    status = 401


class PlatformRateLimited(PlatformError):
    """The store asked us to slow down."""

    def __init__(self, retry_after: float, detail: str = "rate limited") -> None:
        super().__init__(f"{detail}; retry after {retry_after:g}s")
        self.retry_after = retry_after


class PlatformUnavailable(PlatformError):
    """A transient failure: 5xx, timeout or network error. Retry with backoff."""


class PlatformRejected(PlatformError):
    """The store refused the request; retrying the same request will not help."""

    def __init__(self, detail: str, code: str | None = None, field: Sequence[str] = ()) -> None:
        super().__init__(detail if code is None else f"{code}: {detail}")
        self.detail = detail
        self.code = code
        self.field = tuple(field)


class AlreadyExists(PlatformRejected):
    """The object already exists in the store (e.g. a discount with that code)."""


class PlatformAuthError(PlatformError):
    """The credentials are invalid, expired or revoked: the shop must re-authorise."""


# ---------------------------------------------------------------------------------------------
# Neutral types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """An exact amount in an ISO-4217 currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"not an ISO-4217 currency code: {self.currency!r}")


@dataclass(frozen=True)
class StoreCredentials:
    """What an adapter needs to call one store. Held decrypted in memory only."""

    platform: str
    shop: str
    access_token: str
    scopes: tuple[str, ...] = ()
    expires_at: datetime | None = None
    refresh_token: str | None = None
    refresh_token_expires_at: datetime | None = None
    # Platform extras (e.g. WooCommerce's consumer secret, store base URL).
    extra: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"StoreCredentials(platform={self.platform!r}, shop={self.shop!r}, <secrets hidden>)"


@dataclass(frozen=True)
class WebhookDelivery:
    """One verified webhook request, ready to be stored in the inbox."""

    platform: str
    shop: str
    topic: str
    delivery_id: str
    raw_body: bytes
    headers: Mapping[str, str]
    event_id: str | None = None
    triggered_at: datetime | None = None
    api_version: str | None = None


class OrderEventKind(enum.StrEnum):
    """What happened to an order."""

    PLACED = "placed"
    PAID = "paid"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class LineItem:
    """One order line, for product and collection rules."""

    product_id: str | None
    variant_id: str | None
    quantity: int
    price: Decimal
    title: str = ""


@dataclass(frozen=True)
class Refund:
    """A refund on an order."""

    refund_id: str
    amount: Decimal
    created_at: datetime | None


@dataclass(frozen=True)
class OrderEvent:
    """A store's order, translated to the core's words."""

    platform: str
    shop: str
    order_id: str
    kind: OrderEventKind
    order_name: str
    currency: str
    subtotal: Decimal
    total: Decimal
    refunded: Decimal
    financial_status: str
    is_test: bool
    paid: bool
    cancelled: bool
    updated_at: datetime | None
    created_at: datetime | None
    customer_id: str | None
    email: str | None
    discount_codes: tuple[str, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)
    landing_site: str | None = None
    landing_ref: str | None = None
    # sha256 hex of the buyer's IP address and user agent (`client_hash`): never the raw values.
    client_ip_hash: str | None = None
    user_agent_hash: str | None = None
    shipping_address: Mapping[str, str] = field(default_factory=dict)
    line_items: tuple[LineItem, ...] = ()
    refunds: tuple[Refund, ...] = ()
    billing_address: Mapping[str, str] = field(default_factory=dict)
    # Money: `currency` is the shop's and every amount above (subtotal, total, refunded, refunds,
    # line prices) is shop money. When the buyer paid in another currency, `presentment_currency`
    # names it and `exchange_rate` is the order's rate: its units per one unit of `currency`.
    # An order whose rate nobody recorded keeps its own currency here (and no rate): the rules
    # then hold it for a person instead of comparing amounts in two currencies.
    presentment_currency: str = ""
    exchange_rate: Decimal | None = None

    @property
    def foreign(self) -> bool:
        """True when the buyer paid in another currency than the shop's."""
        return bool(self.presentment_currency) and self.presentment_currency != self.currency


def client_hash(value: object) -> str | None:
    """The sha256 hex of a buyer's IP address or user agent; None when there is none."""
    # Fraud checks compare these values only for equality, so the raw ones never leave the adapter.
    return hashlib.sha256(str(value).encode()).hexdigest() if value else None


class DiscountKind(enum.StrEnum):
    """What a discount gives."""

    PERCENTAGE = "percentage"
    FIXED_AMOUNT = "fixed_amount"
    FREE_SHIPPING = "free_shipping"
    # One unit of `product_ids`/`variant_ids` free; `value` is its price (what it is worth).
    FREE_PRODUCT = "free_product"


@dataclass(frozen=True)
class DiscountSpec:
    """A discount code to create in the store; `code` is deterministic and the idempotency key."""

    code: str
    title: str
    kind: DiscountKind
    value: Decimal
    currency: str
    starts_at: datetime
    ends_at: datetime | None = None
    usage_limit: int | None = 1
    once_per_customer: bool = True
    customer_ids: tuple[str, ...] = ()
    customer_segment_ids: tuple[str, ...] = ()
    # For first orders only: Shopify enforces it with `customer_segment_ids` (the no-orders
    # segment); WooCommerce has no segments, so its coupon is marked for the plugin's checkout gate.
    new_customers_only: bool = False
    emails: tuple[str, ...] = ()
    minimum_subtotal: Decimal | None = None
    combines_with_order: bool = False
    combines_with_product: bool = False
    combines_with_shipping: bool = True
    individual_use: bool = True
    # The products or variants the discount is limited to (a free product); none: every item.
    product_ids: tuple[str, ...] = ()
    variant_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscountRef:
    """A discount that exists in the store."""

    code: str
    platform_id: str


@dataclass(frozen=True)
class CustomerSummary:
    """What the rules need to know about a customer."""

    customer_id: str | None
    email: str | None
    order_count: int
    # Whether the store records the customer's consent to marketing email: True, False, or None
    # when the store keeps no such record (WooCommerce) or does not know the customer.
    marketing_consent: bool | None = None


@dataclass(frozen=True)
class GiftCardSpec:
    """A gift card to make for one customer; `code` is deterministic and the idempotency key
    (8 to 20 letters and digits, which both platforms accept)."""

    code: str
    amount: Money
    note: str
    customer_id: str | None = None
    email: str | None = None
    expires_on: date | None = None


@dataclass(frozen=True)
class GiftCardRef:
    """A gift card that exists in the store."""

    code: str
    platform_id: str


@dataclass(frozen=True)
class StoreCreditResult:
    """A store-credit transaction that the store accepted."""

    transaction_id: str | None
    amount: Money
    balance_after: Money | None


# ---------------------------------------------------------------------------------------------
# The interface
# ---------------------------------------------------------------------------------------------


@runtime_checkable
class PlatformAdapter(Protocol):
    """A store platform. One instance per process; methods take the shop's credentials."""

    name: str

    def verify_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]
    ) -> WebhookDelivery:
        """Verify signature and required headers; raise MissingHeaders or BadSignature."""
        ...

    def parse_order(self, shop: str, topic: str, payload: Mapping[str, Any]) -> OrderEvent:
        """Translate an order payload into an `OrderEvent`."""
        ...

    async def refresh_credentials(self, creds: StoreCredentials) -> StoreCredentials:
        """Return fresh credentials (rotating refresh tokens); PlatformAuthError if revoked."""
        ...

    async def register_webhooks(
        self, creds: StoreCredentials, topics: Sequence[str], callback_url: str
    ) -> list[str]:
        """Subscribe the shop to topics at callback_url; return the subscription ids."""
        ...

    async def create_discount(self, creds: StoreCredentials, spec: DiscountSpec) -> DiscountRef:
        """Create a discount code; an existing code with that name is read back, not an error."""
        ...

    async def update_discount(
        self, creds: StoreCredentials, ref: DiscountRef, spec: DiscountSpec
    ) -> None:
        """Change an existing discount's title and value (percentage or fixed amount) to the
        spec's; its code, who may use it and its limits stay. Idempotent."""
        ...

    async def disable_discount(self, creds: StoreCredentials, ref: DiscountRef) -> None:
        """Deactivate a discount; idempotent."""
        ...

    async def find_discount(self, creds: StoreCredentials, code: str) -> DiscountRef | None:
        """Look a discount up by its code."""
        ...

    async def customer_summary(
        self, creds: StoreCredentials, *, customer_id: str | None, email: str | None
    ) -> CustomerSummary:
        """How many orders a customer (or guest email) has placed."""
        ...

    async def credit_store_credit(
        self, creds: StoreCredentials, customer_id: str, amount: Money
    ) -> StoreCreditResult:
        """Credit a customer's store-credit account; PlatformRejected where unsupported."""
        ...

    async def new_customer_segment(self, creds: StoreCredentials) -> str | None:
        """A customer segment of people with no orders (found or created), or None if unsupported."""
        ...

    async def tag_customer(self, creds: StoreCredentials, customer_id: str, tag: str) -> None:
        """Put `tag` on a customer (Shopify: a customer tag; WooCommerce: the customer's tier
        meta); idempotent. PlatformRejected when the store has no such customer."""
        ...

    async def untag_customer(self, creds: StoreCredentials, customer_id: str, tag: str) -> None:
        """Take `tag` off a customer (WooCommerce: only while the tier meta still holds it);
        idempotent, and a customer the store no longer has is not an error."""
        ...

    async def create_gift_card(self, creds: StoreCredentials, spec: GiftCardSpec) -> GiftCardRef:
        """Make a gift card; one that already exists with that code is found, not made again."""
        ...

    async def disable_gift_card(self, creds: StoreCredentials, ref: GiftCardRef) -> None:
        """Deactivate a gift card for good; idempotent. A ref without a platform id (the answer
        to its creation was lost) is looked up by its code; none found is done."""
        ...

    def list_orders(
        self, creds: StoreCredentials, updated_since: datetime
    ) -> AsyncIterator[Mapping[str, Any]]:
        """Orders updated since a time, as raw payloads in the webhook's shape (reconciliation)."""
        ...
