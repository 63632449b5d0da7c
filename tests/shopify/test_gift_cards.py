"""Gift cards on Shopify: the giftCardCreate input (schema-checked by the fake), a retry after a
lost answer finds the card by its code, a code taken by another card is not mistaken for ours,
and deactivating is idempotent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest

from platforms.base import AlreadyExists, GiftCardRef, GiftCardSpec, Money, StoreCredentials
from platforms.shopify import gift_cards
from platforms.shopify.graphql import AdminGraphQL
from tests.support.fake_shopify import FakeGiftCard, FakeShopify, installed_fake


@pytest.fixture
def shopify() -> Iterator[FakeShopify]:
    with installed_fake() as fake:
        yield fake


@pytest.fixture
def creds(shopify: FakeShopify) -> StoreCredentials:
    return StoreCredentials(platform="shopify", shop=shopify.shop, access_token=shopify.access_token)


@pytest.fixture
async def gql() -> AsyncIterator[AdminGraphQL]:
    async def no_sleep(_seconds: float) -> None:
        return None

    async with httpx.AsyncClient() as http:
        yield AdminGraphQL(http, "2026-04", sleep=no_sleep)


def card(code: str = "GIFT7KQ4XYZ2M3N5", customer_id: str | None = None) -> GiftCardSpec:
    return GiftCardSpec(
        code=code, amount=Money(Decimal("25.00"), "EUR"), note="Referral reward rw_1",
        customer_id=customer_id, email="ana@example.org", expires_on=date(2027, 12, 6),
    )  # fmt: skip


async def test_the_card_goes_to_the_customer_the_store_knows_by_email(
    shopify: FakeShopify, creds: StoreCredentials, gql: AdminGraphQL
) -> None:
    ana = shopify.add_customer("ana@example.org")

    made = await gift_cards.create_gift_card(gql, creds, card(customer_id="404"))

    assert shopify.operations == ["customer", "customerByIdentifier", "giftCardCreate"]
    assert shopify.calls[-1].variables == {"input": {
        "initialValue": "25.00", "code": "GIFT7KQ4XYZ2M3N5", "note": "Referral reward rw_1",
        "customerId": f"gid://shopify/Customer/{ana}", "expiresOn": "2027-12-06",
    }}  # fmt: skip
    assert made == GiftCardRef("GIFT7KQ4XYZ2M3N5", shopify.gift_cards["gift7kq4xyz2m3n5"].gid)


async def test_a_taken_code_whose_card_is_not_found_is_not_taken_for_ours(
    shopify: FakeShopify, creds: StoreCredentials, gql: AdminGraphQL
) -> None:
    shopify.add_customer("ana@example.org")
    # Another card holds the code in the store's eyes, but its last characters differ.
    shopify.gift_cards["gift7kq4xyz2m3n5"] = FakeGiftCard(
        "gid://shopify/GiftCard/1", "OTHERCARD0000000", Decimal("5"), None, None, None
    )

    with pytest.raises(AlreadyExists):
        await gift_cards.create_gift_card(gql, creds, card())


async def test_deactivating_twice_or_a_card_never_made_is_done(
    shopify: FakeShopify, creds: StoreCredentials, gql: AdminGraphQL
) -> None:
    shopify.add_customer("ana@example.org")
    made = await gift_cards.create_gift_card(gql, creds, card())

    await gift_cards.disable_gift_card(gql, creds, made)
    await gift_cards.disable_gift_card(gql, creds, GiftCardRef(made.code, ""))
    await gift_cards.disable_gift_card(gql, creds, GiftCardRef("GIFTNEVERMADE000", ""))

    assert shopify.gift_cards["gift7kq4xyz2m3n5"].enabled is False
    assert shopify.operations[-4:] == [
        "giftCardDeactivate", "giftCards", "giftCardDeactivate", "giftCards",
    ]  # fmt: skip
