"""Receiving a WooCommerce delivery at `/webhooks/woocommerce/{key}`: the key names the shop.

Each store signs with its own secret, so the shop is identified first, by the opaque key in the
URL we gave its webhooks (never by a header or the domain), then the signature is checked with
that shop's secret. WooCommerce's creation ping (an unsigned form body) is answered and not
stored: it carries no order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import credentials_of
from connector.services.shops.woocommerce_connect import woo
from connector.store.models import ShopStatus, WooCommerceLink
from platforms.base import WebhookDelivery

KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class UnknownShopKey(LookupError):
    """No connected store has this webhook key."""


@dataclass(frozen=True)
class Received:
    """What one request was: a ping (its webhook id), or a delivery and whether it was new."""

    delivery: WebhookDelivery | None
    stored: bool
    ping: int | None = None


async def receive(
    runtime: Runtime, key: str, headers: Mapping[str, str], raw_body: bytes
) -> Received:
    """Identify the shop by key, then ping or verify-and-store.

    Raises UnknownShopKey (404), WebhookRejected (400/401); nothing is stored then.
    """
    # Keys we make are 32 URL-safe characters; anything else names no store (and a longer one
    # would reach the database only to fail its column's length check).
    if not KEY_SHAPE.fullmatch(key):
        raise UnknownShopKey("no connected WooCommerce store has this webhook URL")
    link = await WooCommerceLink.get_or_none(key=key).prefetch_related("shop")
    if link is None or link.shop.status != ShopStatus.ACTIVE or link.shop.access_token is None:
        raise UnknownShopKey("no connected WooCommerce store has this webhook URL")
    adapter = woo(runtime)
    ping = adapter.ping_webhook_id(headers, raw_body)
    if ping is not None:
        return Received(None, stored=False, ping=ping)
    extra = credentials_of(runtime, link.shop).extra
    secrets = [s for s in (extra.get("webhook_secret"), extra.get("previous_webhook_secret")) if s]
    delivery = adapter.verify_shop_webhook(link.shop.domain, headers, raw_body, secrets)
    stored = await runtime.inbox.store(delivery, runtime.now())
    return Received(delivery, stored)
