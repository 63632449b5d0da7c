"""Tiers that raise the friend's offer, on Shopify: once Ana has reached tier 2 her shared code is
updated in the store (discountCodeBasicUpdate, schema-checked by the fake store) to the tier's
offer, her widget shares it, and her friends then earn the tier's friend reward; with unique
codes, each new friend's code is made with the tier's offer."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx

from connector.domain.program import (
    FriendCodeMode,
    RewardKind,
    RewardRule,
    Tier,
    program_to_dict,
)
from connector.domain.program.presets import TIERED
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.referrals.signups import sign_up
from connector.store.models import Advocate, DiscountCode, Referral, Shop
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.programs.journey import (
    enrol,
    friend_code_input,
    new_customers,
    paid_order,
    plans,
    post_paid,
    process,
    save,
    sent,
)
from tests.shopify.factories import SHOP
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify

ANA = 7201
TWENTY = RewardRule(RewardKind.PERCENTAGE_DISCOUNT, Decimal("20"))
FRIEND_CREDIT = RewardRule(RewardKind.STORE_CREDIT, Decimal("5.00"))
# 15% for friends of every advocate; from an advocate's third referral on, 20% and $5 credit.
PROGRAM = replace(
    TIERED,
    tiers=(
        Tier(2, RewardRule(RewardKind.STORE_CREDIT, Decimal("10.00"))),
        Tier(None, RewardRule(RewardKind.STORE_CREDIT, Decimal("25.00")), TWENTY, FRIEND_CREDIT),
    ),
)


async def friend_buys(
    runtime: Runtime, app_client: httpx.AsyncClient, fake: FakeShopify, clock: Clock, code: str,
    n: int,
) -> None:  # fmt: skip
    """Friend `n`, a new customer, pays $60 with `code`; the worker credits it."""
    email = f"friend{n}@example.org"
    fake.add_customer(email, orders=1, customer_id=8950 + n)
    body = paid_order(5950 + n, clock.now, friend=8950 + n, email=email, total="60.00", code=code)
    await post_paid(app_client, body, f"wh-tier-offer-{n}")
    assert await process(runtime) == {"done": 1}


async def offer_shown(app_client: httpx.AsyncClient, clock: Clock, advocate: Advocate) -> str:
    """The friend's offer the widget shows a visitor of the advocate's link."""
    query = proxy_query(clock.now, "", shop=SHOP)
    answer = await app_client.post("/proxy/api/click", params=query, json={"ref": advocate.share_token})
    offer = answer.json()["offer"]
    return f"{offer['kind']} {offer['value']}"


async def test_reaching_the_tier_raises_the_shared_code_in_the_store_once(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the program and Ana's shared code, made in the store with the first offer (15%)
    await save(runtime, shop, PROGRAM)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    assert await create_pending_friend_codes(runtime) == 1
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        friend_code_input(ana.friend_code, clock.now, new_customers(fake_shopify), 0.15)
    ]
    _, raise_offers = build_worker(runtime).periodic["raise_friend_offers"]
    assert await raise_offers(runtime) == 0
    assert await offer_shown(app_client, clock, ana) == "percentage_discount 15"

    # When two friends buy with it, Ana has reached tier 2 (her next referral is the third)
    for n in (1, 2):
        await friend_buys(runtime, app_client, fake_shopify, clock, ana.friend_code, n)
        clock.advance(days=1)
    assert (await Advocate.get(id=ana.id)).live_referrals == 2

    # Then the worker's job updates her code in the store to 20%, once however often it runs
    assert await raise_offers(runtime) == 1
    assert await raise_offers(runtime) == 0
    node = fake_shopify.discounts[ana.friend_code.casefold()].node_id
    assert sent(fake_shopify, "discountCodeBasicUpdate") == [
        {
            "id": node,
            "input": {
                "title": f"Referral: friend offer ({ana.friend_code}, tier 2)",
                "customerGets": {"value": {"percentage": 0.2}, "items": {"all": True}},
            },
        }
    ]
    code = await DiscountCode.get(shop=shop, code=ana.friend_code)
    assert (code.offer_level, code.status) == (2, "active")

    # And her widget shows friends the raised offer, and the third friend earns the tier's reward
    assert await offer_shown(app_client, clock, ana) == "percentage_discount 20"
    await friend_buys(runtime, app_client, fake_shopify, clock, ana.friend_code, 3)
    third = await Referral.filter(shop=shop).order_by("-id").first()
    assert third is not None
    assert plans(third) == [
        ("advocate", str(ana.id), "store_credit", "25.00", None, "base"),
        ("friend", "8953", "store_credit", "5.00", None, "base"),
    ]


async def test_with_unique_codes_new_friends_get_codes_with_the_tiers_offer(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the program with a code per friend, and Ana
    await save(runtime, shop, replace(PROGRAM, friend_code_mode=FriendCodeMode.UNIQUE))
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)

    # When a friend claims a code before Ana reaches tier 2, and another after two friends bought
    first = await sign_up(runtime, shop, ana.friend_code, "early@example.org")
    assert await create_pending_friend_codes(runtime) == 1
    for n in (1, 2):
        await friend_buys(runtime, app_client, fake_shopify, clock, ana.friend_code, n)
        clock.advance(days=1)
    second = await sign_up(runtime, shop, ana.friend_code, "late@example.org")
    assert await create_pending_friend_codes(runtime) == 1

    # Then the first code gives 15% and the second the tier's 20%
    made = {
        v["input"]["code"]: v["input"]["customerGets"]["value"]["percentage"]
        for v in sent(fake_shopify, "discountCodeBasicCreate")
    }
    assert made == {first.friend_code: 0.15, second.friend_code: 0.2}  # type: ignore[union-attr]
    rows = await DiscountCode.filter(shop=shop, purpose="friend_single").order_by("id")
    assert [r.offer_level for r in rows] == [0, 2]


async def test_the_program_page_saves_tier_offers_and_refuses_bad_ones(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient
) -> None:
    # Given the Program page's API: the tiers box with a raised friend offer and reward
    config = program_to_dict(PROGRAM)
    saved = await app_client.put("/admin/api/program", json=config, headers=bearer())
    assert saved.status_code == 200, saved.text
    live = (await app_client.get("/admin/api/program", headers=bearer())).json()["config"]
    assert live["tiers"][1]["friend_offer"] == {
        "kind": "percentage_discount", "value": "20", "basis": "flat", "expires_days": None,
        "maximum": None, "product_id": None, "variant_id": None, "product_name": None,
    }  # fmt: skip

    # When a tier's offer is no discount, is free shipping, or the program has no first offer
    def with_tier_offer(offer: dict[str, Any], **top: Any) -> dict[str, Any]:
        changed = program_to_dict(PROGRAM)
        changed["tiers"][1]["friend_offer"] = offer
        return {**changed, **top}

    bad = [
        (with_tier_offer({"kind": "points", "value": "100"}),
         [("tiers[1].friend_offer.kind",
           "must be a discount (percentage, fixed amount or free shipping)")]),
        (with_tier_offer({"kind": "free_shipping"}),
         [("tiers[1].friend_offer.kind",
           "must be a percentage or fixed amount when tiers raise the offer")]),
        (with_tier_offer({"kind": "percentage_discount", "value": "20"}, friend_offer=None),
         [("friend_reward", "is required when friends are rewarded (or set friend_offer)"),
          ("friend_offer", "is required when a tier raises the friend's offer (the first offer)")]),
    ]  # fmt: skip
    for body, errors in bad:
        answer = await app_client.put("/admin/api/program", json=body, headers=bearer())
        # Then each is refused naming the field, and nothing is saved
        assert answer.status_code == 422, answer.text
        assert [(f["path"], f["message"]) for f in answer.json()["fields"]] == errors
    versions = (await app_client.get("/admin/api/program/versions", headers=bearer())).json()
    assert [v["version"] for v in versions["versions"]] == [1]
