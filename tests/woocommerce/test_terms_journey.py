"""Terms on a WooCommerce store, end to end: the merchant writes them on the Program page (in WP
admin, with the plugin's admin token); the widget (with the plugin's token) offers them and a
join must accept the version in force; the advocate's page in the admin shows what they accepted;
the public page serves them; and the advocate's friend buys with her code and she is rewarded."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx

from connector.domain.program import RewardKind, RewardRule
from connector.domain.program.presets import FIXED
from connector.services.admin.access import sign_admin_token
from connector.services.base.runtime import Runtime
from connector.store.models import Advocate, Referral, Reward
from tests.conftest import Clock
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_program_ways_in import (
    QUERY,
    STORE,
    friend_buys_and_the_hold_passes,
    on_program,
    widget,
)

COUPONS = replace(FIXED, advocate_reward=RewardRule(RewardKind.FIXED_DISCOUNT, Decimal(10)))
TERMS = {"es": "Una recompensa por amistad que compre.", "en": "One reward per friend who buys."}


async def test_a_customer_accepts_the_terms_to_join_and_her_friends_order_rewards_her(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given a connected store whose merchant wrote the terms on the Program page in WP admin
    shop, path, secret = await on_program(woo_runtime, app_client, COUPONS)
    admin = sign_admin_token(secret, STORE, "1", int(clock.now.timestamp()) + 600)
    merchant = {"Authorization": f"Bearer {admin}"}
    live = (await app_client.get("/admin/api/program", headers=merchant)).json()
    saved = await app_client.put(
        "/admin/api/program", json={**live["config"], "terms": TERMS}, headers=merchant
    )
    assert saved.status_code == 200, saved.text
    version = saved.json()["version"]
    url = f"{woo_runtime.settings.public_url}/terms/woocommerce/{STORE}/en"
    assert live["terms_urls"]["en"] == url

    # When Ana, signed in to the store, opens the widget in English, the terms are offered
    ana_id = fake_woo.add_customer("ana@example.org")
    ana = widget(clock, secret, ana_id)
    config = await app_client.get(f"/storefront/api/config{QUERY}&locale=en", headers=ana)
    assert config.json()["terms"] == {"version": version, "url": url}

    # Then joining without ticking the box is refused with the terms to show
    refused = await app_client.post("/storefront/api/join" + QUERY, json={}, headers=ana)
    assert (refused.status_code, refused.json()["error"], refused.json()["terms"]) == (
        422, "terms_not_accepted", {"version": version, "url": url.replace("/en", "/es")},
    )  # fmt: skip
    assert await Advocate.filter(shop_id=shop.id).count() == 0

    # When she ticks it, she joins; the merchant sees the version she accepted and when
    joined = await app_client.post(
        "/storefront/api/join" + QUERY, json={"locale": "en", "terms_version": version},
        headers=ana,
    )  # fmt: skip
    assert joined.status_code == 200, joined.text
    advocate = await Advocate.get(shop_id=shop.id, customer_id=ana_id)
    page = await app_client.get(f"/admin/api/advocates/{advocate.id}", headers=merchant)
    assert page.json()["terms"] == {"version": version, "accepted_at": clock.now.isoformat()}

    # And anyone can read the terms on their public page
    public = await app_client.get(url)
    assert (public.status_code, "<p>One reward per friend who buys.</p>" in public.text) == (
        200, True,
    )  # fmt: skip

    # When a guest friend pays 50 EUR with her code and the hold passes
    await friend_buys_and_the_hold_passes(
        woo_runtime, app_client, fake_woo, path, secret, clock, 9801, advocate.friend_code, "50.00"
    )

    # Then she is rewarded as on any program: a coupon of her own in the store
    referral = await Referral.get(shop_id=shop.id)
    reward = await Reward.get(referral_id=referral.id)
    coupons: dict[str, Any] = {c["code"]: c for c in fake_woo.coupons.values()}
    assert (referral.state, reward.status) == ("rewarded", "issued")
    mine = coupons[str(reward.code).lower()]
    assert (mine["discount_type"], mine["amount"], mine["email_restrictions"]) == (
        "fixed_cart", "10.00", ["ana@example.org"],
    )  # fmt: skip

    # When the merchant rewrites the terms, a join naming the old version must accept them anew
    admin = sign_admin_token(secret, STORE, "1", int(clock.now.timestamp()) + 600)
    rewritten = await app_client.put(
        "/admin/api/program", json={**saved.json()["config"], "terms": {**TERMS, "en": "New."}},
        headers={"Authorization": f"Bearer {admin}"},
    )  # fmt: skip
    assert rewritten.status_code == 200, rewritten.text
    bo = widget(clock, secret, fake_woo.add_customer("bo@example.org"))
    stale = await app_client.post(
        "/storefront/api/join" + QUERY, json={"terms_version": version}, headers=bo
    )
    assert (stale.status_code, stale.json()["error"], stale.json()["terms"]["version"]) == (
        409, "terms_outdated", rewritten.json()["version"],
    )  # fmt: skip
