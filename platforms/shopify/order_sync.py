"""Orders updated since a time, paged from Admin GraphQL and turned into the webhook's REST shape.

Reconciliation feeds these into the same inbox as webhooks, so they must parse with the same
`parse_order`: this module is the one place that knows both shapes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

from platforms.base import StoreCredentials
from platforms.shopify import queries
from platforms.shopify.encode import iso_utc
from platforms.shopify.graphql import AdminGraphQL

PAGE_SIZE = 20


def _legacy_id(node: Mapping[str, Any] | None) -> int | None:
    """The numeric REST id; legacyResourceId is a string, so int() keeps 64-bit ids exact."""
    if not node or node.get("legacyResourceId") in (None, ""):
        return None
    return int(node["legacyResourceId"])


def _shop_amount(node: Mapping[str, Any], key: str) -> str | None:
    return ((node.get(key) or {}).get("shopMoney") or {}).get("amount")


def _money_field(node: Mapping[str, Any], key: str, rest_key: str) -> dict[str, Any]:
    """`total_price` and `total_price_set` (both MoneyBag sides) from `totalPriceSet`."""
    bag = node.get(key) or {}
    sides = {"shop_money": bag.get("shopMoney") or {},
             "presentment_money": bag.get("presentmentMoney") or {}}  # fmt: skip
    return {
        rest_key: sides["shop_money"].get("amount"),
        f"{rest_key}_set": {
            side: {"amount": found.get("amount"), "currency_code": found.get("currencyCode")}
            for side, found in sides.items()
            if found
        },
    }


def _lower(value: Any) -> str | None:
    return str(value).lower() if value else None


def _line_item(line: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "product_id": _legacy_id(line.get("product")),
        "variant_id": _legacy_id(line.get("variant")),
        "quantity": line.get("quantity"),
        "price": _shop_amount(line, "originalUnitPriceSet"),
        "title": line.get("title"),
    }


def _refund(refund: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": _legacy_id(refund),
        "created_at": refund.get("createdAt"),
        "transactions": [
            {
                "kind": _lower(tx.get("kind")),
                "status": _lower(tx.get("status")),
                "amount": _shop_amount(tx, "amountSet"),
            }
            for tx in (refund.get("transactions") or {}).get("nodes") or ()
        ],
    }


def rest_order(node: Mapping[str, Any]) -> dict[str, Any]:
    """A GraphQL `Order` (as ORDERS_UPDATED_SINCE selects it) in the REST webhook body's shape."""
    visit = (node.get("customerJourneySummary") or {}).get("lastVisit") or {}
    customer = node.get("customer")
    address = node.get("shippingAddress") or {}
    return {
        "id": _legacy_id(node),
        "admin_graphql_api_id": node.get("id"),
        "name": node.get("name"),
        "order_number": node.get("number"),
        "email": node.get("email"),
        "contact_email": node.get("email"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "cancel_reason": _lower(node.get("cancelReason")),
        "financial_status": _lower(node.get("displayFinancialStatus")),
        "test": bool(node.get("test")),
        "currency": node.get("currencyCode"),
        "presentment_currency": node.get("presentmentCurrencyCode"),
        **_money_field(node, "subtotalPriceSet", "subtotal_price"),
        **_money_field(node, "totalPriceSet", "total_price"),
        "discount_codes": [{"code": code} for code in node.get("discountCodes") or ()],
        "note_attributes": [
            {"name": a.get("key"), "value": a.get("value")}
            for a in node.get("customAttributes") or ()
        ],
        "landing_site": visit.get("landingPage"),
        "landing_site_ref": visit.get("referralCode"),
        "referring_site": visit.get("referrerUrl"),
        "browser_ip": node.get("clientIp"),
        "client_details": {"browser_ip": node.get("clientIp")},
        "customer": {
            "id": _legacy_id(customer),
            "email": ((customer.get("defaultEmailAddress") or {}).get("emailAddress")),
            "admin_graphql_api_id": customer.get("id"),
        }
        if customer
        else None,
        "shipping_address": {
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "zip": address.get("zip"),
            "province_code": address.get("provinceCode"),
            "country_code": address.get("countryCodeV2"),
        },
        "line_items": [_line_item(li) for li in (node.get("lineItems") or {}).get("nodes") or ()],
        "refunds": [_refund(r) for r in node.get("refunds") or ()],
    }


async def orders_updated_since(
    gql: AdminGraphQL, creds: StoreCredentials, updated_since: datetime
) -> AsyncIterator[dict[str, Any]]:
    """Every order updated at or after `updated_since`, oldest change first, page by page."""
    search = f"updated_at:>='{iso_utc(updated_since)}'"
    after: str | None = None
    while True:
        data = await gql.query(
            creds,
            queries.ORDERS_UPDATED_SINCE,
            {"first": PAGE_SIZE, "after": after, "query": search},
        )
        connection = data.get("orders") or {}
        for node in connection.get("nodes") or ():
            yield rest_order(node)
        page = connection.get("pageInfo") or {}
        if not page.get("hasNextPage") or not page.get("endCursor"):
            return
        after = str(page["endCursor"])
