"""The worker knows WooCommerce's topic names and runs the webhook check on schedule."""

from __future__ import annotations

import pytest

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.shops.woocommerce_connect import check_webhooks


@pytest.mark.parametrize(
    ("platform", "topic", "handler"),
    [
        ("woocommerce", "order.created", "order_event"),
        ("woocommerce", "order.updated", "order_event"),
        ("woocommerce", "order.deleted", "order_event"),
        ("woocommerce", "order.restored", "order_event"),
        ("woocommerce", "orders/updated", "order_event"),  # what reconciliation files
        ("woocommerce", "coupon.updated", None),
        ("woocommerce", "app/uninstalled", None),
        ("shopify", "orders/paid", "order_event"),
        ("shopify", "order.updated", None),
    ],
)
async def test_each_platform_has_its_own_topic_table(
    runtime: Runtime, platform: str, topic: str, handler: str | None
) -> None:
    assert build_worker(runtime).topic_handlers(platform, topic) == handler


async def test_the_webhook_check_runs_every_fifteen_minutes(runtime: Runtime) -> None:
    assert build_worker(runtime).periodic["check_woocommerce_webhooks"] == (900.0, check_webhooks)
