"""The widget's views and shares reach the dashboard: counted through the storefront API."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx

from connector.services.base.runtime import Runtime
from connector.store.models import RollupRow
from tests.conftest import Clock
from tests.storefront.factories import SANDBOX, sandbox_shop, token_headers

QUERY = "?" + urlencode(SANDBOX)


async def test_views_and_shares_by_channel_are_counted(
    runtime: Runtime, app_client: httpx.AsyncClient, clock: Clock
) -> None:
    shop = await sandbox_shop(runtime)
    headers = token_headers(runtime)

    for _ in range(3):
        assert (
            await app_client.get("/storefront/api/config" + QUERY, headers=headers)
        ).status_code == 200
    for channel in ("whatsapp", "whatsapp", "copy"):
        answer = await app_client.post(
            "/storefront/api/share" + QUERY, json={"channel": channel}, headers=headers
        )
        assert answer.json() == {"counted": True}

    rows = (
        await RollupRow.filter(shop_id=shop.id)
        .order_by("metric", "dim")
        .values_list("day", "metric", "dim", "n")
    )
    today = clock.now.date()
    assert sorted(rows) == sorted(
        [(today, "widget_views", "", 1)] * 3
        + [(today, "shares", "whatsapp", 1)] * 2
        + [(today, "shares", "copy", 1)]
    )


async def test_an_unknown_channel_is_a_422_and_counts_nothing(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    shop = await sandbox_shop(runtime)

    answer = await app_client.post(
        "/storefront/api/share" + QUERY, json={"channel": "carrier-pigeon"},
        headers=token_headers(runtime),
    )  # fmt: skip

    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid_channel"
    assert await RollupRow.filter(shop_id=shop.id, metric="shares").count() == 0
