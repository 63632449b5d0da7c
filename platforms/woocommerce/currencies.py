"""The store's currency and the order's rate, from what a multi-currency plugin saved on the order.

WooCommerce itself has one store currency; an order's `currency` is the one the buyer paid in
(docs: WooCommerce REST API, Orders, `currency`). Multi-currency plugins keep the rate they
charged at in the order's meta (`meta_data` in the REST and webhook body). The keys each one
documents or shows in its own order screens:

    WOOCS (FOX currency switcher)   `_woocs_order_base_currency` (the store's currency) and
                                    `_woocs_order_rate`: order-currency units per store unit;
                                    its `back_convert` divides by it (currency-switcher.com,
                                    function/woocs-back_convert)
    CURCY (WooCommerce Multi        `wmc_order_info`: {currency: {rate, is_main, ...}} with the
    Currency, VillaTheme)           store's currency marked `is_main` (rate 1); an order's rate
                                    is its currency's entry
    Aelia Currency Switcher         `_base_currency_exchange_rate` converts the order's amounts
                                    to the base currency (aelia.co's reports query), but the
                                    base currency's code is not on the order
    WPML WooCommerce Multilingual   documents rates in its settings, none per order
                                    (wpml.org, multi-currency-support-woocommerce)

An order whose rate and store currency we cannot both read is left in its own currency (no
rate): the rules hold it for a person rather than compare amounts in two currencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from connector.domain.money import is_currency, is_rate

WOOCS_BASE = "_woocs_order_base_currency"
WOOCS_RATE = "_woocs_order_rate"
CURCY_INFO = "wmc_order_info"


@dataclass(frozen=True)
class OrderRate:
    """The store's currency and the order's rate: order-currency units per one store unit."""

    store_currency: str
    rate: Decimal
    source: str


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        found = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        return None
    return found if is_rate(found) else None


def _raw_meta(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {
        entry["key"]: entry.get("value")
        for entry in payload.get("meta_data") or ()
        if isinstance(entry, Mapping) and isinstance(entry.get("key"), str)
    }


def _woocs(meta: Mapping[str, Any]) -> OrderRate | None:
    base = str(meta.get(WOOCS_BASE) or "").upper()
    rate = _decimal(meta.get(WOOCS_RATE))
    if is_currency(base) and rate is not None:
        return OrderRate(base, rate, "WOOCS")
    return None


def _curcy(meta: Mapping[str, Any], currency: str) -> OrderRate | None:
    info = meta.get(CURCY_INFO)
    if not isinstance(info, Mapping):
        return None
    main = next(
        (str(code).upper() for code, row in info.items()
         if isinstance(row, Mapping) and str(row.get("is_main") or "0") not in ("0", "")),
        None,
    )  # fmt: skip
    mine = info.get(currency)
    if main is None or not is_currency(main) or not isinstance(mine, Mapping):
        return None
    rate = _decimal(mine.get("rate"))
    base = info.get(main)
    base_rate = _decimal(base.get("rate")) if isinstance(base, Mapping) else None
    if rate is None or base_rate is None:
        return None
    return OrderRate(main, rate / base_rate, "CURCY")


def order_rate(payload: Mapping[str, Any], currency: str) -> OrderRate | None:
    """The rate a multi-currency plugin recorded for an order in `currency`, if one did."""
    meta = _raw_meta(payload)
    return _woocs(meta) or _curcy(meta, currency)
