"""The loyalty journey on Shopify, through the app's own doors: signed orders webhooks, the
widget's App Proxy calls, the outbox, the expiry job. Every GraphQL document and its variables
are checked against Shopify's Admin schema by the fake store."""

from __future__ import annotations

from typing import Any

import httpx

from connector.domain.program.presets import LOYALTY
from connector.services.base.runtime import Runtime
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.rewards.loyalty import balance, expire_points
from connector.store.models import Advocate, LedgerEntry, Message, Reward, Shop
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.programs.journey import amount_off_input, gid, iso, post_paid, process, save, sent
from tests.shopify.factories import SHOP
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify, data_response
from tests.support.shopify_payloads import encode, order, signed_headers

MARTA = 9101


def marta_order(order_id: int, clock: Clock, **changes: Any) -> dict[str, Any]:
    """Marta's own order: $560 of goods after discounts, $600 with shipping and tax, no referral."""
    body = order(
        order_id, email="marta@example.org", customer_id=MARTA, codes=(), total="600.00",
        subtotal="560.00", currency="USD", updated_at=iso(clock.now), **changes,
    )  # fmt: skip
    body.update(created_at=iso(clock.now), landing_site=None, landing_site_ref=None)
    return body


async def widget(
    client: httpx.AsyncClient, clock: Clock, action: str, **body: Any
) -> httpx.Response:
    """A call of the widget through the App Proxy, signed for Marta."""
    query = proxy_query(clock.now, str(MARTA), shop=SHOP)
    if body:
        return await client.post(f"/proxy/api/{action}", params=query, json=body)
    return await client.get(f"/proxy/api/{action}", params=query)


async def entries(shop: Shop, member: Advocate) -> list[tuple[str, int]]:
    rows = await LedgerEntry.filter(shop=shop, advocate=member).order_by("id")
    return [(r.kind, r.points) for r in rows]


async def test_earn_redeem_refund_refusal_and_expiry_on_shopify(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the shipped loyalty preset and Marta, a customer of the store
    await save(runtime, shop, LOYALTY)
    fake_shopify.add_customer("marta@example.org", customer_id=MARTA)

    # When her own $600 order is paid (webhook delivered twice, then replayed by the worker)
    first = await post_paid(app_client, marta_order(6001, clock), "wh-marta-1")
    raw = encode(marta_order(6001, clock))
    again = await app_client.post(
        "/webhooks/shopify", content=raw, headers=signed_headers(raw, "orders/paid", "wh-marta-1")
    )
    assert again.json() == {"ok": True, "duplicate": True}
    assert await process(runtime) == {"done": 1}
    assert first

    # Then she is a member with 100 points for joining and 560 for the order's subtotal
    marta = await Advocate.get(shop=shop, customer_id=str(MARTA))
    assert await entries(shop, marta) == [("earn", 100), ("earn", 560)]
    me = (await widget(app_client, clock, "me")).json()["loyalty"]
    assert (me["points"], me["tier"]["name"], me["next_tier"]) == (
        660, "Bronze", {"name": "Silver", "threshold": 1000, "needed": 340},
    )  # fmt: skip
    assert [(i["id"], i["affordable"]) for i in me["catalogue"]] == [
        ("five-off", True), ("ten-percent", False), ("shipping", True), ("credit-10", False),
    ]  # fmt: skip

    # When a quarter of the order is refunded, a quarter of its points go back
    refund = [{"id": 77, "created_at": iso(clock.now), "transactions": [
        {"kind": "refund", "status": "success", "amount": "150.00"}]}]  # fmt: skip
    clock.advance(minutes=5)
    body = marta_order(6001, clock, financial_status="partially_refunded", refunds=refund)
    raw = encode(body)
    headers = signed_headers(raw, "orders/updated", "wh-marta-2")
    assert (
        await app_client.post("/webhooks/shopify", content=raw, headers=headers)
    ).status_code == 200
    assert await process(runtime) == {"done": 1}
    assert await entries(shop, marta) == [("earn", 100), ("earn", 560), ("refund", -140)]

    # When she redeems $5 off in the widget (and her retry sends the same key), 500 points go
    redeemed = await widget(app_client, clock, "redeem", item="five-off", key="k-1")
    assert redeemed.status_code == 200, redeemed.text
    assert (redeemed.json()["redemption"]["status"], redeemed.json()["loyalty"]["points"]) == (
        "pending", 20,
    )  # fmt: skip
    retried = await widget(app_client, clock, "redeem", item="five-off", key="k-1")
    assert retried.json()["loyalty"]["points"] == 20
    poor = await widget(app_client, clock, "redeem", item="shipping", key="k-2")
    assert (poor.status_code, poor.json()["error"]) == (409, "not_enough_points")
    unknown = await widget(app_client, clock, "redeem", item="yacht", key="k-3")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_item")

    # Then the outbox makes a single-use $5 code in the store, bound to Marta alone
    assert await issue_due_rewards(runtime) == 1
    reward = await Reward.get(shop=shop, idempotency_key=f"redeem:{marta.id}:k-1")
    assert reward.code is not None
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        amount_off_input(reward.code, clock.now, MARTA, "5.00")
    ]
    shown = (await widget(app_client, clock, "me")).json()["dashboard"]["rewards"][0]
    assert (shown["status"], shown["code"]) == ("issued", reward.code)

    # When a second order earns her 560 more, her 1,080 points lift her to Silver: its perk, a
    # free-shipping code for any number of her orders, is made in the store for her alone
    await post_paid(app_client, marta_order(6002, clock), "wh-marta-3")
    assert await process(runtime) == {"done": 1}
    assert await balance(shop.id, marta.id) == 580
    await marta.refresh_from_db()
    assert (marta.vip_tier, marta.points_earned) == ("Silver", 1080)
    assert await issue_due_rewards(runtime) == 1
    [perk] = sent(fake_shopify, "discountCodeFreeShippingCreate")
    standing = perk["input"]
    assert (standing["title"][:22], standing["context"], standing["usageLimit"]) == (
        "VIP perk: free shippin", {"customers": {"add": [gid("Customer", MARTA)]}}, None,
    )  # fmt: skip
    assert standing["appliesOncePerCustomer"] is False
    told = await Message.filter(shop=shop, kind="tier_reached")
    assert [(m.recipient, m.context["tier"]) for m in told] == [("marta@example.org", "Silver")]
    me = (await widget(app_client, clock, "me")).json()["loyalty"]
    assert (me["tier"], me["next_tier"]["name"]) == (
        {"name": "Silver", "perks": ["free shipping"]}, "Gold",
    )  # fmt: skip

    # When two small orders follow, Silver's 1.25 multiplier applies, and her fourth order
    # completes her stamp card (the refunded first order kept its stamp): $10 off, once
    for number in (6003, 6004):
        small = marta_order(number, clock)
        small.update(subtotal_price="20.00", total_price="22.00")
        await post_paid(app_client, small, f"wh-marta-{number}")
    assert await process(runtime) == {"done": 2}
    assert (await entries(shop, marta))[-2:] == [("earn", 25), ("earn", 25)]
    me = (await widget(app_client, clock, "me")).json()
    stamps = me["loyalty"]["stamps"]
    assert (stamps["stamps"], stamps["per_card"], stamps["completed"]) == (0, 4, 1)
    assert await issue_due_rewards(runtime) == 1
    card = await Reward.get(shop=shop, idempotency_key=f"card:{marta.id}:1")
    assert card.code is not None
    assert sent(fake_shopify, "discountCodeBasicCreate")[-1] == amount_off_input(
        card.code, clock.now, MARTA, "10.00"
    )
    # She is told once, in the transaction of the order that filled the card
    full = await Message.filter(shop=shop, kind="stamp_card_completed")
    assert [(m.recipient, m.context["card"], m.context["reward"]) for m in full] == [
        ("marta@example.org", "Every 4th order", "a 10.00 USD discount"),
    ]

    # When the store refuses a redemption, its points come back in the same transaction that
    # records the refusal
    poor = await widget(app_client, clock, "redeem", item="credit-10", key="k-4")
    assert (poor.status_code, await balance(shop.id, marta.id)) == (409, 630)
    shipping = await widget(app_client, clock, "redeem", item="shipping", key="k-5")
    assert shipping.json()["loyalty"]["points"] == 330
    refusal = {"codeDiscountNode": None, "userErrors": [
        {"field": ["freeShippingCodeDiscount", "context"], "code": "INVALID",
         "message": "Customer is not eligible"}]}  # fmt: skip
    fake_shopify.respond_next(
        data_response({"customer": {"id": gid("Customer", MARTA)}}, cost=2.0),
        data_response({"discountCodeFreeShippingCreate": refusal}, cost=10.0),
    )
    await issue_due_rewards(runtime)
    failed = await Reward.get(shop=shop, idempotency_key=f"redeem:{marta.id}:k-5")
    assert (failed.status, failed.reason) == ("failed", "points_returned")
    assert await balance(shop.id, marta.id) == 630
    assert (await entries(shop, marta))[-2:] == [("redeem", -300), ("reversal", 300)]

    # When a year passes, what is left of her points expires, oldest lots first
    clock.advance(days=366)
    assert await expire_points(runtime) >= 1
    assert await balance(shop.id, marta.id) == 0
    me = (await widget(app_client, clock, "me")).json()["loyalty"]
    assert (me["points"], me["history"][0]["kind"]) == (0, "expire")

    # The merchant sees her tier and every movement of her points on her page in the admin
    page = (await app_client.get(f"/admin/api/advocates/{marta.id}", headers=bearer())).json()
    assert (page["points"], page["vip_tier"]) == (0, "Silver")
    kinds = [(line["kind"], line["points"], line["reference"]) for line in page["ledger"]]
    assert kinds[-3:] == [
        ("refund", -140, "order:6001"),
        ("earn", 560, "order:6001"),
        ("earn", 100, "join"),
    ]
    assert sum(points for _, points, _ in kinds) == 0
