"""Milestone program: the friend's sign-up, first and second purchase each earn their own reward."""

from __future__ import annotations

from dataclasses import replace

import httpx

from connector.domain.program.presets import MILESTONES, TEN_PERCENT_OFF
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.referrals.signups import sign_up
from connector.store.models import LedgerEntry, OfferClaim, Referral, Shop
from tests.conftest import Clock
from tests.programs.journey import (
    APPROVED_AND_REWARDED,
    credit,
    end_hold,
    enrol,
    friend_code_input,
    gid,
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

ANA, LUCIA = 7001, 8801
# The preset with a friend code to share (it rewards returning customers, so the code is for all).
STAGES = replace(MILESTONES, friend_offer=TEN_PERCENT_OFF)


async def test_sign_up_then_first_and_second_purchase_each_earn_their_reward(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the milestone program and Ana's friend code, usable by every customer
    await save(runtime, shop, STAGES)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    assert await create_pending_friend_codes(runtime) == 1
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        friend_code_input(ana.friend_code, clock.now, {"all": "ALL"}, 0.1)
    ]

    # When Lucía signs up by claiming Ana's offer
    signed_up = clock.now
    await sign_up(runtime, shop, ana.friend_code, "lucia@example.org")

    # Then a sign-up referral plans Ana's 50 points; a sign-up has nothing to return, no hold
    signup = await Referral.get(stage="signed_up")
    assert (signup.state, signup.order_id, signup.hold_until) == ("pending", None, signed_up)
    assert signals(signup) == [
        ("claimed_email", "lucia@example.org", str(ana.id), True, "attributed")
    ]
    assert plans(signup) == [("advocate", str(ana.id), "points", None, 50, "signed_up")]
    assert await end_hold(runtime, clock, minutes=1) == (1, 1)
    assert await LedgerEntry.filter(advocate_id=ana.id).values_list("points", flat=True) == [50]
    claim = await OfferClaim.get(advocate_id=ana.id)
    assert await transitions(await Referral.get(id=signup.id)) == [
        (None, "pending", "created", "signup", str(claim.id)),
        *APPROVED_AND_REWARDED,
    ]

    # When her first order arrives with Ana's code, attributed to her earlier claim
    fake_shopify.add_customer("lucia@example.org", orders=1, customer_id=LUCIA)
    body = paid_order(5001, clock.now, friend=LUCIA, email="lucia@example.org", total="70.00",
                      code=ana.friend_code)  # fmt: skip
    first = await post_paid(app_client, body, "wh-stages-1")
    assert await process(runtime) == {"done": 1}
    purchase = await Referral.get(order_id="5001")
    assert (purchase.state, purchase.stage, purchase.winning_signal) == (
        "pending", "first_purchase", "claimed_email",
    )  # fmt: skip
    assert [s for s in signals(purchase) if s[3]] == [
        ("discount_code", ana.friend_code, str(ana.id), True, "attributed"),
        ("claimed_email", "lucia@example.org", str(ana.id), True, "attributed"),
    ]
    assert plans(purchase) == [
        ("advocate", str(ana.id), "store_credit", "10.00", None, "first_purchase"),
        ("friend", str(LUCIA), "store_credit", "5.00", None, "first_purchase"),
    ]

    # Then after its hold both sides' store credit is created
    assert await end_hold(runtime, clock, days=14) == (1, 2)
    assert sent(fake_shopify, "storeCreditAccountCredit") == [
        credit(ANA, "10.00"),
        credit(LUCIA, "5.00"),
    ]

    # When her second order arrives, it reaches the second stage: $15 for Ana after the hold
    fake_shopify.customers[gid("Customer", LUCIA)].number_of_orders = 2
    body = paid_order(5002, clock.now, friend=LUCIA, email="lucia@example.org", total="30.00")
    second = await post_paid(app_client, body, "wh-stages-2")
    assert await process(runtime) == {"done": 1}
    repeat = await Referral.get(order_id="5002")
    assert (repeat.state, repeat.stage, repeat.winning_signal) == (
        "pending", "second_purchase", "claimed_email",
    )  # fmt: skip
    assert plans(repeat) == [
        ("advocate", str(ana.id), "store_credit", "15.00", None, "second_purchase")
    ]
    assert await end_hold(runtime, clock, days=14) == (1, 1)
    assert sent(fake_shopify, "storeCreditAccountCredit")[2:] == [credit(ANA, "15.00")]

    # When a third order arrives, it reaches no stage: no referral, nothing sent
    fake_shopify.customers[gid("Customer", LUCIA)].number_of_orders = 3
    body = paid_order(5003, clock.now, friend=LUCIA, email="lucia@example.org", total="30.00")
    await post_paid(app_client, body, "wh-stages-3")
    assert await process(runtime) == {"done": 1}
    assert await end_hold(runtime, clock, days=14) == (0, 0)
    assert await Referral.filter(order_id="5003").count() == 0
    assert len(sent(fake_shopify, "storeCreditAccountCredit")) == 3

    referrals = await Referral.filter(shop=shop).order_by("id")
    assert [(r.stage, r.state) for r in referrals] == [
        ("signed_up", "rewarded"),
        ("first_purchase", "rewarded"),
        ("second_purchase", "rewarded"),
    ]
    assert [await transitions(r) for r in referrals[1:]] == [
        rewarded_by(first),
        rewarded_by(second),
    ]
