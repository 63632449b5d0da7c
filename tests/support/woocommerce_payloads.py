"""Builders for WooCommerce test data in the documented shapes: orders, signed deliveries, keys.

Written from docs/platforms.md Part 2 (§1 key callback, §4 order fields, §5 webhook headers);
no captured payload is copied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from platforms.woocommerce.webhooks import body_signature

HOME = "https://store.example"
SHOP = "store.example"
CONSUMER_KEY = "ck_" + "0a1b2c3d4e" * 4
CONSUMER_SECRET = "cs_" + "9f8e7d6c5b" * 4
WEBHOOK_SECRET = "whsec-test-5b7c9d1e3f"


def order(
    order_id: int = 1001,
    *,
    status: str = "processing",
    paid: bool = True,
    email: str = "friend@example.org",
    customer_id: int = 0,
    total: str = "60.00",
    currency: str = "EUR",
    codes: Sequence[str] = (),
    refunds: Sequence[tuple[int, str]] = (),
    created: str = "2026-11-20T14:00:00",
    modified: str = "2026-11-20T14:05:00",
    meta: Mapping[str, str] | None = None,
    quantity: int = 1,
    home: str = HOME,
) -> dict[str, Any]:
    """An order as WooCommerce's REST API (and an order.* webhook) represents it.

    `refunds` are (id, positive amount); the order's total stays as it was, as in WooCommerce.
    """
    moment = {"date_created": created, "date_modified": modified}
    return {
        "id": order_id,
        "parent_id": 0,
        "status": status,
        "currency": currency,
        "version": "11.0.1",
        "prices_include_tax": False,
        **moment,
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": "0.00",
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": total,
        "total_tax": "0.00",
        "customer_id": customer_id,
        "order_key": f"wc_order_test{order_id}",
        "billing": {
            "first_name": "Fran",
            "last_name": "Friend",
            "address_1": "2 Test Street",
            "city": "Testville",
            "postcode": "12345",
            "country": "ES",
            "email": email,
            "phone": "",
        },
        "shipping": {
            "first_name": "Fran",
            "last_name": "Friend",
            "address_1": "2 Test Street",
            "address_2": "",
            "city": "Testville",
            "state": "B",
            "postcode": "12345",
            "country": "ES",
        },
        "payment_method": "bacs",
        "transaction_id": "",
        "customer_ip_address": "198.51.100.7",
        "customer_user_agent": "Mozilla/5.0 (test)",
        "created_via": "checkout",
        "date_paid": created if paid else None,
        "date_completed": None,
        "number": str(order_id),
        "meta_data": [
            {"id": 900 + i, "key": k, "value": v} for i, (k, v) in enumerate((meta or {}).items())
        ],
        "line_items": [
            {
                "id": 1,
                "name": "Test Mug",
                "product_id": 13,
                "variation_id": 0,
                "quantity": quantity,
                "subtotal": total,
                "total": total,
                "price": float(total) / quantity,
            }
        ],
        "coupon_lines": [
            {"id": 10 + i, "code": code, "discount": "0.00", "discount_tax": "0.00"}
            for i, code in enumerate(codes)
        ],
        "refunds": [
            {"id": rid, "reason": "", "total": f"-{amount}", "total_tax": "0.00"}
            for rid, amount in refunds
        ],
        "date_created_gmt": created,
        "date_modified_gmt": modified,
        "date_paid_gmt": created if paid else None,
        "date_completed_gmt": None,
        "_links": {"self": [{"href": f"{home}/wp-json/wc/v3/orders/{order_id}"}]},
    }


def encode(payload: Any) -> bytes:
    """A body as WooCommerce sends it (compact JSON)."""
    return json.dumps(payload, separators=(",", ":")).encode()


def signed_headers(
    body: bytes,
    *,
    topic: str = "order.updated",
    delivery_id: str = "3f9a0c1b2d4e5f60718293a4b5c6d7e8",
    secret: str = WEBHOOK_SECRET,
    webhook_id: int = 7,
    home: str = HOME,
) -> dict[str, str]:
    """The headers of a WooCommerce delivery carrying `body`, signed with `secret`."""
    resource, _, event = topic.partition(".")
    return {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/11.0.1 Hookshot (WordPress/7.1)",
        "X-WC-Webhook-Source": f"{home}/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": body_signature(secret, body),
        "X-WC-Webhook-ID": str(webhook_id),
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }


def ping(webhook_id: int = 7) -> tuple[dict[str, str], bytes]:
    """WooCommerce's ping on webhook creation: an unsigned form body."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "WooCommerce/11.0.1 Hookshot (WordPress/7.1)",
    }
    return headers, f"webhook_id={webhook_id}".encode()


def key_callback(
    state: str,
    *,
    key_id: int = 3,
    permissions: str = "read_write",
    consumer_key: str = CONSUMER_KEY,
    consumer_secret: str = CONSUMER_SECRET,
) -> bytes:
    """The JSON WooCommerce POSTs to callback_url once the merchant approves."""
    return encode(
        {
            "key_id": key_id,
            "user_id": state,
            "consumer_key": consumer_key,
            "consumer_secret": consumer_secret,
            "key_permissions": permissions,
        }
    )
