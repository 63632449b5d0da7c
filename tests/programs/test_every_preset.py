"""Every preset the product ships runs its whole journey, exactly as shipped.

For each preset: the merchant saves it, an advocate enrols and her friend code reaches the store,
a friend buys through her share link (a signed orders/paid webhook through the app), the worker
credits the order, the hold ends, and every reward of the referral is in the store or recorded:
discount codes and store credit as the store received them (every GraphQL document checked
against Shopify's Admin schema by the fake store), points as ledger entries of their owner.
"""

from __future__ import annotations

import httpx
import pytest

from connector.domain.program.presets import PRESETS
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.rewards.contests import finalise_contests
from connector.store.models import Advocate, LedgerEntry, Referral, Reward, Shop
from tests.conftest import Clock
from tests.programs.journey import (
    credit,
    end_hold,
    enrol,
    gid,
    paid_order,
    post_paid,
    process,
    save,
    sent,
)
from tests.support.fake_shopify import FakeShopify

ANA, LUCIA = 7001, 8801
# What a reward row ends as once its journey is over: in the store, or recorded.
OUT = {"issued", "recorded"}


@pytest.mark.parametrize("name", sorted(PRESETS))
async def test_the_shipped_preset_runs_from_webhook_to_store(
    name: str,
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the preset as shipped, and Ana enrolled (her shared code made in the store if any)
    program = await save(runtime, shop, PRESETS[name])
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    await create_pending_friend_codes(runtime)
    assert all(
        v["input"]["code"] == ana.friend_code for v in sent(fake_shopify, "discountCodeBasicCreate")
    )

    # When a new customer buys $120 through Ana's share link
    fake_shopify.add_customer("lucia@example.org", orders=1, customer_id=LUCIA)
    body = paid_order(5001, clock.now, friend=LUCIA, email="lucia@example.org", total="120.00")
    body.update(landing_site=f"/?ref={ana.friend_code}")
    await post_paid(app_client, body, f"wh-{name}-1")
    assert await process(runtime) == {"done": 1}
    referral = await Referral.get(shop=shop)
    assert referral.advocate_id == ana.id  # type: ignore[attr-defined]
    assert referral.state == "pending", referral.state_reason

    # Then, once the hold is over, every reward reaches the store or the ledger
    calls = len(fake_shopify.calls)
    assert await end_hold(runtime, clock, days=program.hold_days + 1) == (
        1,
        len(referral.reward_plans),
    )
    await finalise_contests(runtime)
    rewards = await Reward.filter(referral_id=referral.id).order_by("id")
    assert rewards, "the preset rewards the referral"
    assert [(r.side, r.status, r.last_error) for r in rewards] == [
        (r.side, "issued" if r.status == "issued" else "recorded", None) for r in rewards
    ]
    assert {r.status for r in rewards} <= OUT
    await referral.refresh_from_db()
    assert referral.state == "rewarded"

    # And the store received exactly what each reward is, bound to its owner
    store = fake_shopify.calls[calls:]
    codes = [c.variables for c in store if c.root_fields[0] == "discountCodeBasicCreate"]
    credits = [c.variables for c in store if c.root_fields[0] == "storeCreditAccountCredit"]
    owners = {"advocate": ANA, "partner": ANA, "friend": LUCIA}
    expected_codes = [r for r in rewards if r.code is not None]
    assert [v["input"]["code"] for v in codes] == [r.code for r in expected_codes]
    for variables, reward in zip(codes, expected_codes, strict=True):
        context = variables["input"]["context"]
        assert context == {"customers": {"add": [gid("Customer", owners[reward.side])]}}
    assert credits == [
        credit(owners[r.side], f"{r.amount:.2f}") for r in rewards if r.kind == "store_credit"
    ]
    for reward in rewards:
        if reward.kind != "points":
            continue
        owner = await Advocate.get(id=reward.advocate_id)  # type: ignore[attr-defined]
        assert owner.customer_id == str(owners[reward.side])
        entry = await LedgerEntry.get(shop=shop, idempotency_key=reward.idempotency_key)
        assert (entry.kind, entry.points) == ("earn", reward.points)
        assert entry.points > 0
