"""Tiers that raise the friend's offer on a WooCommerce store: signed order webhooks credit Ana
until she reaches tier 2, then the worker's job updates her shared coupon's amount in the store
(PUT coupons/{id}, fields checked against WooCommerce's documented coupon schema)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import httpx

from connector.domain.program import RewardKind, RewardRule, Tier
from connector.domain.program.presets import TIERED
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.store.models import Advocate, DiscountCode
from tests.conftest import Clock
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_program_ways_in import QUERY, _paid, on_program, widget

PROGRAM = replace(
    TIERED,
    rewarded="advocate",
    friend_offer=RewardRule(RewardKind.FIXED_DISCOUNT, Decimal("5.00")),
    tiers=(
        Tier(1, RewardRule(RewardKind.FIXED_DISCOUNT, Decimal("10.00"))),
        Tier(None, RewardRule(RewardKind.FIXED_DISCOUNT, Decimal("20.00")),
             RewardRule(RewardKind.FIXED_DISCOUNT, Decimal("12.50"))),
    ),
)  # fmt: skip


async def test_reaching_the_tier_puts_the_raised_amount_on_the_shared_coupon(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given the connected store on the program and Ana's shared coupon, 5 EUR off
    shop, path, secret = await on_program(woo_runtime, app_client, PROGRAM)
    ana_id = fake_woo.add_customer("ana@example.org")
    ana = (
        await enrol_advocate(woo_runtime, shop, email="ana@example.org", customer_id=ana_id)
    ).advocate
    assert await create_pending_friend_codes(woo_runtime) == 1
    [coupon] = fake_woo.coupons.values()
    assert (coupon["code"], coupon["discount_type"], coupon["amount"]) == (
        ana.friend_code.lower(), "fixed_cart", "5.00",
    )  # fmt: skip
    _, raise_offers = build_worker(woo_runtime).periodic["raise_friend_offers"]
    assert await raise_offers(woo_runtime) == 0

    # When a guest friend pays with it: Ana's next referral is in tier 2
    await _paid(app_client, fake_woo, path, secret, clock, 9501, "fran@example.org",
                ana.friend_code, "60.00")  # fmt: skip
    assert await build_worker(woo_runtime).drain() == {"done": 1}
    assert (await Advocate.get(id=ana.id)).live_referrals == 1

    # Then the job puts 12.50 on her coupon, once, and nothing else about it changes
    assert await raise_offers(woo_runtime) == 1
    assert await raise_offers(woo_runtime) == 0
    puts = [(c.path, c.body) for c in fake_woo.calls if c.method == "PUT"]
    assert puts == [(
        f"/coupons/{coupon['id']}",
        {"description": f"Referral: friend offer ({ana.friend_code}, tier 2)",
         "discount_type": "fixed_cart", "amount": "12.50"},
    )]  # fmt: skip
    assert fake_woo.invalid == []
    updated = fake_woo.coupons[coupon["id"]]
    assert (updated["amount"], updated["usage_limit_per_user"]) == ("12.50", 1)
    assert (await DiscountCode.get(shop_id=shop.id, code=ana.friend_code)).offer_level == 2

    # And a friend who opens her link sees the raised offer
    click = await app_client.post(
        "/storefront/api/click" + QUERY, json={"ref": ana.share_token}, headers=widget(clock, secret)
    )
    assert click.json()["offer"] == {
        "kind": "fixed_amount_discount", "value": "12.50", "currency": "EUR", "basis": "flat",
        "product": None,
    }  # fmt: skip
