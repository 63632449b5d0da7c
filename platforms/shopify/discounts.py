"""Referral discount codes on Shopify: create (idempotent by code), look up, deactivate.

A code for a person (a reward) is bound to that person as a store customer, because the
discount's customer selection takes customers, not emails: a customer id the store knows is used
as it is; otherwise the customer with the email we hold is found, or created (so the code still
reaches its owner when the id we hold is unknown to the store).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from platforms.base import (
    AlreadyExists,
    DiscountKind,
    DiscountRef,
    DiscountSpec,
    PlatformRejected,
    StoreCredentials,
)
from platforms.shopify import queries
from platforms.shopify.encode import decimal_text, gid, iso_utc
from platforms.shopify.graphql import AdminGraphQL

# Statuses in which a discount can still be used; deactivating sets endsAt, making it EXPIRED.
_LIVE = ("ACTIVE", "SCHEDULED")


def _context(spec: DiscountSpec) -> dict[str, Any]:
    """Who may use the code; customers win over segments, and nobody named means everyone."""
    if spec.customer_ids:
        return {"customers": {"add": [gid("Customer", c) for c in spec.customer_ids]}}
    if spec.customer_segment_ids:
        return {"customerSegments": {"add": [gid("Segment", s) for s in spec.customer_segment_ids]}}
    return {"all": "ALL"}


def _items(spec: DiscountSpec) -> dict[str, Any]:
    """Which items the discount applies to: the named variants, else products, else all."""
    if spec.variant_ids:
        return {"products": {"productVariantsToAdd": [gid("ProductVariant", v) for v in spec.variant_ids]}}
    if spec.product_ids:
        return {"products": {"productsToAdd": [gid("Product", p) for p in spec.product_ids]}}
    return {"all": True}


def _value(spec: DiscountSpec) -> dict[str, Any]:
    if spec.kind is DiscountKind.FREE_PRODUCT:
        # One unit free: the product's price off once, shared across the entitled items. (A
        # 100% basic discount would free every unit in the cart; quantities are BXGY-only.)
        if spec.value <= 0 or not (spec.product_ids or spec.variant_ids):
            raise ValueError("a free product needs its price and a product or variant")
        return {"discountAmount": {"amount": decimal_text(spec.value), "appliesOnEachItem": False}}
    if spec.kind is DiscountKind.PERCENTAGE:
        if not Decimal(0) < spec.value <= Decimal(100):
            raise ValueError(f"a percentage must be in (0, 100], got {spec.value}")
        # Shopify wants a Float fraction; going through the Decimal quotient's text keeps 12.5%
        # as exactly 0.125 rather than a binary approximation of a float division.
        return {"percentage": float(str(spec.value / Decimal(100)))}
    return {"discountAmount": {"amount": decimal_text(spec.value), "appliesOnEachItem": False}}


def discount_input(spec: DiscountSpec) -> dict[str, Any]:
    """The DiscountCodeBasicInput (or DiscountCodeFreeShippingInput) for a spec."""
    fields: dict[str, Any] = {
        "title": spec.title,
        "code": spec.code,
        "startsAt": iso_utc(spec.starts_at),
        "context": _context(spec),
        "usageLimit": spec.usage_limit,
        "appliesOncePerCustomer": spec.once_per_customer,
        "combinesWith": {
            "orderDiscounts": spec.combines_with_order,
            "productDiscounts": spec.combines_with_product,
            "shippingDiscounts": spec.combines_with_shipping,
        },
    }
    if spec.ends_at is not None:
        fields["endsAt"] = iso_utc(spec.ends_at)
    if spec.minimum_subtotal is not None:
        fields["minimumRequirement"] = {
            "subtotal": {"greaterThanOrEqualToSubtotal": decimal_text(spec.minimum_subtotal)}
        }
    if spec.kind is DiscountKind.FREE_SHIPPING:
        fields["destination"] = {"all": True}
    else:
        fields["customerGets"] = {"value": _value(spec), "items": _items(spec)}
    return fields


async def _known(gql: AdminGraphQL, creds: StoreCredentials, customer_id: str) -> bool:
    data = await gql.query(creds, queries.CUSTOMER_ID, {"id": gid("Customer", customer_id)})
    return bool(data.get("customer"))


async def _customer_for_email(gql: AdminGraphQL, creds: StoreCredentials, email: str) -> str:
    """The store customer with this email, created when there is none."""
    data = await gql.query(creds, queries.CUSTOMER_ID_BY_EMAIL, {"email": email})
    found = data.get("customerByIdentifier")
    if not found:
        try:
            payload = await gql.mutate(
                creds, queries.CUSTOMER_CREATE, {"input": {"email": email}}, "customerCreate"
            )
            found = payload.get("customer")
        except PlatformRejected:
            # Created meanwhile by someone else ("has already been taken"): read it back.
            data = await gql.query(creds, queries.CUSTOMER_ID_BY_EMAIL, {"email": email})
            found = data.get("customerByIdentifier")
            if not found:
                raise
    if not found or not found.get("id"):
        raise PlatformRejected(f"no store customer could be made for {email}", code="NO_CUSTOMER")
    return str(found["id"]).rsplit("/", 1)[-1]


async def store_customer(
    gql: AdminGraphQL, creds: StoreCredentials, customer_id: str | None, email: str | None
) -> str | None:
    """The store customer a reward belongs to: the id we hold if the store knows it, else the
    customer with the email (created when there is none); None when we hold neither."""
    if customer_id and (not email or await _known(gql, creds, customer_id)):
        return customer_id
    return await _customer_for_email(gql, creds, email) if email else None


async def bind_to_owner(
    gql: AdminGraphQL, creds: StoreCredentials, spec: DiscountSpec
) -> DiscountSpec:
    """The spec restricted to store customers: its ids the store knows, else its emails' customers."""
    if not spec.emails:
        return spec  # ids alone (or nobody): nothing to fall back on, so nothing to ask
    known = tuple([c for c in spec.customer_ids if await _known(gql, creds, c)])
    if known:
        return replace(spec, customer_ids=known)
    ids = tuple([await _customer_for_email(gql, creds, email) for email in spec.emails])
    return replace(spec, customer_ids=ids)


async def _node_by_code(
    gql: AdminGraphQL, creds: StoreCredentials, code: str
) -> dict[str, Any] | None:
    data = await gql.query(creds, queries.CODE_DISCOUNT_NODE_BY_CODE, {"code": code})
    node = data.get("codeDiscountNodeByCode")
    return dict(node) if node else None


async def find_discount(
    gql: AdminGraphQL, creds: StoreCredentials, code: str
) -> DiscountRef | None:
    """The discount with this code, active or not, or None."""
    node = await _node_by_code(gql, creds, code)
    return DiscountRef(code=code, platform_id=str(node["id"])) if node else None


async def create_discount(
    gql: AdminGraphQL, creds: StoreCredentials, spec: DiscountSpec
) -> DiscountRef:
    """Create the code; if Shopify says the code is TAKEN, read the existing one back."""
    free = spec.kind is DiscountKind.FREE_SHIPPING
    document = (
        queries.DISCOUNT_CODE_FREE_SHIPPING_CREATE if free else queries.DISCOUNT_CODE_BASIC_CREATE
    )
    root = "discountCodeFreeShippingCreate" if free else "discountCodeBasicCreate"
    spec = await bind_to_owner(gql, creds, spec)
    try:
        payload = await gql.mutate(creds, document, {"input": discount_input(spec)}, root)
    except AlreadyExists:
        # Codes are deterministic, so an existing code is our earlier attempt that succeeded.
        existing = await find_discount(gql, creds, spec.code)
        if existing is None:
            raise
        return existing
    node = payload.get("codeDiscountNode") or {}
    if not node.get("id"):
        raise PlatformRejected(f"{root} returned no discount", code="NO_PAYLOAD")
    return DiscountRef(code=spec.code, platform_id=str(node["id"]))


async def update_discount(
    gql: AdminGraphQL, creds: StoreCredentials, ref: DiscountRef, spec: DiscountSpec
) -> None:
    """Give an existing code the spec's title and value; who may use it and its limits stay."""
    if spec.kind is DiscountKind.FREE_SHIPPING:
        raise PlatformRejected("a free-shipping code has no value to change", code="UNSUPPORTED")
    fields = {"title": spec.title, "customerGets": {"value": _value(spec), "items": {"all": True}}}
    variables = {"id": ref.platform_id, "input": fields}
    await gql.mutate(creds, queries.DISCOUNT_CODE_BASIC_UPDATE, variables, "discountCodeBasicUpdate")


async def disable_discount(gql: AdminGraphQL, creds: StoreCredentials, ref: DiscountRef) -> None:
    """Deactivate; a discount that is already inactive or gone counts as done."""
    try:
        await gql.mutate(
            creds,
            queries.DISCOUNT_CODE_DEACTIVATE,
            {"id": ref.platform_id},
            "discountCodeDeactivate",
        )
    except PlatformRejected:
        node = await _node_by_code(gql, creds, ref.code)
        status = ((node or {}).get("codeDiscount") or {}).get("status")
        if node is None or (status is not None and status not in _LIVE):
            return
        raise
