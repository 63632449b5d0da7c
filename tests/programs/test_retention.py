"""Retention: after the period, the periodic job prunes raw webhook bodies, link clicks and offer
claims, and every referral's explanation (evidence, findings, transitions, the explain lines)
reads exactly as before, as does the advocate's click count."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from connector.domain.program.presets import FIXED
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.privacy.retention import Pruned, prune_old_data
from connector.store.models import Delivery, DeliveryStatus, LinkClick, OfferClaim, Referral, Shop
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.programs.journey import enrol, paid_order, post_paid, process, save
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify

ANA = 7001


async def _explained(app_client: httpx.AsyncClient, shop: Shop) -> list[dict[str, Any]]:
    found = []
    for referral in await Referral.filter(shop=shop).order_by("id"):
        answer = await app_client.get(
            f"/admin/api/referrals/{referral.id}", headers=bearer(shop.domain)
        )
        assert answer.status_code == 200
        found.append(answer.json())
    return found


async def test_pruning_keeps_every_referrals_explanation_and_the_click_count(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient, fake_shopify: FakeShopify,
    clock: Clock,
) -> None:  # fmt: skip
    # Given Ana's link clicked twice, a friend who claimed her offer by email, and three orders:
    # one with her code, one attributed by the claim alone, one from a throwaway email (flagged)
    await save(runtime, shop, replace(FIXED, hold_days=14))
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    for _ in range(2):
        await app_client.post("/proxy/api/click", params=proxy_query(clock.now, shop=shop.domain),
                              json={"ref": ana.share_token})  # fmt: skip
    claimed = await app_client.post(
        "/proxy/api/claim", params=proxy_query(clock.now, shop=shop.domain),
        json={"ref": ana.share_token, "email": "bea@example.org"},
    )  # fmt: skip
    assert claimed.status_code == 200
    orders = [
        (5201, 8801, "lu@example.org", ana.friend_code),
        (5202, 8802, "bea@example.org", None),
        (5203, 8803, "x@mailinator.com", ana.friend_code),
    ]
    for order_id, friend, email, code in orders:
        fake_shopify.add_customer(email, orders=1, customer_id=friend)
        await post_paid(app_client, paid_order(order_id, clock.now, friend=friend, email=email,
                                               total="50.00", code=code), f"wh-keep-{order_id}")  # fmt: skip
    assert await process(runtime) == {"done": 3}
    before = await _explained(app_client, shop)
    assert [(r["referral"]["state"], r["referral"]["winning_signal"]) for r in before] == [
        ("pending", "discount_code"), ("pending", "claimed_email"), ("flagged", "discount_code"),
    ]  # fmt: skip
    me = proxy_query(clock.now, str(ANA), shop=shop.domain)
    clicks_before = (await app_client.get("/proxy/api/me", params=me)).json()["dashboard"]["clicks"]
    assert clicks_before == 2

    # And, later, a delivery that gave up and a recent one, which must both stay
    dead = await Delivery.get(delivery_key="wh-keep-5203")
    clock.advance(days=100)
    await post_paid(app_client, paid_order(5204, clock.now, friend=8804, email="new@example.org",
                                           total="50.00"), "wh-keep-recent")  # fmt: skip
    await Delivery.filter(id=dead.id).update(status=DeliveryStatus.DEAD)

    # When the periodic job runs (the worker has it, every retention interval)
    interval, job = build_worker(runtime).periodic["prune_old_data"]
    assert (interval, job) == (runtime.settings.retention.interval_seconds, prune_old_data)
    assert runtime.settings.retention.days == 90
    pruned = await prune_old_data(runtime)

    # Then the old bodies, clicks and claims are gone; the dead and the recent delivery stay
    assert pruned == Pruned(deliveries=2, clicks=2, claims=1)
    assert sorted(await Delivery.all().values_list("delivery_key", flat=True)) == [
        "wh-keep-5203", "wh-keep-recent",
    ]  # fmt: skip
    assert (await LinkClick.all().count(), await OfferClaim.all().count()) == (0, 0)
    # And every referral explains itself exactly as before, and Ana still sees two clicks
    assert await _explained(app_client, shop) == before
    me = proxy_query(clock.now, str(ANA), shop=shop.domain)
    assert (await app_client.get("/proxy/api/me", params=me)).json()["dashboard"]["clicks"] == 2
    # A second run finds nothing more to prune
    assert await prune_old_data(runtime) == Pruned()


async def test_a_claim_is_kept_while_the_attribution_window_is_longer_than_the_period(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient, fake_shopify: FakeShopify,
    clock: Clock,
) -> None:  # fmt: skip
    await save(runtime, shop, replace(FIXED, attribution_window_days=120))
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    await app_client.post(
        "/proxy/api/claim", params=proxy_query(clock.now, shop=shop.domain),
        json={"ref": ana.share_token, "email": "bea@example.org"},
    )  # fmt: skip

    clock.advance(days=100)
    first = await prune_old_data(runtime)
    clock.advance(days=21)
    second = await prune_old_data(runtime)

    assert (first.claims, second.claims) == (0, 1)
