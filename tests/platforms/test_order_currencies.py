"""Parsers put every amount of an order in the shop's money and keep the buyer's currency and rate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.shopify.orders import parse_order as parse_shopify
from platforms.woocommerce.orders import parse_order as parse_woocommerce
from tests.support import shopify_payloads as shopify
from tests.support import woocommerce_payloads as woo


def _bag(shop: str, shown: str, currency: str) -> dict[str, Any]:
    return {
        "shop_money": {"amount": shop, "currency_code": "USD"},
        "presentment_money": {"amount": shown, "currency_code": currency},
    }


def test_a_shopify_order_in_euros_is_read_in_the_shop_dollars_with_its_rate() -> None:
    refund = {
        "id": 77, "created_at": "2026-11-21T10:00:00Z",
        "transactions": [{"kind": "refund", "status": "success", "amount": "9.20",
                          "currency": "EUR"}],
    }  # fmt: skip
    body = shopify.order(total="100.00", subtotal="90.00", currency="USD", refunds=[refund])
    body.update(
        presentment_currency="EUR",
        total_price_set=_bag("100.00", "92.00", "EUR"),
        subtotal_price_set=_bag("90.00", "82.80", "EUR"),
    )
    body["line_items"][0]["price_set"] = _bag("90.00", "82.80", "EUR")
    event = parse_shopify("shop.example", "orders/paid", body)
    assert (event.currency, event.subtotal, event.total) == (
        "USD",
        Decimal("90.00"),
        Decimal("100.00"),
    )
    assert (event.presentment_currency, event.exchange_rate) == ("EUR", Decimal("0.92"))
    # The refund was made in euros: 9.20 EUR is 10.00 USD at the order's rate.
    assert (event.refunded, event.refunds[0].amount) == (Decimal("10.00"), Decimal("10.00"))
    assert event.line_items[0].price == Decimal("90.00")
    assert event.foreign


def test_a_shopify_order_in_the_shop_currency_has_no_rate() -> None:
    event = parse_shopify("shop.example", "orders/paid", shopify.order(currency="USD"))
    assert (event.currency, event.presentment_currency, event.exchange_rate) == ("USD", "", None)
    assert not event.foreign


def _woo(meta: dict[str, Any], currency: str = "USD", total: str = "108.70") -> dict[str, Any]:
    body = woo.order(currency=currency, total=total)
    body["meta_data"] = [{"id": n, "key": k, "value": v} for n, (k, v) in enumerate(meta.items())]
    return body


def test_woocs_rate_converts_a_woocommerce_order_to_the_store_currency() -> None:
    meta = {"_woocs_order_base_currency": "EUR", "_woocs_order_rate": "1.087"}
    event = parse_woocommerce("store.example", "order.updated", _woo(meta))
    assert (event.currency, event.total, event.subtotal) == (
        "EUR",
        Decimal("100.00"),
        Decimal("100.00"),
    )
    assert (event.presentment_currency, event.exchange_rate) == ("USD", Decimal("1.087"))
    assert event.line_items[0].price == Decimal("100.00")


def test_curcy_rates_are_relative_to_its_main_currency() -> None:
    info = {"GBP": {"rate": "0.5", "is_main": 1}, "USD": {"rate": "0.6"}}
    event = parse_woocommerce(
        "store.example", "order.updated", _woo({"wmc_order_info": info}, total="60.00")
    )
    # 0.6 USD per 0.5 GBP: 1.2 USD per GBP, so 60.00 USD is 50.00 GBP.
    assert (event.currency, event.total, event.exchange_rate) == (
        "GBP",
        Decimal("50.00"),
        Decimal("1.2"),
    )


def test_a_woocommerce_order_without_a_usable_rate_stays_in_its_own_currency() -> None:
    for meta in (
        {},  # no plugin (or WPML, which keeps no rate on the order)
        {"_base_currency_exchange_rate": "0.92"},  # Aelia: the base currency is not named
        {"_woocs_order_base_currency": "EUR", "_woocs_order_rate": "0"},
        {"_woocs_order_base_currency": "EUR", "_woocs_order_rate": "abc"},
        {"_woocs_order_base_currency": "euro", "_woocs_order_rate": "1.1"},
        {"wmc_order_info": {"USD": {"rate": "1.1"}}},  # no main currency
    ):
        event = parse_woocommerce("store.example", "order.updated", _woo(meta))
        assert (event.currency, event.total, event.presentment_currency, event.exchange_rate) == (
            "USD", Decimal("108.70"), "", None,
        ), meta  # fmt: skip


def test_an_order_in_the_store_currency_is_left_alone_by_the_plugin_meta() -> None:
    meta = {"_woocs_order_base_currency": "EUR", "_woocs_order_rate": "1"}
    event = parse_woocommerce("store.example", "order.updated", _woo(meta, currency="EUR"))
    assert (event.currency, event.total, event.exchange_rate) == ("EUR", Decimal("108.70"), None)
