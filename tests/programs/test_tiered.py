"""Tiered program: $10 for each of an advocate's first five referrals, $25 from the sixth on."""

from __future__ import annotations

import httpx

from connector.domain.program.presets import TIERED
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.store.models import Referral, Shop
from tests.conftest import Clock
from tests.programs.journey import (
    credit,
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
from tests.support.fake_shopify import FakeShopify

ANA = 7001
FRIENDS = [8801, 8802, 8803, 8804, 8805, 8806]


async def test_the_sixth_referral_earns_the_higher_tier(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the tiered preset and Ana's friend code in the store
    await save(runtime, shop, TIERED)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    assert await create_pending_friend_codes(runtime) == 1
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        friend_code_input(ana.friend_code, clock.now, new_customers(fake_shopify), 0.15)
    ]

    # When six new friends buy with her code, a day apart (under the velocity limit)
    deliveries = []
    for number, friend in enumerate(FRIENDS, start=1):
        email = f"friend{number}@example.org"
        fake_shopify.add_customer(email, orders=1, customer_id=friend)
        body = paid_order(5000 + number, clock.now, friend=friend, email=email, total="60.00",
                          code=ana.friend_code)  # fmt: skip
        deliveries.append(await post_paid(app_client, body, f"wh-tiered-{number}"))
        assert await process(runtime) == {"done": 1}
        clock.advance(days=1)

    # Then six pending referrals: five in tier 1 at $10, the sixth in tier 2 at $25
    referrals = await Referral.filter(shop=shop).order_by("id")
    assert [r.state for r in referrals] == ["pending"] * 6
    code = [("discount_code", ana.friend_code, str(ana.id))]
    assert [matched(r) for r in referrals] == [code] * 6
    assert [plans(r) for r in referrals] == [
        [("advocate", str(ana.id), "store_credit", amount, None, "base")]
        for amount in ["10.00"] * 5 + ["25.00"]
    ]
    tiers = [f["detail"] for r in referrals for f in r.findings if f["reason"] == "tier"]
    assert tiers == [{"tier": "1" if n <= 5 else "2", "number": str(n)} for n in range(1, 7)]

    # When the last hold is over, each credit is created in the store with its amount
    assert await end_hold(runtime, clock, days=13) == (6, 6)
    assert sent(fake_shopify, "storeCreditAccountCredit") == [
        credit(ANA, amount) for amount in ["10.00"] * 5 + ["25.00"]
    ]
    assert fake_shopify.store_credit == {(f"gid://shopify/Customer/{ANA}", "USD"): 75}
    referrals = await Referral.filter(shop=shop).order_by("id")
    assert [r.state for r in referrals] == ["rewarded"] * 6
    assert [await transitions(r) for r in referrals] == [rewarded_by(d) for d in deliveries]
