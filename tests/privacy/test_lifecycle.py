"""app/uninstalled and app/scopes_update: tokens dropped once, reinstall restores, scopes recorded."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import credentials_of
from connector.store.db import conn, sql
from connector.store.models import Shop, ShopStatus
from tests.conftest import Clock
from tests.privacy.helpers import deliver, install, process, shop_body
from tests.support.shopify_payloads import SHOP

# What must be NULL once the app is uninstalled: every token and secret, and their expiries.
TOKEN_COLUMNS = (
    "access_token",
    "refresh_token",
    "secrets",
    "access_expires_at",
    "refresh_expires_at",
)


async def _shop_row() -> dict[str, Any]:
    client = conn()
    rows = await client.execute_query_dict(
        sql("SELECT * FROM shop WHERE domain = ?", client), [SHOP]
    )
    assert len(rows) == 1
    return dict(rows[0])


async def test_uninstall_drops_tokens_once_and_reinstall_makes_the_shop_active(
    runtime: Runtime, app_client: httpx.AsyncClient, clock: Clock
) -> None:
    # Given an installed shop
    await install(runtime, token="shpat_first0000001")
    clock.advance(minutes=10)

    # When the app is uninstalled
    await deliver(
        app_client, "app/uninstalled", shop_body(), "wh-uninstall-1", triggered_at=clock.now
    )
    uninstalled_at = clock.now
    assert await process(runtime) == {"done": 1}

    # Then the shop is uninstalled and every credential column is NULL
    shop = await Shop.get(domain=SHOP)
    assert (shop.status, shop.uninstalled_at) == (ShopStatus.UNINSTALLED, uninstalled_at)
    row = await _shop_row()
    assert {c: row[c] for c in TOKEN_COLUMNS} == dict.fromkeys(TOKEN_COLUMNS)

    # When the same uninstall arrives again under another webhook id, it changes nothing
    clock.advance(minutes=5)
    await deliver(
        app_client, "app/uninstalled", shop_body(), "wh-uninstall-2", triggered_at=clock.now
    )
    assert await process(runtime) == {"done": 1}
    assert await _shop_row() == row

    # When the merchant installs again, the shop is active with the new token
    clock.advance(hours=1)
    await install(runtime, token="shpat_second000002")
    shop = await Shop.get(domain=SHOP)
    assert (shop.status, shop.uninstalled_at, shop.installed_at) == (
        ShopStatus.ACTIVE,
        None,
        clock.now,
    )
    assert credentials_of(runtime, shop).access_token == "shpat_second000002"


async def test_uninstall_triggered_before_the_reinstall_is_ignored(
    runtime: Runtime, app_client: httpx.AsyncClient, clock: Clock
) -> None:
    await install(runtime, token="shpat_first0000001")
    uninstall_triggered = clock.now + timedelta(minutes=1)
    await deliver(
        app_client,
        "app/uninstalled",
        shop_body(),
        "wh-uninstall-1",
        triggered_at=uninstall_triggered,
    )
    await process(runtime)
    clock.advance(minutes=30)
    await install(runtime, token="shpat_second000002")

    # A late duplicate of the same event, delivered under another webhook id
    await deliver(
        app_client,
        "app/uninstalled",
        shop_body(),
        "wh-uninstall-late",
        triggered_at=uninstall_triggered,
    )
    assert await process(runtime) == {"done": 1}

    shop = await Shop.get(domain=SHOP)
    assert shop.status == ShopStatus.ACTIVE
    assert credentials_of(runtime, shop).access_token == "shpat_second000002"


async def test_uninstall_of_an_unknown_shop_is_a_no_op(
    runtime: Runtime, app_client: httpx.AsyncClient, clock: Clock
) -> None:
    await deliver(
        app_client, "app/uninstalled", shop_body(), "wh-uninstall-1", triggered_at=clock.now
    )

    assert await process(runtime) == {"done": 1}
    assert await Shop.all().count() == 0


async def test_scopes_update_records_the_granted_scopes(
    runtime: Runtime, app_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    shop = await install(runtime, scopes=("read_customers", "read_orders"))
    current = ["read_customers", "write_orders", "write_discounts"]
    body = {
        "id": 548380009,
        "previous": ["read_customers", "read_orders"],
        "current": current,
        "updated_at": "2026-11-22T10:00:00.000Z",
    }

    with caplog.at_level(logging.INFO, logger="connector.lifecycle"):
        await deliver(app_client, "app/scopes_update", body, "wh-scopes-1")
        assert await process(runtime) == {"done": 1}

    assert (await Shop.get(id=shop.id)).scopes == "read_customers,write_orders,write_discounts"
    # write_orders covers read_orders; the customer, gift card and store-credit scopes are missing
    assert [r.getMessage() for r in caplog.records if r.name == "connector.lifecycle"] == [
        f"delivery 1: shop {shop.id} lacks required scopes: write_customers, write_gift_cards,"
        " write_store_credit_account_transactions"
    ]


async def test_scopes_update_without_a_scope_list_is_dead_lettered(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    shop = await install(runtime, scopes=("read_orders",))

    await deliver(app_client, "app/scopes_update", {"id": 1, "current": "read_orders"}, "wh-bad")

    assert await process(runtime) == {"dead": 1}
    assert (await Shop.get(id=shop.id)).scopes == "read_orders"
