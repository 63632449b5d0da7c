"""Referral discount codes as WooCommerce coupons: the payload, create (idempotent by code),
look up, update the value, and clawback.

WooCommerce stores codes lower-cased (`REF-ANA-10` comes back as `ref-ana-10`) and answers a
second coupon with the same code, in any case, with 400 `woocommerce_rest_coupon_code_already_exists`;
so codes are sent and compared lower-case. Coupons restrict buyers by email only (there is no
customer-id restriction: a spec naming customers is sent with their emails, looked up in the
store), and `date_expires_gmt` is accepted but ignored on write, so expiry is
sent as `date_expires` with an explicit UTC offset. A clawed-back coupon is deleted for good
(`force=true`; without it the coupon would only move to the trash).

A free product is a 100% coupon limited to the product (or the variation: variations are
products with their own ids in `product_ids`) and to one item (`limit_usage_to_x_items`).
WooCommerce has no gift cards of its own: a gift card reward is a coupon worth the card's amount
off the cart (`fixed_cart`), single use, bound to the owner's email, that combines with other
coupons and is tagged as a gift card (`GIFT_CARD_META`). Unlike a Shopify card it holds no
balance: what is not spent in the order that uses it is lost.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from platforms.base import (
    AlreadyExists,
    DiscountKind,
    DiscountRef,
    DiscountSpec,
    GiftCardRef,
    GiftCardSpec,
    PlatformRejected,
    StoreCredentials,
)
from platforms.woocommerce.customers import customer_by_id
from platforms.woocommerce.rest import NotFound, WooREST

# Tags our coupons so a merchant (or we) can tell them from the store's own.
META_KEY = "_referral_connector"
# Marks a coupon for first orders only: the plugin refuses it at checkout to a customer who
# already has a paid order (widgets/woocommerce/referral-connector.php, REFCONN_META_NEW_ONLY).
NEW_CUSTOMERS_META = "_referral_connector_new_customers"
# Marks a coupon that stands for a gift card reward.
GIFT_CARD_META = "_referral_connector_gift_card"


def amount_text(value: Decimal) -> str:
    """A Decimal as WooCommerce's amount string: plain digits, never a float or `1E+1`."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"not a finite Decimal: {value!r}")
    return format(value, "f")


def _product_ids(spec: DiscountSpec) -> list[int]:
    """The store's ids (integers) of the variations, else the products, the coupon is for."""
    ids = spec.variant_ids or spec.product_ids
    if not ids:
        raise ValueError("a free product needs a product or variation id")
    if not all(i.isdigit() for i in ids):
        raise PlatformRejected(
            f"WooCommerce product ids are numbers, got {', '.join(ids)}", code="BAD_PRODUCT_ID"
        )
    return [int(i) for i in ids]


def _discount(spec: DiscountSpec) -> dict[str, Any]:
    if spec.kind is DiscountKind.FREE_PRODUCT:
        return {
            "discount_type": "percent",
            "amount": "100",
            "product_ids": _product_ids(spec),
            "limit_usage_to_x_items": 1,
        }
    if spec.kind is DiscountKind.PERCENTAGE:
        if not Decimal(0) < spec.value <= Decimal(100):
            raise ValueError(f"a percentage must be in (0, 100], got {spec.value}")
        return {"discount_type": "percent", "amount": amount_text(spec.value)}
    if spec.kind is DiscountKind.FREE_SHIPPING:
        # Free shipping is a flag on a coupon worth nothing else.
        return {"discount_type": "fixed_cart", "amount": "0", "free_shipping": True}
    if spec.value <= 0:
        raise ValueError(f"a fixed amount must be positive, got {spec.value}")
    return {"discount_type": "fixed_cart", "amount": amount_text(spec.value)}


def coupon_payload(spec: DiscountSpec) -> dict[str, Any]:
    """The POST /coupons body for a spec."""
    if spec.customer_ids and not spec.emails:
        # Without an email the coupon would be open to anyone who learns the code.
        raise PlatformRejected(
            "WooCommerce restricts coupons by email only: name the customer's email",
            code="EMAIL_REQUIRED",
        )
    payload: dict[str, Any] = {
        "code": spec.code.lower(),
        "description": spec.title,
        "status": "publish",
        **_discount(spec),
        "individual_use": spec.individual_use,
        "email_restrictions": [e.strip().lower() for e in spec.emails],
        "meta_data": [{"key": META_KEY, "value": "1"}],
    }
    if spec.new_customers_only:
        payload["meta_data"].append({"key": NEW_CUSTOMERS_META, "value": "1"})
    # The limits are integers, never null, in the store's schema: "no limit" is leaving them out.
    if spec.usage_limit is not None:
        payload["usage_limit"] = spec.usage_limit
    if spec.once_per_customer:
        payload["usage_limit_per_user"] = 1
    if spec.ends_at is not None:
        if spec.ends_at.tzinfo is None:
            raise ValueError(f"a naive datetime is ambiguous: {spec.ends_at!r}")
        payload["date_expires"] = spec.ends_at.astimezone(UTC).isoformat(timespec="seconds")
    if spec.minimum_subtotal is not None:
        payload["minimum_amount"] = amount_text(spec.minimum_subtotal)
    return payload


async def find_discount(rest: WooREST, creds: StoreCredentials, code: str) -> DiscountRef | None:
    """The coupon with this code (compared lower-case), or None."""
    wanted = code.lower()
    answer = await rest.request(creds, "GET", "/coupons", params={"code": wanted})
    for coupon in answer.body if isinstance(answer.body, list) else ():
        if isinstance(coupon, dict) and str(coupon.get("code", "")).lower() == wanted:
            return DiscountRef(code=code, platform_id=str(coupon["id"]))
    return None


async def _with_emails(rest: WooREST, creds: StoreCredentials, spec: DiscountSpec) -> DiscountSpec:
    """The spec restricted by email: the named customers' store emails when it gives none."""
    if spec.emails or not spec.customer_ids:
        return spec
    emails = []
    for customer_id in spec.customer_ids:
        customer = await customer_by_id(rest, creds, customer_id)
        email = str((customer or {}).get("email") or "")
        if not email:
            raise PlatformRejected(
                f"customer {customer_id} has no email in the store to restrict the coupon to",
                code="EMAIL_REQUIRED",
            )
        emails.append(email)
    return replace(spec, emails=tuple(emails))


async def create_discount(
    rest: WooREST,
    creds: StoreCredentials,
    spec: DiscountSpec,
    extra_meta: tuple[dict[str, str], ...] = (),
) -> DiscountRef:
    """Create the coupon; if the code already exists, read the existing one back."""
    payload = coupon_payload(await _with_emails(rest, creds, spec))
    payload["meta_data"].extend(extra_meta)
    try:
        answer = await rest.request(creds, "POST", "/coupons", json_body=payload)
    except AlreadyExists:
        # Codes are deterministic, so an existing code is our earlier attempt that succeeded.
        existing = await find_discount(rest, creds, spec.code)
        if existing is None:
            raise
        return existing
    body = answer.body if isinstance(answer.body, dict) else {}
    if not body.get("id"):
        raise PlatformRejected("POST /coupons returned no coupon", code="NO_PAYLOAD")
    return DiscountRef(code=spec.code, platform_id=str(body["id"]))


async def update_discount(
    rest: WooREST, creds: StoreCredentials, ref: DiscountRef, spec: DiscountSpec
) -> None:
    """Give an existing coupon the spec's description and value (PUT /coupons/{id})."""
    found = ref if ref.platform_id.isdigit() else await find_discount(rest, creds, ref.code)
    if found is None:
        raise PlatformRejected(f"no coupon {ref.code.lower()} to update", code="NOT_FOUND")
    body = {"description": spec.title, **_discount(spec)}
    await rest.request(creds, "PUT", f"/coupons/{found.platform_id}", json_body=body)


def gift_card_coupon(spec: GiftCardSpec) -> DiscountSpec:
    """The coupon that stands for a gift card: its amount off the cart, once, for its owner."""
    label = f"{spec.amount.amount} {spec.amount.currency}"
    return DiscountSpec(
        code=spec.code,
        title=f"Gift card: {label} ({spec.code}). {spec.note}".strip(),
        kind=DiscountKind.FIXED_AMOUNT,
        value=spec.amount.amount,
        currency=spec.amount.currency,
        starts_at=datetime.now(UTC),
        ends_at=(
            datetime.combine(spec.expires_on, time.max, UTC).replace(microsecond=0)
            if spec.expires_on is not None
            else None
        ),
        usage_limit=1,
        once_per_customer=True,
        customer_ids=(spec.customer_id,) if spec.customer_id else (),
        emails=(spec.email,) if spec.email else (),
        individual_use=False,
    )


async def create_gift_card(
    rest: WooREST, creds: StoreCredentials, spec: GiftCardSpec
) -> GiftCardRef:
    """Create the gift card's coupon; one that exists with the code is read back."""
    coupon = gift_card_coupon(spec)
    ref = await create_discount(rest, creds, coupon, extra_meta=({"key": GIFT_CARD_META, "value": "1"},))
    return GiftCardRef(code=ref.code, platform_id=ref.platform_id)


async def disable_discount(rest: WooREST, creds: StoreCredentials, ref: DiscountRef) -> None:
    """Delete the coupon for good; a coupon that is already gone counts as done."""
    coupon_id = ref.platform_id if ref.platform_id.isdigit() else None
    if coupon_id is None:
        found = await find_discount(rest, creds, ref.code)
        if found is None:
            return
        coupon_id = found.platform_id
    try:
        await rest.request(creds, "DELETE", f"/coupons/{coupon_id}", params={"force": "true"})
    except NotFound:
        return
