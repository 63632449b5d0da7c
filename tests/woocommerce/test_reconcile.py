"""Reconciliation for a WooCommerce store: the orders webhooks missed reach the same inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.reconcile import reconcile
from connector.services.shops import woocommerce_ingest
from connector.services.shops.credentials import credentials_of
from connector.store.models import Delivery, OrderRecord, Shop, WooCommerceLink
from tests.conftest import Clock
from tests.support import woocommerce_payloads as woo
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_connect_flow import connected_store


def gmt(moment: datetime) -> str:
    """A time as WooCommerce's *_gmt fields spell it."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


async def test_orders_changed_since_a_time_are_fed_once_and_processed(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    await connected_store(woo_runtime)
    fake_woo.now = int(clock.now.timestamp())
    fake_woo.add_order(701, total="42.50", modified=gmt(clock.now - timedelta(days=10)))
    fake_woo.add_order(702, total="60.00", modified=gmt(clock.now - timedelta(hours=2)))
    fake_woo.add_order(703, status="refunded", modified=gmt(clock.now - timedelta(hours=1)))
    shop = await Shop.get(domain="store.example")
    since = clock.now - timedelta(days=1)

    fed = await reconcile(woo_runtime, shop, since=since)
    again = await reconcile(woo_runtime, shop, since=since)
    outcome = await build_worker(woo_runtime).drain()

    listing = next(c for c in fake_woo.calls if c.path == "/orders")
    assert {k: listing.params[k] for k in ("modified_after", "dates_are_gmt", "orderby")} == {
        "modified_after": gmt(since),
        "dates_are_gmt": "true",
        "orderby": "id",
    }
    assert (fed, again, outcome) == (2, 0, {"done": 2})
    records = await OrderRecord.all().order_by("order_id")
    assert [(r.order_id, r.total, r.paid, r.financial_status) for r in records] == [
        ("702", Decimal("60.0000"), True, "processing"),
        ("703", Decimal("60.0000"), False, "refunded"),
    ]


async def test_an_order_already_received_by_webhook_is_not_fed_again(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    await connected_store(woo_runtime)
    fake_woo.now = int(clock.now.timestamp())
    order = fake_woo.add_order(702, modified=gmt(clock.now - timedelta(hours=2)))
    shop = await Shop.get(domain="store.example")
    link = await WooCommerceLink.get(shop_id=shop.id)
    secret = credentials_of(woo_runtime, shop).extra["webhook_secret"]
    body = woo.encode(order)
    await woocommerce_ingest.receive(
        woo_runtime, link.key, woo.signed_headers(body, secret=secret), body
    )
    await build_worker(woo_runtime).drain()

    fed = await reconcile(woo_runtime, shop, since=clock.now - timedelta(days=1))

    assert fed == 0
    assert await Delivery.all().count() == 1
