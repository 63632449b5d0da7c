"""Builders of the analytics tests: orders through the signed webhook, the dashboard's answer."""

from __future__ import annotations

from typing import Any

import httpx

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from tests.admin.conftest import bearer
from tests.support.shopify_payloads import encode, order, signed_headers


def shop_order(
    order_id: int, customer_id: int, email: str, total: str, placed: str, *,
    codes: tuple[str, ...] = (), refunded: str | None = None, updated: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """An orders/* body placed at `placed` (ISO, UTC), with a refund of `refunded` if given."""
    refunds = None
    if refunded is not None:
        refunds = [{"id": order_id + 1, "created_at": updated,
                    "transactions": [{"kind": "refund", "status": "success", "amount": refunded}]}]  # fmt: skip
    body = order(order_id, customer_id=customer_id, email=email, total=total, subtotal=total,
                 codes=codes, updated_at=updated or placed, refunds=refunds)  # fmt: skip
    body["created_at"] = placed
    body["landing_site"] = body["landing_site_ref"] = None
    if refunded is not None:
        body["financial_status"] = "partially_refunded"
    return body


async def send(
    client: httpx.AsyncClient, runtime: Runtime, body: dict[str, Any], webhook_id: str,
    topic: str = "orders/paid",
) -> dict[str, int]:  # fmt: skip
    """POST a signed order webhook, then run the worker; what the worker did."""
    raw = encode(body)
    answer = await client.post(
        "/webhooks/shopify", content=raw, headers=signed_headers(raw, topic, webhook_id)
    )
    assert answer.status_code == 200
    return await build_worker(runtime).drain()


async def kpis(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    """The dashboard API's answer for the period asked."""
    answer = await client.get("/admin/api/analytics", params=params, headers=bearer())
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def values(body: dict[str, Any]) -> dict[str, Any]:
    """Each KPI's value for the period."""
    return {name: figure["value"] for name, figure in body["figures"].items()}
