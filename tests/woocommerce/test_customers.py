"""The first-order check: registered customers by id or email, and guests by billing email."""

from __future__ import annotations

from platforms.base import CustomerSummary, StoreCredentials
from platforms.woocommerce.adapter import WooCommerceAdapter
from tests.support.fake_woocommerce import FakeWooCommerce


async def test_a_guest_with_a_paid_order_is_not_new(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    fake_woo.add_order(501, email="fran@example.org")

    summary = await adapter.customer_summary(creds, customer_id=None, email="Fran@Example.org")

    assert summary == CustomerSummary(customer_id=None, email="Fran@Example.org", order_count=1)
    assert fake_woo.paths() == ["GET /customers", "GET /orders"]
    assert fake_woo.calls[1].params["search"] == "Fran@Example.org"


async def test_fuzzy_search_hits_with_another_email_do_not_count(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    fake_woo.add_order(501, email="xfran@example.org")
    fake_woo.add_order(502, email="fran@example.org.evil.test")

    summary = await adapter.customer_summary(creds, customer_id=None, email="fran@example.org")

    assert summary.order_count == 0


async def test_unpaid_and_cancelled_guest_orders_do_not_count(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    fake_woo.add_order(501, email="fran@example.org", status="pending", paid=False)
    fake_woo.add_order(502, email="fran@example.org", status="cancelled", paid=False)
    fake_woo.add_order(503, email="fran@example.org", status="on-hold", paid=False)

    summary = await adapter.customer_summary(creds, customer_id=None, email="fran@example.org")

    assert summary.order_count == 1
    assert fake_woo.calls[1].params["status"] == "processing,completed,on-hold,refunded"


async def test_a_registered_customer_counts_orders_as_customer_and_as_guest(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    customer_id = fake_woo.add_customer("ana@example.org", orders=2)
    fake_woo.add_order(601, email="ana@example.org")  # before she registered

    by_id = await adapter.customer_summary(creds, customer_id=customer_id, email=None)
    by_email = await adapter.customer_summary(creds, customer_id=None, email="ana@example.org")

    assert by_id == CustomerSummary(customer_id, "ana@example.org", 3)
    assert by_email == CustomerSummary(customer_id, "ana@example.org", 3)


async def test_an_unknown_customer_id_falls_back_to_the_email(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    summary = await adapter.customer_summary(creds, customer_id="999", email="new@example.org")

    assert summary == CustomerSummary(None, "new@example.org", 0)
    assert fake_woo.paths() == ["GET /customers/999", "GET /customers", "GET /orders"]


async def test_a_customer_id_that_is_not_a_number_asks_nothing_by_id(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    summary = await adapter.customer_summary(
        creds, customer_id="gid://shopify/Customer/1", email="new@example.org"
    )

    assert summary == CustomerSummary(None, "new@example.org", 0)
    assert fake_woo.paths() == ["GET /customers", "GET /orders"]
