"""Charity program: each referral gives $5 to the cause its advocate picked from the merchant's list."""

from __future__ import annotations

import httpx

from connector.domain.program.presets import CHARITY
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.rewards.payouts import list_payouts
from connector.store.models import Advocate, Referral, Reward, Shop
from tests.conftest import Clock
from tests.programs.journey import (
    end_hold,
    enrol,
    friend_code_input,
    matched,
    new_customers,
    paid_order,
    plans,
    post_paid,
    process,
    rewarded_by,
    save,
    sent,
    transitions,
)
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify

ANA, BO = 7001, 7002


async def test_the_donation_record_carries_the_cause_the_advocate_picked(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the charity preset (ocean or trees, trees by default); Ana picks the ocean, Bo nothing
    await save(runtime, shop, CHARITY)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    bo = await enrol(runtime, shop, fake_shopify, "Bo", BO)
    # (Ana picks in the widget, through the App Proxy that names her as the signed-in customer)
    signed = proxy_query(clock.now, str(ANA), shop=shop.domain)
    chosen = await app_client.post("/proxy/api/choose", params=signed, json={"cause": "ocean"})
    assert chosen.json()["dashboard"]["cause"] == "ocean"
    assert (await Advocate.get(id=ana.id)).charity_cause == "ocean"
    assert await create_pending_friend_codes(runtime) == 2
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        friend_code_input(who.friend_code, clock.now, new_customers(fake_shopify), 0.1)
        for who in (ana, bo)
    ]

    # When a friend of each buys with their code
    deliveries = []
    for number, (who, friend) in enumerate([(ana, 8801), (bo, 8802)], start=1):
        email = f"friend{number}@example.org"
        fake_shopify.add_customer(email, orders=1, customer_id=friend)
        body = paid_order(5000 + number, clock.now, friend=friend, email=email, total="40.00",
                          code=who.friend_code)  # fmt: skip
        deliveries.append(await post_paid(app_client, body, f"wh-charity-{number}"))
        assert await process(runtime) == {"done": 1}

    # Then each pending referral plans a $5 donation to its advocate's cause
    held = await Referral.filter(shop=shop).order_by("id")
    assert [r.state for r in held] == ["pending", "pending"]
    assert [matched(r) for r in held] == [
        [("discount_code", who.friend_code, str(who.id))] for who in (ana, bo)
    ]
    assert [plans(r) for r in held] == [
        [("advocate", str(ana.id), "charity_donation", "5.00", None, "base")],
        [("advocate", str(bo.id), "charity_donation", "5.00", None, "base")],
    ]
    causes = [[f["detail"] for f in r.findings if f["reason"] == "charity_cause"] for r in held]
    assert causes == [[{"cause_id": "ocean"}], [{"cause_id": "trees"}]]

    # When the holds are over, the donations are recorded for a person to pay out
    calls = len(fake_shopify.calls)
    assert await end_hold(runtime, clock, days=14) == (2, 2)
    donations = await Reward.filter(shop=shop).order_by("id")
    assert [(r.kind, r.amount, r.currency, r.charity_cause, r.status) for r in donations] == [
        ("charity_donation", 5, "USD", "ocean", "recorded"),
        ("charity_donation", 5, "USD", "trees", "recorded"),
    ]
    payouts = await list_payouts(shop)
    assert [(p.advocate_name, p.cause, str(p.amount), p.status) for p in payouts] == [
        ("Ana", "ocean", "5.00", "recorded"),
        ("Bo", "trees", "5.00", "recorded"),
    ]
    # A donation creates nothing in the store.
    assert len(fake_shopify.calls) == calls
    # Every shopper now sees what the program has given together
    config = await app_client.get(
        "/proxy/api/config", params=proxy_query(clock.now, shop=shop.domain)
    )
    assert config.json()["charity"]["donated"] == {"amount": "10.0000", "currency": "USD"}
    done = await Referral.filter(shop=shop).order_by("id")
    assert [r.state for r in done] == ["rewarded", "rewarded"]
    assert [await transitions(r) for r in done] == [rewarded_by(d) for d in deliveries]
