"""Parse a REST order payload (the shape of Shopify's webhook body) into `OrderEvent`.

Shared by every platform that speaks this shape (Shopify, the sandbox); the caller names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connector.domain.money import is_currency, to_shop_money
from platforms.base import LineItem, OrderEvent, OrderEventKind, Refund, client_hash

_KIND_BY_TOPIC = {
    "orders/create": OrderEventKind.PLACED,
    "orders/paid": OrderEventKind.PAID,
    "orders/updated": OrderEventKind.UPDATED,
    "orders/edited": OrderEventKind.UPDATED,
    "orders/fulfilled": OrderEventKind.UPDATED,
    "orders/cancelled": OrderEventKind.CANCELLED,
}
_PAID_STATUSES = {"paid", "partially_refunded", "refunded"}


def money(value: Any) -> Decimal:
    """A decimal string (or number) as an exact Decimal; missing means zero."""
    if value is None or value == "":
        return Decimal("0")
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal amount: {value!r}") from exc


def platform_id(value: Any) -> str | None:
    """An id (int, string or Shopify GID) as a string; never through float."""
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        raise ValueError(f"an id must be an integer or a string, got {value!r}")
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("gid://") else text


def timestamp(value: Any) -> datetime | None:
    """An ISO-8601 timestamp with offset, as an aware datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a UTC offset: {value!r}")
    return parsed


def _set_amount(money_set: Any, which: str) -> Decimal | None:
    """`{key}_set.{which}.amount` of a Shopify money set (MoneyBag), when present."""
    found = money_set.get(which) if isinstance(money_set, Mapping) else None
    if isinstance(found, Mapping) and found.get("amount") is not None:
        return money(found["amount"])
    return None


def _shop_amount(payload: Mapping[str, Any], key: str) -> Decimal:
    """Prefer `{key}_set.shop_money.amount` (shop currency), else the plain field."""
    found = _set_amount(payload.get(f"{key}_set"), "shop_money")
    return found if found is not None else money(payload.get(key))


def order_rate(payload: Mapping[str, Any]) -> Decimal | None:
    """The order's exchange rate: presentment units per one shop unit, read from the totals'
    MoneyBags (shop_money and presentment_money: shopify.dev, admin-graphql MoneyBag and the REST
    Order's `*_set` fields); None when the buyer paid in the shop's currency or no total says."""
    for key in ("total_price_set", "subtotal_price_set", "total_line_items_price_set"):
        shop = _set_amount(payload.get(key), "shop_money")
        shown = _set_amount(payload.get(key), "presentment_money")
        if shop is not None and shown is not None and shop > 0 and shown > 0:
            # Twelve places: the rate is derived from two rounded amounts, so more is noise.
            return (shown / shop).quantize(Decimal("1e-12"))
    return None


def _refunds(
    payload: Mapping[str, Any], currency: str, rate: Decimal | None
) -> tuple[Refund, ...]:
    out = []
    for refund in payload.get("refunds") or ():
        amount = Decimal("0")
        for tx in refund.get("transactions") or ():
            if tx.get("kind") == "refund" and tx.get("status") in (None, "success"):
                # A refund transaction is in the currency the buyer paid in (its `currency`;
                # refunds are made in the presentment currency: shopify.dev RefundInput), so a
                # foreign one becomes shop money at the order's rate.
                paid_in = str(tx.get("currency") or currency).upper()
                value = money(tx.get("amount"))
                if paid_in != currency and rate is not None:
                    value = to_shop_money(value, rate, currency).amount
                amount += value
        out.append(
            Refund(
                refund_id=platform_id(refund.get("id")) or "",
                amount=amount,
                created_at=timestamp(refund.get("created_at")),
            )
        )
    return tuple(out)


def _address(found: Any) -> dict[str, str]:
    """A shipping or billing address of the order, in the core's keys."""
    fields = found if isinstance(found, Mapping) else {}
    keys = ("address1", "address2", "city", "zip", "province_code", "country_code")
    return {k: str(fields.get(k) or "") for k in keys}


def parse_rest_order(
    platform: str, shop: str, topic: str, payload: Mapping[str, Any]
) -> OrderEvent:
    """Build `platform`'s `OrderEvent` from an orders/* body in the REST Order shape."""
    order_id = platform_id(payload.get("id"))
    if order_id is None:
        raise ValueError("order payload has no id")
    financial = str(payload.get("financial_status") or "")
    currency = str(payload.get("currency") or "").upper()
    shown = str(payload.get("presentment_currency") or "").upper()
    presentment = shown if is_currency(shown) and shown != currency else ""
    rate = order_rate(payload) if presentment else None
    refunds = _refunds(payload, currency, rate)
    cancelled = bool(payload.get("cancelled_at"))
    kind = _KIND_BY_TOPIC.get(topic, OrderEventKind.UPDATED)
    if financial in ("refunded", "partially_refunded") and kind is OrderEventKind.UPDATED:
        kind = OrderEventKind.REFUNDED
    customer = payload.get("customer") or {}
    client = payload.get("client_details") or {}
    shipping = payload.get("shipping_address") or {}
    attributes = {
        str(a.get("name")): str(a.get("value") or "")
        for a in payload.get("note_attributes") or ()
        if isinstance(a, Mapping) and a.get("name")
    }
    codes = tuple(str(d["code"]) for d in payload.get("discount_codes") or () if d.get("code"))
    lines = tuple(
        LineItem(
            product_id=platform_id(li.get("product_id")),
            variant_id=platform_id(li.get("variant_id")),
            quantity=int(li.get("quantity") or 0),
            price=_shop_amount(li, "price"),
            title=str(li.get("title") or ""),
        )
        for li in payload.get("line_items") or ()
    )
    return OrderEvent(
        platform=platform,
        shop=shop,
        order_id=order_id,
        kind=kind,
        order_name=str(payload.get("name") or f"#{payload.get('order_number', order_id)}"),
        currency=currency,
        subtotal=_shop_amount(payload, "subtotal_price"),
        total=_shop_amount(payload, "total_price"),
        refunded=sum((r.amount for r in refunds), Decimal("0")),
        financial_status=financial,
        is_test=bool(payload.get("test")),
        paid=financial in _PAID_STATUSES,
        cancelled=cancelled,
        updated_at=timestamp(payload.get("updated_at")),
        created_at=timestamp(payload.get("created_at")),
        customer_id=platform_id(customer.get("id")),
        email=(
            payload.get("email") or payload.get("contact_email") or customer.get("email") or None
        ),
        discount_codes=codes,
        attributes=attributes,
        landing_site=payload.get("landing_site") or None,
        landing_ref=payload.get("landing_site_ref") or None,
        client_ip_hash=client_hash(payload.get("browser_ip") or client.get("browser_ip")),
        user_agent_hash=client_hash(client.get("user_agent")),
        shipping_address=_address(shipping),
        billing_address=_address(payload.get("billing_address")),
        line_items=lines,
        refunds=refunds,
        presentment_currency=presentment,
        exchange_rate=rate,
    )
