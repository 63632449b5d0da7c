"""Gift card and free product rewards on WooCommerce, from the store's signed webhooks to the
coupons it received (each body checked against the documented coupon properties by the fake).

WooCommerce has no gift cards: the reward is a coupon of the card's amount off the cart, single
use, bound to its owner's email, combinable with other coupons and tagged as a gift card.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from connector.domain.program import program_to_dict
from connector.domain.program.presets import LOYALTY
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.referrals.programs import save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Advocate, Referral, Reward, Shop
from platforms.woocommerce.coupons import GIFT_CARD_META, META_KEY
from tests.conftest import Clock
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_end_to_end import PROGRAM, gmt, send
from tests.woocommerce.test_loyalty_journey import STORE, widget
from tests.woocommerce.test_routes import connected

FRIEND = "fran@example.org"
TOTE = {
    "kind": "free_product", "value": "18.00", "product_id": "812", "variant_id": "815",
    "product_name": "Bolsa tote",
}  # fmt: skip


def coupons_made(fake: FakeWooCommerce) -> list[dict[str, Any]]:
    """The body of every coupon the store was asked to create, in order."""
    return [c.body for c in fake.calls if c.method == "POST" and c.path == "/coupons"]


async def refer(
    runtime: Runtime,
    client: httpx.AsyncClient,
    fake: FakeWooCommerce,
    clock: Clock,
    advocate_reward: dict[str, Any],
) -> tuple[Shop, Advocate]:
    """Connect the store with the program; Ana enrols; a guest friend pays with her code (the
    store sends order.updated twice, then a later update of the same order); the hold ends."""
    path, secret = await connected(runtime, client)
    shop = await Shop.get(platform="woocommerce", domain=STORE)
    await save_program(runtime, shop, {**PROGRAM, "advocate_reward": advocate_reward}, actor="t")
    ana_id = fake.add_customer("ana@example.org")
    ana = (
        await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana", customer_id=ana_id)
    ).advocate
    assert await create_pending_friend_codes(runtime) == 1
    placed = clock.now - timedelta(hours=1)
    paid = fake.add_order(
        9301, status="processing", email=FRIEND, customer_id=0, total="80.00",
        codes=[ana.friend_code.lower()], created=gmt(placed), modified=gmt(placed),
    )  # fmt: skip
    assert (await send(client, path, secret, paid, "d-gift-1"))["duplicate"] is False
    assert (await send(client, path, secret, paid, "d-gift-1"))["duplicate"] is True
    updated = fake.add_order(
        9301, status="processing", email=FRIEND, customer_id=0, total="80.00",
        codes=[ana.friend_code.lower()], created=gmt(placed),
        modified=gmt(placed + timedelta(minutes=10)),
    )  # fmt: skip
    assert (await send(client, path, secret, updated, "d-gift-2"))["duplicate"] is False
    assert await build_worker(runtime).drain() == {"done": 2}
    assert await Referral.filter(shop_id=shop.id).count() == 1
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 1
    assert await issue_due_rewards(runtime) == 1
    assert await approve_due_referrals(runtime) == 0
    assert await issue_due_rewards(runtime) == 0
    return shop, ana


async def test_a_referral_rewarded_with_a_gift_card_on_woocommerce(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    gift = {"kind": "gift_card", "value": "25.00", "expires_days": 365}
    shop, _ana = await refer(woo_runtime, app_client, fake_woo, clock, gift)

    # One coupon of 25 EUR off the cart, once, for Ana's email, combinable, tagged a gift card
    reward = await Reward.get(shop_id=shop.id, side="advocate")
    assert (reward.kind, reward.status, reward.code is not None) == ("gift_card", "issued", True)
    assert reward.code is not None
    assert reward.expires_at is not None
    friend_coupon, card = coupons_made(fake_woo)
    assert card == {
        "code": reward.code.lower(),
        "description": f"Gift card: 25.00 EUR ({reward.code}). Referral reward"
        f" {reward.idempotency_key}",
        "status": "publish",
        "discount_type": "fixed_cart",
        "amount": "25.00",
        "individual_use": False,
        "email_restrictions": ["ana@example.org"],
        "meta_data": [{"key": META_KEY, "value": "1"}, {"key": GIFT_CARD_META, "value": "1"}],
        "usage_limit": 1,
        "usage_limit_per_user": 1,
        "date_expires": f"{reward.expires_at.date().isoformat()}T23:59:59+00:00",
    }
    assert friend_coupon["code"] != card["code"]
    assert reward.platform_ref == str(next(
        c["id"] for c in fake_woo.coupons.values() if c["code"] == card["code"]))  # fmt: skip


async def test_a_referral_rewarded_with_a_free_product_on_woocommerce(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    shop, _ana = await refer(woo_runtime, app_client, fake_woo, clock, TOTE)

    # One coupon: 100% off the variation, one item, once, for Ana's email
    reward = await Reward.get(shop_id=shop.id, side="advocate")
    assert (reward.kind, reward.status, reward.product_name) == (
        "free_product", "issued", "Bolsa tote",
    )  # fmt: skip
    assert reward.code is not None
    coupon = coupons_made(fake_woo)[-1]
    assert {k: coupon[k] for k in ("code", "discount_type", "amount", "product_ids",
                                   "limit_usage_to_x_items", "usage_limit", "usage_limit_per_user",
                                   "email_restrictions", "individual_use")} == {
        "code": reward.code.lower(), "discount_type": "percent", "amount": "100",
        "product_ids": [815], "limit_usage_to_x_items": 1, "usage_limit": 1,
        "usage_limit_per_user": 1, "email_restrictions": ["ana@example.org"],
        "individual_use": True,
    }  # fmt: skip
    assert coupon["description"] == f"Referral reward: free Bolsa tote ({reward.code})"


async def test_a_free_product_redeemed_from_the_loyalty_catalogue_on_woocommerce(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given the loyalty preset whose catalogue also sells a tote bag for 400 points
    path, secret = await connected(woo_runtime, app_client)
    shop = await Shop.get(platform="woocommerce", domain=STORE)
    config = program_to_dict(LOYALTY)
    tote = {k: v for k, v in TOTE.items() if k != "variant_id"}
    config["loyalty"]["catalogue"].append(
        {"item_id": "tote", "name": "Bolsa tote", "points": 400, "reward": tote}
    )
    await save_program(woo_runtime, shop, config, actor="test")
    customer = fake_woo.add_customer("marta@example.org")

    # When Marta's order is paid, she earns 460 points (twice delivered: once counted)
    placed = clock.now - timedelta(hours=1)
    paid = fake_woo.add_order(
        9401, status="processing", email="marta@example.org", customer_id=int(customer),
        total="360.00", currency="USD", created=gmt(placed), modified=gmt(placed),
    )  # fmt: skip
    await send(app_client, path, secret, paid, "d-tote-1")
    await send(app_client, path, secret, paid, "d-tote-1")
    assert await build_worker(woo_runtime).drain() == {"done": 1}

    # She redeems the tote in the widget; a retry with the same key spends nothing more
    for _ in range(2):
        answer = await widget(
            app_client, secret, customer, clock, "redeem", item="tote", key="w-tote"
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["loyalty"]["points"] == 60
    assert answer.json()["redemption"]["product"] == "Bolsa tote"

    # Then one coupon is made: 100% off the product, one item, once, for her email
    assert await issue_due_rewards(woo_runtime) == 1
    assert await issue_due_rewards(woo_runtime) == 0
    marta = await Advocate.get(shop=shop, customer_id=customer)
    reward = await Reward.get(shop=shop, idempotency_key=f"redeem:{marta.id}:w-tote")
    assert (reward.kind, reward.status) == ("free_product", "issued")
    [coupon] = coupons_made(fake_woo)
    assert reward.code is not None
    assert {k: coupon[k] for k in ("code", "discount_type", "amount", "product_ids",
                                   "limit_usage_to_x_items", "usage_limit",
                                   "email_restrictions")} == {
        "code": reward.code.lower(), "discount_type": "percent", "amount": "100",
        "product_ids": [812], "limit_usage_to_x_items": 1, "usage_limit": 1,
        "email_restrictions": ["marta@example.org"],
    }  # fmt: skip
    shown = (await widget(app_client, secret, customer, clock, "me")).json()["dashboard"]
    assert (shown["rewards"][0]["product"], shown["rewards"][0]["code"]) == (
        "Bolsa tote", reward.code,
    )  # fmt: skip
