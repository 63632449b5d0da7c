"""A reward menu on a WooCommerce store, end to end: signed order webhooks, the advocate's pick
through the widget's token API (exactly once, whatever the duplicates), the default given by the
worker's job after the wait, and the coupons the store receives."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import replace
from decimal import Decimal

import httpx

from connector.domain.program import RewardChoice, RewardKind, RewardMenu, RewardRule
from connector.domain.program.presets import FIXED
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Advocate, Referral, Reward, Shop
from connector.store.models import RewardChoice as PickRow
from tests.conftest import Clock
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_program_ways_in import QUERY, _paid, on_program, widget

MENU = RewardMenu(
    choices=(
        RewardChoice("percent", "20 % de descuento", "20% off",
                     RewardRule(RewardKind.PERCENTAGE_DISCOUNT, Decimal("20"))),
        RewardChoice("amount", "15 € de descuento", "15 € off",
                     RewardRule(RewardKind.FIXED_DISCOUNT, Decimal("15.00"))),
    ),
    default_choice_id="percent",
    default_after_days=10,
)  # fmt: skip
PROGRAM = replace(FIXED, reward_menu=MENU, rewarded="advocate")


def reward_coupons(fake: FakeWooCommerce) -> list[tuple[str, str, str | None]]:
    """The reward coupons the store was asked to create: (discount type, amount, email)."""
    made = [c.body for c in fake.calls if c.method == "POST" and c.path == "/coupons"]
    return [
        (c["discount_type"], c["amount"], (c.get("email_restrictions") or [None])[0])
        for c in made
        if c["code"].startswith("reward-")
    ]


async def earned(
    runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> tuple[Shop, str, str]:
    """Ana joined in the widget, her guest friend paid with her code, and the hold is over."""
    shop, path, secret = await on_program(runtime, app_client, PROGRAM)
    ana_id = fake_woo.add_customer("ana@example.org")
    joined = await app_client.post(
        "/storefront/api/join" + QUERY, json={}, headers=widget(clock, secret, ana_id)
    )
    assert joined.status_code == 200
    ana = await Advocate.get(shop_id=shop.id, customer_id=ana_id)
    assert await create_pending_friend_codes(runtime) == 1
    await _paid(app_client, fake_woo, path, secret, clock, 9401, "fran@example.org",
                ana.friend_code, "60.00")  # fmt: skip
    assert await build_worker(runtime).drain() == {"done": 1}
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 1
    assert await issue_due_rewards(runtime) == 0  # nothing to issue before the pick
    return shop, secret, ana_id


async def test_the_advocate_picks_through_the_token_api_and_one_coupon_is_made(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given Ana's menu reward waiting for her pick (no coupon for it yet)
    shop, secret, ana_id = await earned(woo_runtime, app_client, fake_woo, clock)
    assert reward_coupons(fake_woo) == []
    me = await app_client.get("/storefront/api/me" + QUERY, headers=widget(clock, secret, ana_id))
    [shown] = me.json()["dashboard"]["rewards"]
    assert (shown["status"], [c["id"] for c in shown["choices"]]) == ("choose", ["percent", "amount"])

    # When her widget sends the pick of 15 € off four times at once (a retry's key, and others)
    def pick(key: str, choice: str = "amount") -> Awaitable[httpx.Response]:
        return app_client.post(
            "/storefront/api/pick" + QUERY, json={"reward": shown["id"], "choice": choice, "key": key},
            headers=widget(clock, secret, ana_id),
        )  # fmt: skip

    answers = await asyncio.gather(pick("k-1"), pick("k-1"), pick("k-2", "percent"), pick("k-1"))

    # Then one pick is recorded, every other key is a 409, and the store gets one coupon
    [won] = await PickRow.filter(shop_id=shop.id)
    for answer in answers:
        assert answer.status_code == 200 or answer.json()["error"] == "already_chosen"
    assert sum(a.status_code == 200 for a in answers) == (3 if won.request_key == "k-1" else 1)
    assert await issue_due_rewards(woo_runtime) == 1
    assert await issue_due_rewards(woo_runtime) == 0
    expected = {"amount": ("fixed_cart", "15.00"), "percent": ("percent", "20")}[won.choice_id]
    assert reward_coupons(fake_woo) == [(*expected, "ana@example.org")]
    reward = await Reward.get(shop_id=shop.id, side="advocate")
    assert (reward.status, won.chosen_by) == ("issued", "advocate")
    assert (await Referral.get(shop_id=shop.id)).state == "rewarded"


async def test_the_default_is_given_after_the_wait_and_a_late_pick_is_refused(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given Ana's menu reward that she never picks
    shop, secret, ana_id = await earned(woo_runtime, app_client, fake_woo, clock)
    reward = await Reward.get(shop_id=shop.id, side="advocate")
    _, job = build_worker(woo_runtime).periodic["issue_default_choices"]

    # When the program's 10 days pass and the worker's job runs
    clock.advance(days=9)
    assert await job(woo_runtime) == 0
    clock.advance(days=1)
    assert await job(woo_runtime) == 1
    assert await issue_due_rewards(woo_runtime) == 1

    # Then the default, 20 % off, is the one coupon the store gets
    assert reward_coupons(fake_woo) == [("percent", "20", "ana@example.org")]
    pick = await PickRow.get(reward_id=reward.id)
    assert (pick.choice_id, pick.chosen_by) == ("percent", "default")

    # And her pick afterwards gets a 409 saying what was given; the store hears nothing more
    late = await app_client.post(
        "/storefront/api/pick" + QUERY, json={"reward": reward.id, "choice": "amount", "key": "z"},
        headers=widget(clock, secret, ana_id),
    )  # fmt: skip
    assert (late.status_code, late.json()["error"]) == (409, "already_chosen")
    assert "(percent, by the default)" in late.json()["message"]
    assert len(reward_coupons(fake_woo)) == 1
