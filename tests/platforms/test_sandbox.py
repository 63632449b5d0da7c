"""What the sandbox offers beyond the contract: seeding, built webhooks, scripted failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from connector.settings import load_settings
from platforms.base import PlatformUnavailable, StoreCredentials
from platforms.registry import build_adapter
from platforms.sandbox.adapter import SandboxAdapter, order_payload
from tests.conftest import make_env

SHOP = "demo.sandbox"
CREDS = StoreCredentials(platform="sandbox", shop=SHOP, access_token="-")
SECRET = "sandbox-test-secret"


async def test_registry_builds_the_sandbox(tmp_path: Path) -> None:
    settings = load_settings(make_env(tmp_path, "sqlite://:memory:"))
    async with httpx.AsyncClient() as http:
        adapter = build_adapter("sandbox", settings, http)

    assert isinstance(adapter, SandboxAdapter)


def test_built_webhook_verifies_and_parses_back_to_the_order() -> None:
    adapter = SandboxAdapter()
    payload = order_payload(
        4242, email="friend@example.org", customer_id=77, total="49.90", codes=("FRIEND-ANA",)
    )
    headers, body = adapter.webhook(SECRET, SHOP, "orders/paid", payload, "sbx-0001")

    delivery = adapter.verify_webhook(headers, body, [SECRET])
    event = adapter.parse_order(delivery.shop, delivery.topic, json.loads(delivery.raw_body))

    assert (delivery.platform, delivery.topic, delivery.delivery_id) == (
        "sandbox",
        "orders/paid",
        "sbx-0001",
    )
    assert (event.order_id, event.total, event.discount_codes) == (
        "4242",
        Decimal("49.90"),
        ("FRIEND-ANA",),
    )


async def test_an_order_stored_twice_counts_once_for_its_customer() -> None:
    adapter = SandboxAdapter()
    store = adapter.shop(SHOP)
    customer = store.add_customer("ana@example.org", order_count=1, customer_id="77")
    payload = order_payload(4243, email="ana@example.org", customer_id=77, total="10.00")

    store.add_order(payload)
    store.add_order(payload | {"financial_status": "refunded"})

    summary = await adapter.customer_summary(CREDS, customer_id="77", email=None)
    assert summary.order_count == 2
    assert customer.order_count == 2
    assert store.orders["4243"]["financial_status"] == "refunded"


async def test_fail_next_raises_once_and_changes_nothing() -> None:
    adapter = SandboxAdapter()
    adapter.fail_next(PlatformUnavailable("store down"))
    when = datetime(2026, 11, 20, tzinfo=UTC)

    with pytest.raises(PlatformUnavailable):
        await adapter.register_webhooks(CREDS, ["orders/paid"], "https://example.com/hook")

    assert adapter.shop(SHOP).webhooks == {}
    assert [o async for o in adapter.list_orders(CREDS, when)] == []
