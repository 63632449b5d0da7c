"""Builders for the referral tests: a sandbox shop, its program, order bodies and deliveries."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from connector.services.base.inbox import store_delivery
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.programs import save_program
from connector.services.shops.credentials import save_credentials
from connector.store.models import Delivery, Shop
from platforms.base import StoreCredentials, WebhookDelivery
from platforms.sandbox.adapter import SandboxAdapter, SandboxShop

SHOP = "referrals-test.sandbox"
FRIEND_EMAIL = "lucia.fernandez@example.org"
FRIEND_ID = "8801"

# Two-sided, with a value-based advocate reward (recomputed on partial refunds) and a flat one.
PROGRAM: dict[str, Any] = {
    "currency": "USD",
    "name": "Give 10%, get 10% of the order",
    "hold_days": 14,
    "rewarded": "both",
    "friend_offer": {"kind": "percentage_discount", "value": "10"},
    "advocate_reward": {"kind": "store_credit", "value": "10", "basis": "percent_of_order"},
    "friend_reward": {"kind": "fixed_amount_discount", "value": "5.00", "expires_days": 30},
    "min_subtotal": "20.00",
}


async def sandbox_shop(runtime: Runtime, domain: str = SHOP, program: bool = True) -> Shop:
    """An installed sandbox shop, with PROGRAM saved as version 1 unless told otherwise."""
    shop = await save_credentials(
        runtime, StoreCredentials(platform="sandbox", shop=domain, access_token="sandbox-token")
    )
    if program:
        await save_program(runtime, shop, PROGRAM, actor="test")
    return shop


def store(runtime: Runtime, domain: str = SHOP) -> SandboxShop:
    """The sandbox store behind the shop (seed customers, script failures)."""
    adapter = runtime.adapter("sandbox")
    assert isinstance(adapter, SandboxAdapter)
    return adapter.shop(domain)


def order_body(
    order_id: int,
    placed: datetime,
    *,
    code: str | None = None,
    email: str = FRIEND_EMAIL,
    customer_id: str | None = FRIEND_ID,
    subtotal: str = "110.00",
    total: str = "120.00",
    status: str = "paid",
    refunded: str | None = None,
    cancelled: bool = False,
    test: bool = False,
    step: int = 0,
    attributes: dict[str, str] | None = None,
    landing: str | None = None,
) -> dict[str, Any]:
    """An orders/* body in the REST shape; `step` orders the updates of one order in time."""
    updated = placed + timedelta(minutes=step)
    refunds = []
    if refunded is not None:
        refunds.append(
            {
                "id": 9000 + step,
                "created_at": updated.isoformat(),
                "transactions": [{"kind": "refund", "status": "success", "amount": refunded}],
            }
        )
    return {
        "id": order_id,
        "name": f"#{order_id}",
        "email": email,
        "created_at": placed.isoformat(),
        "updated_at": updated.isoformat(),
        "financial_status": status,
        "cancelled_at": updated.isoformat() if cancelled else None,
        "test": test,
        "currency": "USD",
        "subtotal_price": subtotal,
        "total_price": total,
        "discount_codes": [{"code": code}] if code else [],
        "note_attributes": [{"name": k, "value": v} for k, v in (attributes or {}).items()],
        "landing_site": landing,
        "customer": {"id": customer_id, "email": email} if customer_id else None,
        "client_details": {"browser_ip": "198.51.100.23", "user_agent": "Mozilla/5.0 (Test)"},
        "line_items": [{"product_id": 4401, "quantity": 1, "price": subtotal}],
        "refunds": refunds,
    }


async def put(
    runtime: Runtime, body: dict[str, Any], key: str, topic: str = "orders/paid", shop: str = SHOP
) -> None:
    """Store one sandbox delivery in the inbox, as the webhook route would."""
    raw = json.dumps(body).encode()
    await store_delivery(
        WebhookDelivery("sandbox", shop, topic, key, raw, {"x-sandbox-topic": topic}), runtime.now()
    )


async def process(runtime: Runtime) -> dict[str, int]:
    """Run the worker until nothing is due."""
    return await build_worker(runtime).drain()


async def deliver(
    runtime: Runtime, body: dict[str, Any], key: str, topic: str = "orders/paid", shop: str = SHOP
) -> dict[str, int]:
    """Store one delivery and process everything due."""
    await put(runtime, body, key, topic, shop)
    return await process(runtime)


async def delivery_id(key: str) -> int:
    """The id of the stored delivery with this webhook id."""
    return (await Delivery.get(delivery_key=key)).id
