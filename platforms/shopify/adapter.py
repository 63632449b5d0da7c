"""The Shopify adapter: the `PlatformAdapter` interface over Shopify's Admin GraphQL API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

import httpx

from connector.errors import NotConfigured
from connector.settings import Settings
from platforms.base import (
    CustomerSummary,
    DiscountRef,
    DiscountSpec,
    GiftCardRef,
    GiftCardSpec,
    Money,
    OrderEvent,
    StoreCredentials,
    StoreCreditResult,
    WebhookDelivery,
)
from platforms.shopify import (
    customers,
    discounts,
    gift_cards,
    order_sync,
    segments,
    subscriptions,
)
from platforms.shopify.auth import ShopifyAuth
from platforms.shopify.graphql import AdminGraphQL
from platforms.shopify.orders import parse_order
from platforms.shopify.webhooks import verify_shopify_webhook


class ShopifyAdapter:
    """Shopify, through Admin GraphQL at the API version from settings."""

    name = "shopify"

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http

    @classmethod
    def from_settings(cls, settings: Settings, http: httpx.AsyncClient) -> ShopifyAdapter:
        """Build the adapter for this process."""
        return cls(settings, http)

    def verify_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]
    ) -> WebhookDelivery:
        """Required headers (400) and the body HMAC against each app secret (401)."""
        return verify_shopify_webhook(headers, raw_body, secrets)

    def parse_order(self, shop: str, topic: str, payload: Mapping[str, Any]) -> OrderEvent:
        """An orders/* webhook body as an `OrderEvent`."""
        return parse_order(shop, topic, payload)

    # --- Install and tokens (platforms/shopify/auth.py): token exchange, code grant, refresh -----

    @cached_property
    def auth(self) -> ShopifyAuth:
        """The app's Shopify identity; NotConfigured until the key and secret are set."""
        cfg = self.settings.shopify
        if not cfg.configured or cfg.api_key is None:
            raise NotConfigured("Shopify", "set SHOPIFY_API_KEY and SHOPIFY_API_SECRET")
        return ShopifyAuth(
            cfg.api_key, [s.reveal() for s in cfg.secrets], self.http,
            expiring=cfg.expiring_offline_tokens,
        )

    async def refresh_credentials(
        self, creds: StoreCredentials, *, now: datetime | None = None
    ) -> StoreCredentials:
        """Fresh credentials; the refresh token rotates. PlatformAuthError if revoked."""
        return await self.auth.refresh(creds, now=now)

    async def exchange_session_token(
        self, id_token: str, *, now: datetime | None = None
    ) -> StoreCredentials:
        """Verify a session token and exchange it for the shop's offline token."""
        return await self.auth.exchange_session_token(id_token, now=now)

    async def exchange_code(
        self, shop: str, code: str, *, now: datetime | None = None
    ) -> StoreCredentials:
        """Exchange an authorization code (non-embedded install) for the offline token."""
        return await self.auth.exchange_code(shop, code, now=now)

    # --- end of install and tokens ----------------------------------------------------------------

    # --- Admin GraphQL operations: webhooks, discounts, customers, store credit, orders ---------
    # (Token exchange and refresh live in their own block; these only need valid credentials.)

    @cached_property
    def graphql(self) -> AdminGraphQL:
        """The Admin GraphQL client over the process's shared httpx client."""
        return AdminGraphQL(self.http, self.settings.shopify.api_version)

    async def register_webhooks(
        self, creds: StoreCredentials, topics: Sequence[str], callback_url: str
    ) -> list[str]:
        """Shop-specific subscriptions at callback_url (privacy topics come from the app config)."""
        return await subscriptions.register_webhooks(self.graphql, creds, topics, callback_url)

    async def create_discount(self, creds: StoreCredentials, spec: DiscountSpec) -> DiscountRef:
        """Create the discount code; a code that already exists is read back."""
        return await discounts.create_discount(self.graphql, creds, spec)

    async def update_discount(
        self, creds: StoreCredentials, ref: DiscountRef, spec: DiscountSpec
    ) -> None:
        """Change the code's title and value to the spec's (discountCodeBasicUpdate)."""
        await discounts.update_discount(self.graphql, creds, ref, spec)

    async def disable_discount(self, creds: StoreCredentials, ref: DiscountRef) -> None:
        """Deactivate the discount; already inactive or deleted is fine."""
        await discounts.disable_discount(self.graphql, creds, ref)

    async def find_discount(self, creds: StoreCredentials, code: str) -> DiscountRef | None:
        """The discount with this code, or None."""
        return await discounts.find_discount(self.graphql, creds, code)

    async def customer_summary(
        self, creds: StoreCredentials, *, customer_id: str | None, email: str | None
    ) -> CustomerSummary:
        """The customer's order count (`numberOfOrders`), by id or else by email."""
        return await customers.customer_summary(
            self.graphql, creds, customer_id=customer_id, email=email
        )

    async def credit_store_credit(
        self, creds: StoreCredentials, customer_id: str, amount: Money
    ) -> StoreCreditResult:
        """Credit the customer's store-credit account."""
        return await customers.credit_store_credit(self.graphql, creds, customer_id, amount)

    async def new_customer_segment(self, creds: StoreCredentials) -> str | None:
        """Our segment of customers with no orders, for friend codes restricted to new customers."""
        return await segments.new_customer_segment(self.graphql, creds)

    async def tag_customer(self, creds: StoreCredentials, customer_id: str, tag: str) -> None:
        """Add a customer tag (`tagsAdd`)."""
        await customers.tag_customer(self.graphql, creds, customer_id, tag, add=True)

    async def untag_customer(self, creds: StoreCredentials, customer_id: str, tag: str) -> None:
        """Remove a customer tag (`tagsRemove`)."""
        await customers.tag_customer(self.graphql, creds, customer_id, tag, add=False)

    async def create_gift_card(self, creds: StoreCredentials, spec: GiftCardSpec) -> GiftCardRef:
        """A gift card for the customer (`giftCardCreate`); its code found again on a retry."""
        return await gift_cards.create_gift_card(self.graphql, creds, spec)

    async def disable_gift_card(self, creds: StoreCredentials, ref: GiftCardRef) -> None:
        """Deactivate the gift card for good."""
        await gift_cards.disable_gift_card(self.graphql, creds, ref)

    def list_orders(
        self, creds: StoreCredentials, updated_since: datetime
    ) -> AsyncIterator[Mapping[str, Any]]:
        """Orders updated since a time, in the webhook body's shape, for reconciliation."""
        return order_sync.orders_updated_since(self.graphql, creds, updated_since)

    # --- end of Admin GraphQL operations ----------------------------------------------------------
