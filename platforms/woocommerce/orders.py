"""A WooCommerce order (webhook body or REST representation) as an `OrderEvent`.

What a status means for crediting:

    paid     processing, completed - and only with date_paid set
    void     cancelled, failed, trash (cancelled) and refunded (refunded in full)
    wait     pending, on-hold, checkout-draft - nothing to decide yet

WooCommerce does not enforce a state machine (any status can follow any other), so every
payload is read on its own. Refunds come from `refunds[]`: the order's `total` never changes.
Amounts are decimal strings and stay Decimal; ids are ints and become str.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from connector.domain.money import to_shop_money
from platforms.base import LineItem, OrderEvent, OrderEventKind, Refund, client_hash
from platforms.rest_orders import money, platform_id
from platforms.woocommerce.currencies import order_rate

PLATFORM = "woocommerce"
PAID = frozenset({"processing", "completed"})
CANCELLED = frozenset({"cancelled", "failed", "trash"})
REFUNDED = "refunded"
WAITING = frozenset({"pending", "on-hold", "checkout-draft"})
# Order meta our WordPress plugin writes at checkout (widgets/woocommerce), as attributes.
REFERRAL_META = {"_referral_connector_ref": "ref", "_referral_connector_at": "referral_at"}
# WooCommerce's own order attribution: the first page of the buyer's visit (with its query).
LANDING_META = "_wc_order_attribution_session_entry"


def gmt(value: Any) -> datetime | None:
    """A WooCommerce `*_gmt` timestamp (no offset, always UTC) as an aware datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _meta(payload: Mapping[str, Any]) -> dict[str, str]:
    found = {}
    for entry in payload.get("meta_data") or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("key"), str):
            value = entry.get("value")
            if isinstance(value, str | int) and not isinstance(value, bool):
                found[entry["key"]] = str(value)
    return found


def _refunds(payload: Mapping[str, Any]) -> tuple[Refund, ...]:
    # A refund's `total` is negative ("-60.00"); we keep amounts positive, as Shopify's are.
    return tuple(
        Refund(
            refund_id=platform_id(r.get("id")) or "",
            amount=abs(money(r.get("total"))),
            created_at=None,
        )
        for r in payload.get("refunds") or ()
        if isinstance(r, Mapping)
    )


def _unit_price(line: Mapping[str, Any]) -> Decimal:
    # `price` is a JSON number (a float); the line subtotal string divided by the quantity is
    # exact, rounded to the subtotal's own precision.
    subtotal = money(line.get("subtotal"))
    quantity = int(line.get("quantity") or 0)
    if quantity <= 0:
        return subtotal
    exponent = subtotal.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return (subtotal / quantity).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _address(found: Any) -> dict[str, str]:
    """A WooCommerce shipping or billing address in the core's keys."""
    fields = found if isinstance(found, Mapping) else {}
    return {
        ours: str(fields.get(theirs) or "")
        for ours, theirs in (("address1", "address_1"), ("address2", "address_2"),
                             ("city", "city"), ("zip", "postcode"), ("province_code", "state"),
                             ("country_code", "country"))
    }  # fmt: skip


def _lines(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [li for li in payload.get("line_items") or () if isinstance(li, Mapping)]


def _line(line: Mapping[str, Any]) -> LineItem:
    variation = platform_id(line.get("variation_id"))
    return LineItem(
        product_id=platform_id(line.get("product_id")),
        variant_id=None if variation == "0" else variation,
        quantity=int(line.get("quantity") or 0),
        price=_unit_price(line),
        title=str(line.get("name") or ""),
    )


def _kind(topic: str, status: str, paid: bool, refunds: tuple[Refund, ...]) -> OrderEventKind:
    if status in CANCELLED:
        return OrderEventKind.CANCELLED
    if status == REFUNDED or (paid and refunds):
        return OrderEventKind.REFUNDED
    if paid:
        return OrderEventKind.PAID
    if topic == "order.created":
        return OrderEventKind.PLACED
    return OrderEventKind.UPDATED


def _deleted(shop: str, order_id: str) -> OrderEvent:
    """order.deleted carries only `{"id": N}`: the order went to the trash."""
    return OrderEvent(
        platform=PLATFORM,
        shop=shop,
        order_id=order_id,
        kind=OrderEventKind.CANCELLED,
        order_name=f"#{order_id}",
        currency="",
        subtotal=Decimal(0),
        total=Decimal(0),
        refunded=Decimal(0),
        financial_status="trash",
        is_test=False,
        paid=False,
        cancelled=True,
        updated_at=None,
        created_at=None,
        customer_id=None,
        email=None,
    )


def _in_shop_money(event: OrderEvent, payload: Mapping[str, Any]) -> OrderEvent:
    """The event in the store's money when a multi-currency plugin recorded the order's rate;
    as it is (its own currency, no rate) otherwise, so that the rules hold it."""
    found = order_rate(payload, event.currency)
    if found is None or found.store_currency == event.currency:
        return event
    shop, rate = found.store_currency, found.rate

    def convert(amount: Decimal) -> Decimal:
        return to_shop_money(amount, rate, shop).amount

    return replace(
        event,
        currency=shop,
        subtotal=convert(event.subtotal),
        total=convert(event.total),
        refunded=convert(event.refunded),
        line_items=tuple(replace(li, price=convert(li.price)) for li in event.line_items),
        refunds=tuple(replace(r, amount=convert(r.amount)) for r in event.refunds),
        presentment_currency=event.currency,
        exchange_rate=rate,
    )


def parse_order(shop: str, topic: str, payload: Mapping[str, Any]) -> OrderEvent:
    """Build the `OrderEvent` of an order.* webhook body or a REST order, in the store's money."""
    return _in_shop_money(_parse(shop, topic, payload), payload)


def _parse(shop: str, topic: str, payload: Mapping[str, Any]) -> OrderEvent:
    """The `OrderEvent` of an order.* body in the order's own currency."""
    order_id = platform_id(payload.get("id"))
    if order_id is None:
        raise ValueError("order payload has no id")
    status = str(payload.get("status") or "")
    if topic == "order.deleted" and not status:
        return _deleted(shop, order_id)
    paid = status in PAID and bool(payload.get("date_paid_gmt") or payload.get("date_paid"))
    refunds = _refunds(payload)
    total = money(payload.get("total"))
    refunded = sum((r.amount for r in refunds), Decimal(0))
    if status == REFUNDED:
        # The store calls the order refunded in full even when the refunds were recorded
        # elsewhere (a status set by hand); crediting must treat it as fully refunded.
        refunded = max(refunded, total)
    meta = _meta(payload)
    billing = payload.get("billing") or {}
    shipping = payload.get("shipping") or {}
    customer = platform_id(payload.get("customer_id"))
    lines = _lines(payload)
    landing = meta.get(LANDING_META) or None
    return OrderEvent(
        platform=PLATFORM,
        shop=shop,
        order_id=order_id,
        kind=_kind(topic, status, paid, refunds),
        order_name=f"#{payload.get('number') or order_id}",
        currency=str(payload.get("currency") or "").upper(),
        # Like Shopify's subtotal: after discounts, before shipping and tax.
        subtotal=sum((money(li.get("total")) for li in lines), Decimal(0)),
        total=total,
        refunded=refunded,
        financial_status=status,
        is_test=False,
        paid=paid,
        cancelled=status in CANCELLED,
        updated_at=gmt(payload.get("date_modified_gmt")),
        created_at=gmt(payload.get("date_created_gmt")),
        # Guests have customer_id 0: they are not customers.
        customer_id=None if customer in (None, "0") else customer,
        email=str(billing.get("email") or "") or None,
        discount_codes=tuple(
            str(c["code"]).lower() for c in payload.get("coupon_lines") or () if c.get("code")
        ),
        attributes={name: meta[key] for key, name in REFERRAL_META.items() if meta.get(key)},
        landing_site=landing,
        landing_ref=landing,
        client_ip_hash=client_hash(payload.get("customer_ip_address")),
        user_agent_hash=client_hash(payload.get("customer_user_agent")),
        shipping_address=_address(shipping),
        billing_address=_address(billing),
        line_items=tuple(_line(li) for li in lines),
        refunds=refunds,
    )
