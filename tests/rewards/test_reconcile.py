"""Reconciliation feeds orders the webhooks missed into the inbox, once, and moves SyncState on."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.reconcile import reconcile, reconcile_all
from connector.store.models import Delivery, OrderRecord, Shop, SyncState
from platforms.base import PlatformUnavailable
from tests.conftest import Clock
from tests.support.fake_shopify import FakeShopify


@pytest.fixture(autouse=True)
async def installed_long_ago(shop: Shop, clock: Clock) -> None:
    """The shop was installed ten days ago (reconciliation never looks before the install)."""
    shop.installed_at = clock.now - timedelta(days=10)
    await shop.save(update_fields=["installed_at"])


def key(order_id: int, moment: object) -> str:
    """The delivery key reconciliation gives an order state."""
    return f"reconcile:{order_id}:{moment.isoformat()}"  # type: ignore[attr-defined]


async def test_unseen_orders_are_fed_once_and_sync_state_advances(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    older = clock.now - timedelta(days=5)  # before the first run's look-back
    hour_ago, minutes_ago = clock.now - timedelta(hours=1), clock.now - timedelta(minutes=30)
    fake_shopify.add_order(5000, updated_at=older, total="9.00")
    fake_shopify.add_order(5001, updated_at=hour_ago, total="20.00")
    fake_shopify.add_order(5002, updated_at=minutes_ago, total="35.50")
    seen: list[tuple[int, int]] = []

    fed = await reconcile(runtime, shop.domain, progress=lambda looked, n: seen.append((looked, n)))
    again = await reconcile(runtime, shop.domain)

    assert (fed, again) == (2, 0)
    assert seen == [(1, 1), (2, 2)]
    rows = await Delivery.all().order_by("id")
    assert [(d.platform, d.shop_domain, d.topic, d.delivery_key) for d in rows] == [
        ("shopify", shop.domain, "orders/updated", key(5001, hour_ago)),
        ("shopify", shop.domain, "orders/updated", key(5002, minutes_ago)),
    ]
    assert json.loads(bytes(rows[0].body))["id"] == 5001
    assert rows[0].headers == {"x-connector-source": "reconcile"}
    state = await SyncState.get(shop=shop)
    assert (state.synced_until, state.last_run_at, state.orders_fed, state.last_error) == (
        clock.now,
        clock.now,
        2,
        None,
    )
    search = fake_shopify.calls[-1].variables["query"]
    assert search == f"updated_at:>='{(clock.now - timedelta(minutes=10)).isoformat()}'".replace(
        "+00:00", "Z"
    )


async def test_fed_orders_are_processed_by_the_normal_worker(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    fake_shopify.add_order(5001, updated_at=clock.now - timedelta(hours=1), total="20.00")

    await reconcile(runtime, shop)
    counts = await build_worker(runtime).drain()

    record = await OrderRecord.get(shop=shop, order_id="5001")
    assert counts == {"done": 1}
    assert (record.total, record.paid) == (Decimal("20.0000"), True)


async def test_orders_we_already_hold_are_not_fed_and_a_new_state_is(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    updated = clock.now - timedelta(hours=1)
    order = fake_shopify.add_order(5001, updated_at=updated, total="20.00")
    await OrderRecord.create(
        shop=shop, order_id="5001", currency="EUR", subtotal=Decimal("20"), total=Decimal("20"),
        order_updated_at=updated,
    )  # fmt: skip

    assert await reconcile(runtime, shop) == 0

    clock.advance(hours=1)
    order["updatedAt"] = clock.now.isoformat().replace("+00:00", "Z")  # refunded meanwhile

    assert await reconcile(runtime, shop) == 1
    assert await Delivery.filter(delivery_key=key(5001, clock.now)).count() == 1


async def test_since_reaches_further_back_than_the_last_run(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    fake_shopify.add_order(5000, updated_at=clock.now - timedelta(days=5), total="9.00")
    await reconcile(runtime, shop)

    fed = await reconcile(runtime, shop, since=clock.now - timedelta(days=7))

    assert fed == 1
    assert (await SyncState.get(shop=shop)).synced_until == clock.now


async def test_store_outage_records_the_error_and_keeps_what_was_done(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    for _ in range(4):
        fake_shopify.fail_next(503)

    with pytest.raises(PlatformUnavailable):
        await reconcile(runtime, shop)

    state = await SyncState.get(shop=shop)
    assert (state.synced_until, state.orders_fed) == (None, 0)
    assert state.last_error == f"PlatformUnavailable: {fake_shopify.shop} answered HTTP 503"
    assert await reconcile_all(runtime) == 0  # the job goes on; nothing new to feed
    assert (await SyncState.get(shop=shop)).last_error is None
