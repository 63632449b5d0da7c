"""Reward gift cards on Shopify: create (idempotent by code), find after a lost answer, deactivate.

`giftCardCreate` takes the code we choose, so the reward's deterministic code is its idempotency
key: a retry after a lost answer is refused as TAKEN, and the card made the first time is found
by that code (`giftCards` searches codes; only the last four characters can be read back, which
confirm the match). The card is assigned to the reward's owner as a store customer, found as
discount codes find theirs. Needs the `write_gift_cards` scope (and `write_customers` to assign
a customer).
"""

from __future__ import annotations

from typing import Any

from platforms.base import (
    AlreadyExists,
    GiftCardRef,
    GiftCardSpec,
    PlatformRejected,
    StoreCredentials,
)
from platforms.shopify import queries
from platforms.shopify.discounts import store_customer
from platforms.shopify.encode import decimal_text, gid
from platforms.shopify.graphql import AdminGraphQL

LAST_CHARACTERS = 4


def gift_card_input(spec: GiftCardSpec, customer_id: str | None) -> dict[str, Any]:
    """The GiftCardCreateInput for a spec (the customer as the store knows them)."""
    fields: dict[str, Any] = {
        "initialValue": decimal_text(spec.amount.amount),
        "code": spec.code,
        "note": spec.note,
    }
    if customer_id is not None:
        fields["customerId"] = gid("Customer", customer_id)
    if spec.expires_on is not None:
        fields["expiresOn"] = spec.expires_on.isoformat()
    return fields


async def _node(gql: AdminGraphQL, creds: StoreCredentials, code: str) -> dict[str, Any] | None:
    data = await gql.query(creds, queries.GIFT_CARDS_BY_CODE, {"query": code})
    tail = code[-LAST_CHARACTERS:].casefold()
    for node in (data.get("giftCards") or {}).get("nodes") or ():
        if str(node.get("lastCharacters", "")).casefold() == tail and node.get("id"):
            return dict(node)
    return None


async def find_gift_card(gql: AdminGraphQL, creds: StoreCredentials, code: str) -> GiftCardRef | None:
    """The card with this code, or None."""
    node = await _node(gql, creds, code)
    return GiftCardRef(code=code, platform_id=str(node["id"])) if node else None


async def create_gift_card(
    gql: AdminGraphQL, creds: StoreCredentials, spec: GiftCardSpec
) -> GiftCardRef:
    """Make the card; if its code is TAKEN, the card our earlier try made is read back."""
    owner = await store_customer(gql, creds, spec.customer_id, spec.email)
    variables = {"input": gift_card_input(spec, owner)}
    try:
        payload = await gql.mutate(creds, queries.GIFT_CARD_CREATE, variables, "giftCardCreate")
    except AlreadyExists:
        existing = await find_gift_card(gql, creds, spec.code)
        if existing is None:
            raise
        return existing
    card = payload.get("giftCard") or {}
    if not card.get("id"):
        raise PlatformRejected("giftCardCreate returned no gift card", code="NO_PAYLOAD")
    return GiftCardRef(code=spec.code, platform_id=str(card["id"]))


async def disable_gift_card(gql: AdminGraphQL, creds: StoreCredentials, ref: GiftCardRef) -> None:
    """Deactivate the card; one that is gone or already deactivated counts as done."""
    if not ref.platform_id:
        found = await find_gift_card(gql, creds, ref.code)
        if found is None:
            return
        ref = found
    try:
        await gql.mutate(
            creds, queries.GIFT_CARD_DEACTIVATE, {"id": ref.platform_id}, "giftCardDeactivate"
        )
    except PlatformRejected as exc:
        if exc.code == "GIFT_CARD_NOT_FOUND":
            return
        node = await _node(gql, creds, ref.code)
        if node is None or node.get("enabled") is False:
            return
        raise
