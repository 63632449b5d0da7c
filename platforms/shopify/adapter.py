"""The Shopify adapter: the `PlatformAdapter` interface over Shopify's Admin GraphQL API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from connector.settings import Settings
from platforms.base import OrderEvent, WebhookDelivery
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
