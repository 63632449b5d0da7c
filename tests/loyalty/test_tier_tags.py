"""A VIP tier's store tag on Shopify: reaching the tier tags the member's customer record
(`tagsAdd` on its GID, through the reward outbox, once), and losing it after the grace period
takes the tag off (`tagsRemove`). Every document and its variables are checked against the Admin
schema by the fake store."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from connector.domain.program import ProgramError, parse_program, program_to_dict
from connector.domain.program.presets import LOYALTY
from connector.services.base.runtime import Runtime
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.rewards.vip import review_tiers
from connector.store.models import Advocate, Reward, Shop
from tests.conftest import Clock
from tests.loyalty.test_shopify_journey import MARTA, marta_order, widget
from tests.programs.journey import gid, iso, post_paid, process, save, sent
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import encode, signed_headers

assert LOYALTY.loyalty is not None
BRONZE, SILVER, GOLD = LOYALTY.loyalty.vip_tiers
TAGGED = replace(
    LOYALTY,
    loyalty=replace(
        LOYALTY.loyalty,
        tier_grace_days=10,
        vip_tiers=(BRONZE, replace(SILVER, tag="VIP Silver"), replace(GOLD, tag="VIP Gold")),
    ),
)


@pytest.mark.parametrize(
    ("tag", "problem"),
    [
        ("", "must be a tag without spaces around it (leave it out for none)"),
        (" VIP", "must be a tag without spaces around it (leave it out for none)"),
        (
            "VIP, Gold",
            "must be one tag: no commas (a store reads them as a list) or control characters",
        ),
        ("x" * 41, "must be at most 40 characters"),
    ],
)
def test_a_tiers_tag_is_one_short_tag(tag: str, problem: str) -> None:
    config = program_to_dict(TAGGED)
    config["loyalty"]["vip_tiers"][1]["tag"] = tag

    with pytest.raises(ProgramError) as refused:
        parse_program(config)

    assert refused.value.errors == (("loyalty.vip_tiers[1].tag", problem),)


async def test_reaching_a_tier_tags_the_customer_and_losing_it_takes_the_tag_off(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given tiers tagged in the store, and Marta, a customer, at Bronze after her first order
    await save(runtime, shop, TAGGED)
    fake_shopify.add_customer("marta@example.org", customer_id=MARTA)
    customer = fake_shopify.customers[gid("Customer", MARTA)]
    await post_paid(app_client, marta_order(6001, clock), "wh-tag-1")
    assert await process(runtime) == {"done": 1}
    assert await issue_due_rewards(runtime) == 0
    assert sent(fake_shopify, "tagsAdd") == []

    # When a second order lifts her to Silver, the outbox tags her customer record once
    await post_paid(app_client, marta_order(6002, clock), "wh-tag-2")
    assert await process(runtime) == {"done": 1}
    marta = await Advocate.get(shop=shop, customer_id=str(MARTA))
    assert marta.vip_tier == "Silver"
    assert await issue_due_rewards(runtime) == 2  # the free-shipping code and the tag
    assert sent(fake_shopify, "tagsAdd") == [{"id": gid("Customer", MARTA), "tags": ["VIP Silver"]}]
    assert customer.tags == {"VIP Silver"}
    tag = await Reward.get(shop=shop, advocate=marta, kind="customer_tag")
    assert (tag.status, tag.platform_ref, tag.reason) == ("issued", "VIP Silver", "vip_perk")
    assert await issue_due_rewards(runtime) == 0
    assert len(sent(fake_shopify, "tagsAdd")) == 1
    # The widget lists her codes, not the tag
    shown = (await widget(app_client, clock, "me")).json()["dashboard"]["rewards"]
    assert [r["kind"] for r in shown] == ["free_shipping"]

    # When the second order is refunded in full she falls below Silver: the tag stays through
    # the grace period
    clock.advance(minutes=5)
    refund = [{"id": 88, "created_at": iso(clock.now), "transactions": [
        {"kind": "refund", "status": "success", "amount": "600.00"}]}]  # fmt: skip
    raw = encode(marta_order(6002, clock, financial_status="refunded", refunds=refund))
    headers = signed_headers(raw, "orders/updated", "wh-tag-3")
    assert (await app_client.post("/webhooks/shopify", content=raw, headers=headers)).is_success
    assert await process(runtime) == {"done": 1}
    assert await review_tiers(runtime) == 0
    assert await issue_due_rewards(runtime) == 0
    assert customer.tags == {"VIP Silver"}

    # When the grace period is over, she steps down and the tag comes off her record, once
    clock.advance(days=11)
    assert await review_tiers(runtime) == 1
    assert await issue_due_rewards(runtime) == 2  # the free-shipping code disabled, the tag off
    assert sent(fake_shopify, "tagsRemove") == [
        {"id": gid("Customer", MARTA), "tags": ["VIP Silver"]}
    ]
    assert customer.tags == set()
    await tag.refresh_from_db()
    assert (tag.status, tag.reason) == ("deactivated", "vip_tier_lost")
    assert await issue_due_rewards(runtime) == 0
    assert len(sent(fake_shopify, "tagsRemove")) == 1
