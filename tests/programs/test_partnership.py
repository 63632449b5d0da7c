"""Partnership program: a partner brand's code; its referrals credit the partner's account."""

from __future__ import annotations

import httpx

from connector.domain.program.presets import PARTNERSHIP
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.rewards.payouts import list_payouts
from connector.store.models import Advocate, Referral, Reward, Shop
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.programs.journey import (
    end_hold,
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
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify

FRIEND = 8801


async def test_a_partner_codes_referral_credits_the_partner_account(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the partnership preset: Acme earns 10% of each order (at most $50) in cash
    await save(runtime, shop, PARTNERSHIP)
    # (the merchant enrols Acme on the admin's Settings page, with its co-branded landing text)
    landing = {"en": "Acme Outdoor friends save 15%", "es": "Los amigos de Acme ahorran un 15 %"}
    enrolled = await app_client.post(
        "/admin/api/partners", json={"partner_id": "acme", "landing": landing},
        headers=bearer(shop.domain),
    )  # fmt: skip
    assert enrolled.status_code == 201, enrolled.text
    acme = await Advocate.get(shop=shop, partner_account="partner:acme")
    assert (acme.kind, acme.partner_account, acme.partner_name) == (
        "partner", "partner:acme", "Acme Outdoor",
    )  # fmt: skip

    # When the friend-code job runs, Acme's one shared code reaches the store
    assert await create_pending_friend_codes(runtime) == 1
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        friend_code_input(acme.friend_code, clock.now, new_customers(fake_shopify), 0.15)
    ]

    # When a visitor follows Acme's link, the widget greets them with Acme's words
    click = await app_client.post(
        "/proxy/api/click", params=proxy_query(clock.now, shop=shop.domain),
        json={"ref": acme.share_token},
    )  # fmt: skip
    assert click.json()["partner"] == {"name": "Acme Outdoor", "landing": landing}

    # When a new customer buys $120 with Acme's code
    fake_shopify.add_customer("lucia@example.org", orders=1, customer_id=FRIEND)
    body = paid_order(5001, clock.now, friend=FRIEND, email="lucia@example.org", total="120.00",
                      code=acme.friend_code)  # fmt: skip
    delivery = await post_paid(app_client, body, "wh-partner-1")
    assert await process(runtime) == {"done": 1}

    # Then the referral is the partner's, planning $12 for the partner's account
    referral = await Referral.get(shop=shop)
    assert (referral.state, referral.advocate_id) == ("pending", acme.id)
    assert signals(referral)[0] == (
        "discount_code", acme.friend_code, "partner:acme", True, "attributed",
    )  # fmt: skip
    assert plans(referral) == [("advocate", "partner:acme", "cash", "12.00", None, "partner:acme")]
    partner = [f["detail"] for f in referral.findings if f["reason"] == "partner"]
    assert partner == [{"partner_id": "acme"}]

    # When the hold is over, the partner's cash is recorded, nothing is created in the store
    calls = len(fake_shopify.calls)
    assert await end_hold(runtime, clock, days=14) == (1, 1)
    reward = await Reward.get(referral_id=referral.id)
    assert (reward.side, reward.kind, reward.amount, reward.currency, reward.status) == (
        "partner", "cash", 12, "USD", "recorded",
    )  # fmt: skip
    owner = await Advocate.get(id=reward.advocate_id)  # type: ignore[attr-defined]
    assert owner.partner_account == "partner:acme"
    payouts = await list_payouts(shop)
    assert [(p.advocate_name, p.kind, str(p.amount), p.status) for p in payouts] == [
        ("Acme Outdoor", "cash", "12.00", "recorded")
    ]
    assert len(fake_shopify.calls) == calls
    referral = await Referral.get(id=referral.id)
    assert (referral.state, await transitions(referral)) == ("rewarded", rewarded_by(delivery))
