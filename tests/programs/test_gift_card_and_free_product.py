"""Gift card and free product rewards on Shopify, from signed webhooks to what the store received.

Every GraphQL document and its variables are checked against Shopify's Admin schema by the fake
store. Duplicate deliveries and a replayed order make nothing twice; a gift card whose answer was
lost is found by its code, not made again.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from connector.domain.program import CatalogueItem, RewardRule
from connector.domain.program.kinds import RewardKind
from connector.domain.program.presets import FIXED, LOYALTY
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Advocate, Message, Referral, Reward, Shop
from tests.analytics.helpers import kpis, values
from tests.conftest import Clock
from tests.programs.journey import (
    combines,
    end_hold,
    enrol,
    gid,
    iso,
    paid_order,
    plans,
    post_paid,
    process,
    save,
    sent,
)
from tests.shopify.factories import SHOP
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify, data_response
from tests.support.shopify_payloads import encode, order, signed_headers

ANA, FRIEND, MARTA = 7101, 8901, 9201
D = Decimal
GIFT_CARD = RewardRule(RewardKind.GIFT_CARD, D("25.00"), expires_days=365)
TOTE = RewardRule(
    RewardKind.FREE_PRODUCT, D("18.00"), product_id="8123456789", variant_id="4471234",
    product_name="Bolsa tote",
)  # fmt: skip


async def widget(client: httpx.AsyncClient, clock: Clock, customer: int, action: str,
                 **body: Any) -> dict[str, Any]:  # fmt: skip
    """A call of the widget through the App Proxy, signed for the customer; the JSON answer."""
    query = proxy_query(clock.now, str(customer), shop=SHOP)
    if body:
        answer = await client.post(f"/proxy/api/{action}", params=query, json=body)
    else:
        answer = await client.get(f"/proxy/api/{action}", params=query)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def refer(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient, fake: FakeShopify, clock: Clock
) -> tuple[Advocate, Referral]:
    """Ana enrols, her friend pays with her code (the webhook arrives twice, then the order is
    delivered again as orders/updated): one pending referral."""
    ana = await enrol(runtime, shop, fake, "Ana", ANA)
    fake.add_customer("lucia@example.org", orders=1, customer_id=FRIEND)
    assert await create_pending_friend_codes(runtime) == 1
    body = paid_order(5101, clock.now, friend=FRIEND, email="lucia@example.org", total="80.00",
                      code=ana.friend_code)  # fmt: skip
    await post_paid(app_client, body, "wh-gift-1")
    raw = encode(body)
    again = await app_client.post(
        "/webhooks/shopify", content=raw, headers=signed_headers(raw, "orders/paid", "wh-gift-1")
    )
    assert again.json() == {"ok": True, "duplicate": True}
    replayed = await app_client.post(
        "/webhooks/shopify", content=raw, headers=signed_headers(raw, "orders/updated", "wh-gift-2")
    )
    assert replayed.json() == {"ok": True, "duplicate": False}
    assert await process(runtime) == {"done": 2}
    [referral] = await Referral.filter(shop=shop)
    return ana, referral


async def test_a_referral_rewarded_with_a_gift_card_found_again_after_a_lost_answer(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given a program whose advocate earns a $25 gift card, valid a year
    await save(runtime, shop, replace(FIXED, advocate_reward=GIFT_CARD))
    ana, referral = await refer(runtime, shop, app_client, fake_shopify, clock)
    assert plans(referral) == [("advocate", str(ana.id), "gift_card", "25.00", None, "base")]

    # When the hold ends and the store makes the card but its answer is lost on the way back
    def made_then_lost(request: httpx.Request) -> httpx.Response:
        variables = json.loads(request.content)["variables"]
        fake_shopify._gift_card_create(None, variables["input"])
        raise httpx.ReadTimeout("answer lost", request=request)

    fake_shopify.respond_next(
        data_response({"customer": {"id": gid("Customer", ANA)}}, cost=2.0), made_then_lost
    )
    clock.advance(days=14)
    assert await end_hold(runtime, clock) == (1, 1)

    # Then the retry is refused as TAKEN and the card made the first time is found by its code:
    # one card in the store, for Ana, worth $25, expiring with the reward
    reward = await Reward.get(referral_id=referral.id)
    assert (reward.kind, reward.status, reward.amount, reward.currency) == (
        "gift_card", "issued", D("25.00"), "USD",
    )  # fmt: skip
    assert reward.code is not None
    assert reward.code.isalnum()
    assert len(reward.code) == 16
    assert reward.expires_at is not None
    made = {"initialValue": "25.00", "code": reward.code,
            "note": f"Referral reward {reward.idempotency_key}",
            "customerId": gid("Customer", ANA), "expiresOn": reward.expires_at.date().isoformat()}  # fmt: skip
    assert sent(fake_shopify, "giftCardCreate") == [{"input": made}, {"input": made}]
    assert sent(fake_shopify, "giftCards") == [{"query": reward.code}]
    [card] = fake_shopify.gift_cards.values()
    assert (card.gid, card.initial_value, card.customer_id) == (
        reward.platform_ref, D("25.00"), gid("Customer", ANA),
    )  # fmt: skip
    assert (await Referral.get(id=referral.id)).state == "rewarded"
    told = await Message.filter(shop=shop, kind="reward_earned")
    assert [(m.recipient, m.context["reward"], m.context["code"]) for m in told] == [
        ("ana@example.org", "a 25.00 USD gift card", reward.code)
    ]

    # And nothing more is made however often the jobs run
    calls = len(fake_shopify.calls)
    assert await end_hold(runtime, clock, days=1) == (0, 0)
    assert len(fake_shopify.calls) == calls

    # Ana sees the card's code and amount in the widget
    [shown] = (await widget(app_client, clock, ANA, "me"))["dashboard"]["rewards"]
    assert (shown["kind"], shown["code"], shown["amount"], shown["currency"]) == (
        "gift_card", reward.code, "25.0000", "USD",
    )  # fmt: skip


async def test_a_referral_rewarded_with_a_free_product_then_refunded(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given a program whose advocate earns one tote bag (a variant) free
    await save(runtime, shop, replace(FIXED, advocate_reward=TOTE))
    ana, referral = await refer(runtime, shop, app_client, fake_shopify, clock)
    assert plans(referral) == [("advocate", str(ana.id), "free_product", "18.00", None, "base")]

    # When the hold ends, one single-use code for Ana alone takes the tote's price off that
    # variant once
    assert await end_hold(runtime, clock, days=14) == (1, 1)
    reward = await Reward.get(referral_id=referral.id)
    assert (reward.status, reward.product_id, reward.variant_id, reward.product_name) == (
        "issued", "8123456789", "4471234", "Bolsa tote",
    )  # fmt: skip
    code = reward.code
    assert code is not None
    assert sent(fake_shopify, "discountCodeBasicCreate")[1:] == [
        {
            "input": {
                "title": f"Referral reward: free Bolsa tote ({code})",
                "code": code,
                "startsAt": iso(clock.now),
                "context": {"customers": {"add": [gid("Customer", ANA)]}},
                "usageLimit": 1,
                "appliesOncePerCustomer": True,
                "combinesWith": combines(),
                "customerGets": {
                    "value": {"discountAmount": {"amount": "18.00", "appliesOnEachItem": False}},
                    "items": {"products": {
                        "productVariantsToAdd": [gid("ProductVariant", "4471234")]}},
                },
            }
        }
    ]  # fmt: skip
    assert await end_hold(runtime, clock, days=1) == (0, 0)
    assert len(sent(fake_shopify, "discountCodeBasicCreate")) == 2
    figures = values(await kpis(app_client, start="2026-01-01", end="2027-12-31"))
    assert (figures["rewards_issued"], figures["reward_cost"]) == (1, "18.00")

    told = await Message.filter(shop=shop, kind="reward_earned")
    assert [(m.context["reward"], m.context["code"]) for m in told] == [("a free Bolsa tote", code)]

    # Ana sees the product's name and her code in the widget
    [shown] = (await widget(app_client, clock, ANA, "me"))["dashboard"]["rewards"]
    assert (shown["kind"], shown["product"], shown["code"]) == ("free_product", "Bolsa tote", code)

    # When the friend's order is refunded in full, the unused code is deactivated in the store
    body = paid_order(5101, clock.now, friend=FRIEND, email="lucia@example.org", total="80.00",
                      code=ana.friend_code)  # fmt: skip
    body.update(financial_status="refunded", refunds=[{"id": 91, "created_at": iso(clock.now),
                "transactions": [{"kind": "refund", "status": "success", "amount": "80.00"}]}])  # fmt: skip
    raw = encode(body)
    headers = signed_headers(raw, "orders/updated", "wh-gift-3")
    assert (await app_client.post("/webhooks/shopify", content=raw, headers=headers)).status_code == 200
    assert await process(runtime) == {"done": 1}
    await issue_due_rewards(runtime)
    assert (await Reward.get(id=reward.id)).status == "deactivated"
    assert fake_shopify.discounts[code.casefold()].status == "EXPIRED"


async def test_a_free_product_redeemed_from_the_loyalty_catalogue_on_shopify(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the loyalty preset whose catalogue also sells a tote bag (the product) for 400 points
    item = CatalogueItem("tote", "Bolsa tote", 400, replace(TOTE, variant_id=None))
    loyalty = replace(LOYALTY.loyalty, catalogue=(*LOYALTY.loyalty.catalogue, item))  # type: ignore[type-var]
    await save(runtime, shop, replace(LOYALTY, loyalty=loyalty))
    fake_shopify.add_customer("marta@example.org", customer_id=MARTA)

    # When Marta's $560 order is paid, she has 660 points and can afford the tote
    body = order(6101, email="marta@example.org", customer_id=MARTA, codes=(), total="600.00",
                 subtotal="560.00", currency="USD", updated_at=iso(clock.now))  # fmt: skip
    body.update(created_at=iso(clock.now), landing_site=None, landing_site_ref=None)
    await post_paid(app_client, body, "wh-marta-tote")
    assert await process(runtime) == {"done": 1}
    me = (await widget(app_client, clock, MARTA, "me"))["loyalty"]
    tote = next(i for i in me["catalogue"] if i["id"] == "tote")
    assert (tote["affordable"], tote["reward"]["kind"], tote["reward"]["product"]) == (
        True, "free_product", "Bolsa tote",
    )  # fmt: skip

    # When she redeems it in the widget (and her retry sends the same key), 400 points go once
    first = await widget(app_client, clock, MARTA, "redeem", item="tote", key="t-1")
    again = await widget(app_client, clock, MARTA, "redeem", item="tote", key="t-1")
    assert (first["loyalty"]["points"], again["loyalty"]["points"]) == (260, 260)
    assert first["redemption"]["product"] == "Bolsa tote"

    # Then the outbox makes one code for her alone, limited to the tote, worth its price once
    assert await issue_due_rewards(runtime) == 1
    assert await issue_due_rewards(runtime) == 0
    marta = await Advocate.get(shop=shop, customer_id=str(MARTA))
    reward = await Reward.get(shop=shop, idempotency_key=f"redeem:{marta.id}:t-1")
    assert (reward.kind, reward.status, reward.amount, reward.product_id) == (
        "free_product", "issued", D("18.00"), "8123456789",
    )  # fmt: skip
    [made] = sent(fake_shopify, "discountCodeBasicCreate")
    assert (made["input"]["context"], made["input"]["usageLimit"], made["input"]["customerGets"]) == (
        {"customers": {"add": [gid("Customer", MARTA)]}},
        1,
        {"value": {"discountAmount": {"amount": "18.00", "appliesOnEachItem": False}},
         "items": {"products": {"productsToAdd": [gid("Product", "8123456789")]}}},
    )  # fmt: skip
    shown = (await widget(app_client, clock, MARTA, "me"))["dashboard"]["rewards"][0]
    assert (shown["product"], shown["code"], shown["status"]) == ("Bolsa tote", reward.code, "issued")
    assert reward.expires_at is None or reward.expires_at > clock.now + timedelta(days=1)
