"""Every adapter hashes the buyer's IP address and user agent; the core sees only the hashes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from connector.services.referrals.inputs import order_facts
from platforms.base import OrderEvent
from platforms.rest_orders import parse_rest_order
from platforms.sandbox.adapter import order_payload
from platforms.shopify.order_sync import rest_order
from platforms.shopify.orders import parse_order as parse_shopify
from platforms.woocommerce.orders import parse_order as parse_woocommerce
from tests.support import shopify_payloads
from tests.support import woocommerce_payloads as woo
from tests.support.fake_shopify import FakeShopify

IP, AGENT = "203.0.113.7", "Mozilla/5.0 (Test)"


def sha256(value: str) -> str:
    """The hash the fraud checks compare."""
    return hashlib.sha256(value.encode()).hexdigest()


def shopify_webhook() -> OrderEvent:
    """A Shopify orders/paid body (browser_ip and client_details) as parsed."""
    return parse_shopify("shop.myshopify.com", "orders/paid", shopify_payloads.order())


def shopify_reconciled() -> OrderEvent:
    """A GraphQL order found by reconciliation (clientIp only), as it is filed and parsed."""
    node = FakeShopify().add_order(7, updated_at=datetime(2026, 11, 20, tzinfo=UTC), total="9.00")
    body = rest_order({**node, "clientIp": IP})
    return parse_shopify("shop.myshopify.com", "orders/updated", body)


def sandbox() -> OrderEvent:
    """A sandbox orders/paid body with the buyer's client details, as parsed."""
    body: dict[str, Any] = order_payload(8, email="lucia@example.org", customer_id=9, total="9.00")
    body["client_details"] = {"browser_ip": IP, "user_agent": AGENT}
    return parse_rest_order("sandbox", "shop.sandbox", "orders/paid", body)


def woocommerce() -> OrderEvent:
    """A WooCommerce order.updated body with the buyer's IP and user agent, as parsed."""
    body = {**woo.order(), "customer_ip_address": IP, "customer_user_agent": AGENT}
    return parse_woocommerce("store.example", "order.updated", body)


PARSED: dict[str, Callable[[], OrderEvent]] = {
    "shopify webhook": shopify_webhook,
    "sandbox webhook": sandbox,
    "woocommerce webhook": woocommerce,
}


@pytest.mark.parametrize("parse", PARSED.values(), ids=PARSED.keys())
def test_the_order_event_carries_hashes_and_never_the_raw_values(
    parse: Callable[[], OrderEvent],
) -> None:
    event = parse()

    assert (event.client_ip_hash, event.user_agent_hash) == (sha256(IP), sha256(AGENT))
    assert IP not in repr(event)
    assert AGENT not in repr(event)


def test_a_reconciled_shopify_order_is_hashed_as_its_webhook_is() -> None:
    event = shopify_reconciled()

    assert (event.client_ip_hash, event.user_agent_hash) == (sha256(IP), None)
    assert IP not in repr(event)


def test_the_rules_get_the_adapters_hashes_unchanged() -> None:
    event = shopify_webhook()

    facts = order_facts(event)

    assert (facts.ip_hash, facts.user_agent_hash) == (sha256(IP), sha256(AGENT))
    assert IP not in repr(facts)
    assert AGENT not in repr(facts)
