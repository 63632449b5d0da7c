"""Translate Shopify's REST order payload (the webhook body) into the neutral `OrderEvent`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platforms.base import OrderEvent
from platforms.rest_orders import money, parse_rest_order, platform_id, timestamp

__all__ = ["money", "parse_order", "platform_id", "timestamp"]


def parse_order(shop: str, topic: str, payload: Mapping[str, Any]) -> OrderEvent:
    """Build an `OrderEvent` from an orders/* webhook body (REST Order resource)."""
    return parse_rest_order("shopify", shop, topic, payload)
