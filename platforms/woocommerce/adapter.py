"""The WooCommerce adapter: the `PlatformAdapter` interface over the REST API v3, plus the
key exchange and webhook upkeep that only WooCommerce needs.

Credentials: `access_token` is the consumer key; `extra` holds `consumer_secret`, `home_url`
(the store's own home URL, which OAuth signatures are checked against), `webhook_secret` (our
per-shop secret) and, during a rotation, `previous_webhook_secret`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from connector.settings import Settings
from platforms.base import (
    CustomerSummary,
    DiscountRef,
    DiscountSpec,
    GiftCardRef,
    GiftCardSpec,
    Money,
    OrderEvent,
    PlatformRejected,
    StoreCredentials,
    StoreCreditResult,
    WebhookDelivery,
)
from platforms.retrying import Sleep
from platforms.ssrf import Resolver, system_resolver
from platforms.woocommerce import connect, coupons, customers, oauth1, subscriptions, webhooks
from platforms.woocommerce.connect import KeyGrant
from platforms.woocommerce.orders import parse_order
from platforms.woocommerce.rest import WooREST

PLATFORM = "woocommerce"


class WooCommerceAdapter:
    """WooCommerce stores, through `/wp-json/wc/v3` with per-shop keys and webhook secrets."""

    name = PLATFORM

    def __init__(
        self,
        settings: Settings,
        http: httpx.AsyncClient,
        *,
        resolve: Resolver = system_resolver,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = oauth1.new_nonce,
    ) -> None:
        self.settings = settings
        self.http = http
        self.allow_private = settings.woocommerce.allow_private_store_urls
        self.rest = WooREST(
            http,
            allow_private=self.allow_private,
            resolve=resolve,
            sleep=sleep,
            clock=clock,
            nonce=nonce,
        )

    @classmethod
    def from_settings(cls, settings: Settings, http: httpx.AsyncClient) -> WooCommerceAdapter:
        """Build the adapter for this process."""
        return cls(settings, http)

    # --- Connecting a store ---------------------------------------------------------------

    async def discover_home_url(self, store_url: str) -> str:
        """The store's own home URL; PlatformRejected if it is not a WooCommerce store."""
        return await connect.discover_home_url(
            self.http, store_url, allow_private=self.allow_private, resolve=self.rest.resolve
        )

    def normalize_store_url(self, text: str) -> str:
        """What the merchant typed as `https://host[:port][/path]`; InvalidStoreURL if unusable."""
        return connect.normalize_store_url(text)

    def store_domain(self, home_url: str) -> str:
        """The shop name we file a store under (host, port, sub-directory)."""
        return connect.store_domain(home_url)

    def authorize_url(
        self, store_url: str, *, state: str, return_url: str, callback_url: str
    ) -> str:
        """The store's key-approval page for our app."""
        return connect.authorize_url(
            store_url,
            app_name=self.settings.app_name,
            state=state,
            return_url=return_url,
            callback_url=callback_url,
        )

    def parse_key_callback(self, raw_body: bytes) -> KeyGrant:
        """The key WooCommerce posted to our callback."""
        return connect.parse_key_callback(raw_body)

    # --- Webhooks -------------------------------------------------------------------------

    def verify_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]
    ) -> WebhookDelivery:
        """Required headers (400) and the body HMAC (401); the shop from X-WC-Webhook-Source."""
        return webhooks.verify(headers, raw_body, secrets)

    def verify_shop_webhook(
        self, shop: str, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]
    ) -> WebhookDelivery:
        """As verify_webhook, for a shop the route already identified from its URL."""
        return webhooks.verify(headers, raw_body, secrets, shop=shop)

    def ping_webhook_id(self, headers: Mapping[str, str], raw_body: bytes) -> int | None:
        """The webhook id of a creation ping (answer 200, store nothing), else None."""
        return webhooks.ping_webhook_id(headers, raw_body)

    async def register_webhooks(
        self, creds: StoreCredentials, topics: Sequence[str], callback_url: str
    ) -> list[str]:
        """One active webhook per topic at callback_url, signed with the shop's secret."""
        secret = self._webhook_secret(creds)
        return await subscriptions.register_webhooks(
            self.rest, creds, topics, callback_url, secret=secret, name=self.settings.app_name
        )

    @staticmethod
    def _webhook_secret(creds: StoreCredentials) -> str:
        secret = creds.extra.get("webhook_secret")
        if not secret:
            raise PlatformRejected(f"{creds.shop} has no webhook secret", code="NO_WEBHOOK_SECRET")
        return secret

    async def replace_webhooks(
        self, creds: StoreCredentials, topics: Sequence[str], callback_url: str, owned_prefix: str
    ) -> list[str]:
        """As register_webhooks, and delete our other webhooks (delivery URL under the prefix)."""
        secret = self._webhook_secret(creds)
        return await subscriptions.register_webhooks(
            self.rest,
            creds,
            topics,
            callback_url,
            secret=secret,
            name=self.settings.app_name,
            replace_prefix=owned_prefix,
        )

    async def reactivate_webhooks(
        self, creds: StoreCredentials, delivery_url_prefix: str
    ) -> list[str]:
        """Re-enable our webhooks the store disabled after failed deliveries."""
        return await subscriptions.reactivate_webhooks(self.rest, creds, delivery_url_prefix)

    # --- Orders, discounts, customers -----------------------------------------------------

    def parse_order(self, shop: str, topic: str, payload: Mapping[str, Any]) -> OrderEvent:
        """An order.* webhook body (or a listed order) as an `OrderEvent`."""
        return parse_order(shop, topic, payload)

    async def refresh_credentials(self, creds: StoreCredentials) -> StoreCredentials:
        """WooCommerce keys do not expire."""
        return creds

    async def create_discount(self, creds: StoreCredentials, spec: DiscountSpec) -> DiscountRef:
        """Create the coupon; a code that already exists is read back."""
        return await coupons.create_discount(self.rest, creds, spec)

    async def update_discount(
        self, creds: StoreCredentials, ref: DiscountRef, spec: DiscountSpec
    ) -> None:
        """Change the coupon's description and amount to the spec's (PUT coupons/{id})."""
        await coupons.update_discount(self.rest, creds, ref, spec)

    async def disable_discount(self, creds: StoreCredentials, ref: DiscountRef) -> None:
        """Delete the coupon; already gone is fine."""
        await coupons.disable_discount(self.rest, creds, ref)

    async def find_discount(self, creds: StoreCredentials, code: str) -> DiscountRef | None:
        """The coupon with this code (case-insensitively), or None."""
        return await coupons.find_discount(self.rest, creds, code)

    async def customer_summary(
        self, creds: StoreCredentials, *, customer_id: str | None, email: str | None
    ) -> CustomerSummary:
        """Orders placed as a registered customer and as a guest with the same email."""
        return await customers.customer_summary(
            self.rest, creds, customer_id=customer_id, email=email
        )

    async def credit_store_credit(
        self, creds: StoreCredentials, customer_id: str, amount: Money
    ) -> StoreCreditResult:
        """WooCommerce has no store credit of its own."""
        raise PlatformRejected("WooCommerce has no store credit", code="UNSUPPORTED")

    async def new_customer_segment(self, creds: StoreCredentials) -> str | None:
        """WooCommerce has no customer segments; a new-customer rule is checked per order."""
        return None

    async def tag_customer(self, creds: StoreCredentials, customer_id: str, tag: str) -> None:
        """Set the customer's tier meta (`referral_connector_tier`) to the tag."""
        await customers.set_tier_meta(self.rest, creds, customer_id, tag, add=True)

    async def untag_customer(self, creds: StoreCredentials, customer_id: str, tag: str) -> None:
        """Clear the customer's tier meta while it still holds the tag."""
        await customers.set_tier_meta(self.rest, creds, customer_id, tag, add=False)

    async def create_gift_card(self, creds: StoreCredentials, spec: GiftCardSpec) -> GiftCardRef:
        """WooCommerce has no gift cards: a single-use coupon of the card's amount stands for it."""
        return await coupons.create_gift_card(self.rest, creds, spec)

    async def disable_gift_card(self, creds: StoreCredentials, ref: GiftCardRef) -> None:
        """Delete the gift card's coupon; already gone is fine."""
        await coupons.disable_discount(self.rest, creds, DiscountRef(ref.code, ref.platform_id))

    async def list_orders(
        self, creds: StoreCredentials, updated_since: datetime
    ) -> AsyncIterator[Mapping[str, Any]]:
        """Orders modified after a time, oldest id first, in the webhook body's shape."""
        since = updated_since.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        # Ordered by id, not modification time: an order modified while we page then stays
        # where it was instead of moving to the end and shifting one order past us unseen.
        params = {"modified_after": since, "dates_are_gmt": "true", "orderby": "id", "order": "asc"}
        async for order in self.rest.paginate(creds, "/orders", params):
            yield order
