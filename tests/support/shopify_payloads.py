"""Shopify webhook payloads written for these tests, in the documented REST shapes."""

from __future__ import annotations

import json
from typing import Any

from platforms.shopify.webhooks import body_hmac
from tests.conftest import TEST_API_SECRET

SHOP = "referral-test.myshopify.com"


def order(
    order_id: int = 5500112233445566771,
    *,
    financial_status: str = "paid",
    email: str = "friend@example.org",
    customer_id: int = 7700112233445566,
    codes: tuple[str, ...] = ("FRIEND-ANA-7KQ",),
    total: str = "120.00",
    subtotal: str = "110.00",
    currency: str = "EUR",
    updated_at: str = "2026-11-20T10:15:00-05:00",
    test: bool = False,
    cancelled_at: str | None = None,
    attributes: dict[str, str] | None = None,
    refunds: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An orders/* body (REST Order resource), with the fields the connector reads."""
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": "#1042",
        "order_number": 1042,
        "email": email,
        "contact_email": email,
        "created_at": "2026-11-20T10:00:00-05:00",
        "updated_at": updated_at,
        "financial_status": financial_status,
        "cancelled_at": cancelled_at,
        "test": test,
        "currency": currency,
        "presentment_currency": currency,
        "subtotal_price": subtotal,
        "total_price": total,
        "total_price_set": {
            "shop_money": {"amount": total, "currency_code": currency},
            "presentment_money": {"amount": total, "currency_code": currency},
        },
        "discount_codes": [{"code": c, "amount": "10.00", "type": "fixed_amount"} for c in codes],
        "note_attributes": [{"name": k, "value": v} for k, v in (attributes or {}).items()],
        "landing_site": "/?ref=ANA-7KQ",
        "landing_site_ref": "ANA-7KQ",
        "browser_ip": "203.0.113.7",
        "client_details": {"browser_ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (Test)"},
        "customer": {
            "id": customer_id,
            "email": email,
            "first_name": "Lucía",
            "last_name": "Fernández",
            "phone": "+34600111222",
            "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        },
        "shipping_address": {
            "first_name": "Lucía",
            "last_name": "Fernández",
            "address1": "Calle Mayor 12",
            "city": "Madrid",
            "zip": "28013",
            "country_code": "ES",
            "phone": "+34600111222",
        },
        "line_items": [
            {
                "product_id": 9100000000001,
                "variant_id": 9200000000001,
                "quantity": 1,
                "price": subtotal,
                "title": "Café de Colombia 1kg",
            }
        ],
        "refunds": refunds or [],
    }


def signed_headers(
    body: bytes,
    topic: str,
    webhook_id: str,
    *,
    shop: str = SHOP,
    secret: str = TEST_API_SECRET,
) -> dict[str, str]:
    """The headers Shopify sends with a delivery, signed with `secret`."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": body_hmac(secret, body),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-04",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": f"evt-{webhook_id}",
        "X-Shopify-Triggered-At": "2026-11-20T15:15:01.000Z",
    }


def encode(payload: Any) -> bytes:
    """JSON bytes as Shopify sends them."""
    return json.dumps(payload).encode()
