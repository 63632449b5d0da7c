"""Is this a first order? WooCommerce counts registered customers and guests separately.

Guests are not customers (`GET /customers?email=` does not find them; their orders have
`customer_id` 0), so a buyer's orders are those of the registered customer, if any, plus guest
orders whose billing email is exactly theirs. The orders search is a fuzzy text search, so each
hit's billing email is compared here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platforms.base import CustomerSummary, PlatformRejected, StoreCredentials
from platforms.woocommerce.rest import NotFound, WooREST

# Orders that make someone a customer: paid, awaiting payment confirmation, or refunded later.
COUNTED_STATUSES = "processing,completed,on-hold,refunded"


def _same_email(a: Any, b: str) -> bool:
    return isinstance(a, str) and a.strip().casefold() == b.strip().casefold()


async def customer_by_id(
    rest: WooREST, creds: StoreCredentials, customer_id: str
) -> Mapping[str, Any] | None:
    """The registered customer with this id, or None."""
    if not customer_id.isdigit():
        return None  # WooCommerce ids are integers: nothing else can name a customer
    try:
        answer = await rest.request(creds, "GET", f"/customers/{customer_id}")
    except NotFound:
        return None
    return answer.body if isinstance(answer.body, Mapping) else None


async def _customer_by_email(
    rest: WooREST, creds: StoreCredentials, email: str
) -> Mapping[str, Any] | None:
    # role=all: a customer who is also, say, a shop manager still counts.
    answer = await rest.request(creds, "GET", "/customers", params={"email": email, "role": "all"})
    for customer in answer.body if isinstance(answer.body, list) else ():
        if isinstance(customer, Mapping) and _same_email(customer.get("email"), email):
            return customer
    return None


async def _registered_orders(rest: WooREST, creds: StoreCredentials, customer_id: str) -> int:
    params = {"customer": customer_id, "status": COUNTED_STATUSES, "per_page": "1"}
    answer = await rest.request(creds, "GET", "/orders", params=params)
    if answer.total is not None:
        return answer.total
    return len(answer.body) if isinstance(answer.body, list) else 0


async def _guest_orders(rest: WooREST, creds: StoreCredentials, email: str) -> int:
    count = 0
    async for order in rest.paginate(
        creds, "/orders", {"search": email, "status": COUNTED_STATUSES}
    ):
        billing = order.get("billing") or {}
        if not order.get("customer_id") and _same_email(billing.get("email"), email):
            count += 1
    return count


async def customer_summary(
    rest: WooREST, creds: StoreCredentials, *, customer_id: str | None, email: str | None
) -> CustomerSummary:
    """Orders placed by the buyer: as a registered customer (by id, else email), and as a guest."""
    if not customer_id and not email:
        raise ValueError("customer_summary needs a customer id or an email")
    customer = await customer_by_id(rest, creds, customer_id) if customer_id else None
    if customer is None and email:
        customer = await _customer_by_email(rest, creds, email)
    address = (str(customer.get("email") or "") if customer else "") or email
    count = 0
    if customer is not None:
        count += await _registered_orders(rest, creds, str(customer["id"]))
    if address:
        count += await _guest_orders(rest, creds, address)
    return CustomerSummary(
        customer_id=str(customer["id"]) if customer is not None else None,
        email=address,
        order_count=count,
    )


# The customer meta a VIP tier's tag is kept in (WooCommerce has no customer tags): the
# merchant's other plugins read it, e.g. `get_user_meta($id, 'referral_connector_tier', true)`.
TIER_META = "referral_connector_tier"


def _tier_meta(customer: Mapping[str, Any]) -> str | None:
    for meta in customer.get("meta_data") or ():
        if isinstance(meta, Mapping) and meta.get("key") == TIER_META:
            value = meta.get("value")
            return value if isinstance(value, str) and value else None
    return None


async def set_tier_meta(
    rest: WooREST, creds: StoreCredentials, customer_id: str, tag: str, *, add: bool
) -> None:
    """Write the tier meta (`PUT /customers/{id}` with `meta_data`), or clear it while it still
    holds `tag`: a later tier may have written its own already, and keeps it."""
    if not customer_id.isdigit():
        raise PlatformRejected(f"no customer {customer_id!r}", code="NOT_FOUND", field=("id",))
    if not add:
        customer = await customer_by_id(rest, creds, customer_id)
        if customer is None or _tier_meta(customer) != tag:
            return
    body = {"meta_data": [{"key": TIER_META, "value": tag if add else ""}]}
    try:
        await rest.request(creds, "PUT", f"/customers/{customer_id}", json_body=body)
    except NotFound as exc:
        if add:
            raise PlatformRejected(f"no customer {customer_id}", code="NOT_FOUND") from exc
