"""Fixed program: the friend gets 10% off, the advocate $10 store credit once the hold is over."""

from __future__ import annotations

from datetime import timedelta

import httpx

from connector.domain.program.presets import FIXED
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.store.models import Referral, Reward, Shop
from tests.conftest import Clock
from tests.programs.journey import (
    credit,
    end_hold,
    enrol,
    friend_code_input,
    new_customers,
    paid_order,
    plans,
    post_paid,
    process,
    rewarded_by,
    save,
    sent,
    signals,
    transitions,
)
from tests.support.fake_shopify import FakeShopify

ANA, FRIEND = 7001, 8801


async def test_fixed_program_credits_the_advocate_10_dollars_after_the_hold(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the fixed preset (14-day hold, $25 minimum) and Ana enrolled with her friend code
    program = await save(runtime, shop, FIXED)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    fake_shopify.add_customer("lucia@example.org", orders=1, customer_id=FRIEND)

    # When the friend-code job runs, the code reaches the store for new customers only
    assert await create_pending_friend_codes(runtime) == 1
    minimum = {"subtotal": {"greaterThanOrEqualToSubtotal": "25.00"}}
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        friend_code_input(
            ana.friend_code, clock.now, new_customers(fake_shopify), 0.1, minimumRequirement=minimum
        )
    ]

    # When the friend's paid order with that code arrives as a signed webhook
    placed = clock.now
    body = paid_order(5001, placed, friend=FRIEND, email="lucia@example.org", total="80.00",
                      code=ana.friend_code)  # fmt: skip
    delivery = await post_paid(app_client, body, "wh-fixed-1")
    assert await process(runtime) == {"done": 1}

    # Then a pending referral holds for 14 days, credited by the discount code
    referral = await Referral.get(shop=shop)
    assert (referral.state, referral.order_id, referral.advocate_id, referral.program_version) == (
        "pending", "5001", ana.id, program.version,
    )  # fmt: skip
    assert referral.hold_until == placed + timedelta(days=14)
    assert (referral.winning_signal, signals(referral)) == (
        "discount_code",
        [
            ("discount_code", ana.friend_code, str(ana.id), True, "attributed"),
            ("cart_attribute", "", None, False, "no_signal"),
            ("landing_ref", "", None, False, "no_signal"),
            ("claimed_email", "", None, False, "no_signal"),
        ],
    )
    assert plans(referral) == [("advocate", str(ana.id), "store_credit", "10.00", None, "base")]

    # When the jobs run a day before the hold ends, nothing is approved or sent
    before = list(fake_shopify.operations)
    assert await end_hold(runtime, clock, days=13) == (0, 0)
    assert (await Referral.get(id=referral.id)).state == "pending"
    assert fake_shopify.operations == before == [
        "segments", "segmentCreate", "discountCodeBasicCreate", "customer",
    ]  # fmt: skip

    # When the hold is over, the advocate's store credit is created in the store
    assert await end_hold(runtime, clock, days=1) == (1, 1)
    assert fake_shopify.operations[len(before) :] == ["storeCreditAccountCredit"]
    assert sent(fake_shopify, "storeCreditAccountCredit") == [credit(ANA, "10.00")]
    reward = await Reward.get(referral_id=referral.id)
    assert (reward.side, reward.kind, reward.amount, reward.currency, reward.status) == (
        "advocate", "store_credit", 10, "USD", "issued",
    )  # fmt: skip
    referral = await Referral.get(id=referral.id)
    assert (referral.state, await transitions(referral)) == ("rewarded", rewarded_by(delivery))
