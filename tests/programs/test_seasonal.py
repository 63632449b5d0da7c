"""Seasonal program: inside the holiday window rewards double and add free shipping; outside not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx

from connector.domain.program import CombinesWith
from connector.domain.program.presets import SEASONAL
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.rewards.actions import code_for
from connector.store.models import Referral, Reward, Shop
from tests.conftest import Clock
from tests.programs.journey import (
    combines,
    credit,
    end_hold,
    enrol,
    friend_code_input,
    gid,
    iso,
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
INSIDE = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)  # the preset's campaign: Nov 27 - Dec 1
OUTSIDE = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
HOLIDAYS = replace(SEASONAL, combines_with=CombinesWith(order=True, shipping=False))


async def test_an_order_inside_the_campaign_gets_the_multiplier_and_one_outside_does_not(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the seasonal preset ($10 credit, doubled with free shipping over the holidays),
    # whose codes combine with order discounts but not with other shipping discounts
    clock.now = INSIDE
    await save(runtime, shop, HOLIDAYS)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    assert await create_pending_friend_codes(runtime) == 1
    holiday_combinations = combines(order=True, shipping=False)
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        friend_code_input(
            ana.friend_code, clock.now, new_customers(fake_shopify), 0.1, holiday_combinations
        )
    ]

    # When one friend buys inside the campaign and another after it
    fake_shopify.add_customer("lucia@example.org", orders=1, customer_id=8801)
    fake_shopify.add_customer("marco@example.org", orders=1, customer_id=8802)
    inside = paid_order(5001, INSIDE, friend=8801, email="lucia@example.org", total="90.00",
                        code=ana.friend_code)  # fmt: skip
    first = await post_paid(app_client, inside, "wh-seasonal-1")
    assert await process(runtime) == {"done": 1}
    clock.now = OUTSIDE
    outside = paid_order(5002, OUTSIDE, friend=8802, email="marco@example.org", total="90.00",
                         code=ana.friend_code)  # fmt: skip
    second = await post_paid(app_client, outside, "wh-seasonal-2")
    assert await process(runtime) == {"done": 1}

    # Then the first plans $20 and free shipping, the second the base $10 only
    held = await Referral.filter(shop=shop).order_by("id")
    assert [r.state for r in held] == ["pending", "pending"]
    assert [matched(r) for r in held] == [[("discount_code", ana.friend_code, str(ana.id))]] * 2
    assert [plans(r) for r in held] == [
        [
            ("advocate", str(ana.id), "store_credit", "20.00", None, "base"),
            ("advocate", str(ana.id), "free_shipping", None, None, "campaign:holidays-2026"),
        ],
        [("advocate", str(ana.id), "store_credit", "10.00", None, "base")],
    ]
    campaigns = [[f["detail"] for f in r.findings if f["reason"] == "campaign"] for r in held]
    assert campaigns == [[{"campaign_id": "holidays-2026"}], []]

    # When both holds are over, the store gets both credits and Ana's own free-shipping code
    assert await end_hold(runtime, clock, days=14) == (2, 3)
    assert sent(fake_shopify, "storeCreditAccountCredit") == [
        credit(ANA, "20.00"),
        credit(ANA, "10.00"),
    ]
    shipping = await Reward.get(kind="free_shipping")
    code = code_for(runtime, shipping.idempotency_key)
    assert sent(fake_shopify, "discountCodeFreeShippingCreate") == [
        {
            "input": {
                "title": f"Referral reward: free shipping ({code})",
                "code": code,
                "startsAt": iso(clock.now),
                "endsAt": iso(clock.now + timedelta(days=60)),
                "context": {"customers": {"add": [gid("Customer", ANA)]}},
                "usageLimit": 1,
                "appliesOncePerCustomer": True,
                "combinesWith": holiday_combinations,
                "destination": {"all": True},
            }
        }
    ]
    assert (shipping.status, shipping.code, shipping.recipient_customer_id) == (
        "issued", code, str(ANA),
    )  # fmt: skip
    done = await Referral.filter(shop=shop).order_by("id")
    assert [r.state for r in done] == ["rewarded", "rewarded"]
    assert [await transitions(r) for r in done] == [rewarded_by(first), rewarded_by(second)]
