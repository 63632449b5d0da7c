"""What the rules ask of a Shopify customer (order count) and the store credit we give them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platforms.base import (
    CustomerSummary,
    Money,
    PlatformRejected,
    StoreCredentials,
    StoreCreditResult,
)
from platforms.rest_orders import money, platform_id
from platforms.shopify import queries
from platforms.shopify.encode import decimal_text, gid
from platforms.shopify.graphql import AdminGraphQL


async def _customer(
    gql: AdminGraphQL, creds: StoreCredentials, customer_id: str | None, email: str | None
) -> Mapping[str, Any] | None:
    if customer_id:
        data = await gql.query(
            creds, queries.CUSTOMER_ORDER_COUNT, {"id": gid("Customer", customer_id)}
        )
        if data.get("customer"):
            return dict(data["customer"])
    if email:
        data = await gql.query(creds, queries.CUSTOMER_ORDER_COUNT_BY_EMAIL, {"email": email})
        if data.get("customerByIdentifier"):
            return dict(data["customerByIdentifier"])
    return None


async def customer_summary(
    gql: AdminGraphQL, creds: StoreCredentials, *, customer_id: str | None, email: str | None
) -> CustomerSummary:
    """Orders placed by the customer (by id, else by email); someone unknown has placed none."""
    if not customer_id and not email:
        raise ValueError("customer_summary needs a customer id or an email")
    node = await _customer(gql, creds, customer_id, email)
    if node is None:
        return CustomerSummary(customer_id=None, email=email, order_count=0)
    default = node.get("defaultEmailAddress") or {}
    address = default.get("emailAddress")
    # The customer's email marketing consent (what `emailMarketingConsent` was before 2026-04
    # deprecated it): only SUBSCRIBED is a yes; PENDING (double opt-in unconfirmed) is not.
    state = default.get("marketingState")
    return CustomerSummary(
        customer_id=platform_id(node.get("id")),
        email=address or email,
        # UnsignedInt64 arrives as a string so it survives JSON; int() keeps it exact.
        order_count=int(node.get("numberOfOrders") or 0),
        marketing_consent=None if state is None else state == "SUBSCRIBED",
    )


def _money(value: Mapping[str, Any] | None) -> Money | None:
    if not value:
        return None
    return Money(money(value.get("amount")), str(value.get("currencyCode")))


async def credit_store_credit(
    gql: AdminGraphQL, creds: StoreCredentials, customer_id: str, amount: Money
) -> StoreCreditResult:
    """Credit the customer's store-credit account in `amount`'s currency (created if missing)."""
    variables = {
        "id": gid("Customer", customer_id),
        "creditInput": {
            "creditAmount": {"amount": decimal_text(amount.amount), "currencyCode": amount.currency}
        },
    }
    # Not idempotent at Shopify: a request that may have arrived is never repeated here.
    payload = await gql.mutate(
        creds,
        queries.STORE_CREDIT_ACCOUNT_CREDIT,
        variables,
        "storeCreditAccountCredit",
        idempotent=False,
    )
    transaction = payload.get("storeCreditAccountTransaction") or {}
    return StoreCreditResult(
        transaction_id=transaction.get("id"),
        amount=_money(transaction.get("amount")) or amount,
        balance_after=_money(transaction.get("balanceAfterTransaction")),
    )


async def tag_customer(
    gql: AdminGraphQL, creds: StoreCredentials, customer_id: str, tag: str, *, add: bool
) -> None:
    """Add the tag to the customer (or remove it): `tagsAdd` / `tagsRemove` on its GID."""
    document, root = (
        (queries.TAGS_ADD, "tagsAdd") if add else (queries.TAGS_REMOVE, "tagsRemove")
    )
    variables = {"id": gid("Customer", customer_id), "tags": [tag]}
    try:
        await gql.mutate(creds, document, variables, root)
    except PlatformRejected as exc:
        # A customer the store no longer has carries no tag to take off.
        if add or tuple(exc.field) != ("id",):
            raise
