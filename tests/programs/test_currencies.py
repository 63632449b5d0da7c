"""Currencies on Shopify: an order paid in a presentment currency other than the shop's is judged
in shop money (the `*_set` MoneyBags' shop_money), from the signed webhook to the store credit."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx

from connector.domain.program import RewardRule
from connector.domain.program.kinds import Basis, RewardKind
from connector.domain.program.presets import FIXED
from connector.services.base.runtime import Runtime
from connector.store.models import OrderRecord, Referral, Reward, Shop
from tests.conftest import Clock
from tests.programs.journey import (
    credit,
    end_hold,
    enrol,
    iso,
    paid_order,
    plans,
    post_paid,
    process,
    save,
    sent,
)
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import encode, signed_headers

ANA, LUCIA, KENJI = 7101, 8901, 8902

# Shop USD, a $25 minimum, and the advocate earns 10% of the order's value in store credit.
PERCENT_OF_ORDER = replace(
    FIXED,
    advocate_reward=RewardRule(RewardKind.STORE_CREDIT, Decimal(10), Basis.PERCENT_OF_ORDER),
)


def own_order(order_id: int, placed: Any, currency: str, shop: str, shown: str) -> dict[str, Any]:
    """Ana's own paid order, from her own browser and address, paid in `currency`."""
    body = paid_in(
        paid_order(order_id, placed, friend=ANA, email="ana@example.org", total=shop),
        currency, {"subtotal_price": shown, "total_price": shown},
    )  # fmt: skip
    body.update(browser_ip="198.51.100.44", client_details={"browser_ip": "198.51.100.44"})
    body["shipping_address"] = {"address1": "Rue de Rivoli 1", "city": "Paris", "zip": "75001"}
    return body


def paid_in(body: dict[str, Any], currency: str, shown: dict[str, str]) -> dict[str, Any]:
    """The body as a buyer paying in `currency` sees it: each `*_set` gets its presentment side
    (`shown[key]`), the plain fields and shop_money stay in the shop's USD."""
    body["presentment_currency"] = currency
    for key, amount in shown.items():
        shop = body[key]
        body[f"{key}_set"] = {
            "shop_money": {"amount": shop, "currency_code": "USD"},
            "presentment_money": {"amount": amount, "currency_code": currency},
        }
    line = body["line_items"][0]
    line["price_set"] = {
        "shop_money": {"amount": line["price"], "currency_code": "USD"},
        "presentment_money": {"amount": shown["subtotal_price"], "currency_code": currency},
    }
    return body


async def test_an_order_paid_in_yen_is_judged_in_dollars(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given a USD shop whose advocate earns 10% of the order, with a $25 minimum
    await save(runtime, shop, PERCENT_OF_ORDER)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)

    # When a friend pays 12,000 JPY (80.00 USD in the shop's money) with Ana's code
    body = paid_in(
        paid_order(5101, clock.now, friend=LUCIA, email="lucia@example.org", total="80.00",
                   code=ana.friend_code),
        "JPY", {"subtotal_price": "12000", "total_price": "12000"},
    )  # fmt: skip
    await post_paid(app_client, body, "wh-yen-1")
    # And another friend pays 3,000 JPY: more than 25 in yen, 20.00 USD in the shop's money
    small = paid_in(
        paid_order(5102, clock.now, friend=KENJI, email="kenji@example.org", total="20.00",
                   code=ana.friend_code),
        "JPY", {"subtotal_price": "3000", "total_price": "3000"},
    )  # fmt: skip
    await post_paid(app_client, small, "wh-yen-2")
    assert await process(runtime) == {"done": 2}

    # Then the order record keeps the buyer's currency and the order's rate
    record = await OrderRecord.get(shop=shop, order_id="5101")
    assert (record.currency, record.subtotal, record.presentment_currency, record.exchange_rate) == (
        "USD", Decimal("80.00"), "JPY", Decimal("150"),
    )  # fmt: skip
    # And the reward is 10% of 80.00 USD, and the finding says how the order was judged
    first = await Referral.get(shop=shop, order_id="5101")
    assert (first.state, first.currency, first.order_subtotal) == ("pending", "USD", 80)
    assert plans(first) == [("advocate", str(ana.id), "store_credit", "8.00", None, "base")]
    judged = next(f for f in first.findings if f["reason"] == "currency_mismatch")
    assert judged["message"] == (
        "Paid in JPY; judged in the shop currency USD at the order's rate of 150 JPY per USD."
    )
    # And the 3,000 JPY order is below the $25 minimum in the shop's money
    second = await Referral.get(shop=shop, order_id="5102")
    assert (second.state, second.state_reason) == ("rejected", "below_minimum")

    # When the hold is over, Ana's store credit is 8.00 USD
    assert await end_hold(runtime, clock, days=14) == (1, 1)
    assert sent(fake_shopify, "storeCreditAccountCredit") == [credit(ANA, "8.00")]
    reward = await Reward.get(referral_id=first.id)
    assert (reward.amount, reward.currency, reward.status) == (8, "USD", "issued")


async def test_store_credit_is_issued_in_the_currency_the_advocate_shops_in(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given a USD program crediting 10.00 USD, or 9 EUR to an advocate who shops in euros
    euros = replace(
        FIXED,
        advocate_reward=RewardRule(RewardKind.STORE_CREDIT, Decimal(10), amounts={"EUR": Decimal(9)}),
    )
    await save(runtime, shop, euros)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    # And Ana's own last order was paid in euros (at 0.92 EUR per USD)
    own = own_order(5200, clock.now, "EUR", "50.00", "46.00")
    await post_paid(app_client, own, "wh-own-1")

    # When her friend pays 80.00 USD with her code and the hold passes
    body = paid_order(5201, clock.now, friend=LUCIA, email="lucia@example.org", total="80.00",
                      code=ana.friend_code)  # fmt: skip
    await post_paid(app_client, body, "wh-eur-1")
    assert await process(runtime) == {"done": 2}
    assert await end_hold(runtime, clock, days=14) == (1, 1)

    # Then the store credits Ana's EUR account with the program's 9.00 EUR
    assert sent(fake_shopify, "storeCreditAccountCredit") == [credit(ANA, "9.00", "EUR")]
    assert fake_shopify.store_credit == {("gid://shopify/Customer/7101", "EUR"): Decimal("9.00")}
    # And the reward keeps its shop-money value (budget, analytics) beside what was issued
    reward = await Reward.get(advocate_id=ana.id)
    assert (reward.amount, reward.currency, reward.issued_amount, reward.issued_currency) == (
        Decimal("10.00"), "USD", Decimal("9.00"), "EUR",
    )  # fmt: skip
    assert reward.status == "issued"
    # And Ana's widget shows the credit in the currency it was issued in
    me = await app_client.get(
        "/proxy/api/me", params=proxy_query(clock.now, str(ANA), shop=shop.domain)
    )
    assert [(r["kind"], r["amount"], r["currency"]) for r in me.json()["dashboard"]["rewards"]] == [
        ("store_credit", "9.0000", "EUR")
    ]


async def test_store_credit_without_an_amount_for_the_currency_is_converted_at_the_order_rate(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the fixed program (10.00 USD store credit, no amount for EUR)
    await save(runtime, shop, FIXED)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    own = own_order(5300, clock.now, "EUR", "50.00", "46.00")
    await post_paid(app_client, own, "wh-own-2")
    body = paid_order(5301, clock.now, friend=LUCIA, email="lucia@example.org", total="80.00",
                      code=ana.friend_code)  # fmt: skip
    await post_paid(app_client, body, "wh-eur-2")
    assert await process(runtime) == {"done": 2}

    # When the hold passes, 10.00 USD reaches Ana as 9.20 EUR (0.92 EUR per USD)
    assert await end_hold(runtime, clock, days=14) == (1, 1)
    assert sent(fake_shopify, "storeCreditAccountCredit") == [credit(ANA, "9.20", "EUR")]


async def test_a_refund_made_in_yen_lowers_the_reward_in_dollars(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given a referral of a 12,000 JPY order (80.00 USD) earning 10%: 8.00 USD
    await save(runtime, shop, PERCENT_OF_ORDER)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", ANA)
    placed = clock.now
    body = paid_in(
        paid_order(5401, placed, friend=LUCIA, email="lucia@example.org", total="80.00",
                   code=ana.friend_code),
        "JPY", {"subtotal_price": "12000", "total_price": "12000"},
    )  # fmt: skip
    await post_paid(app_client, body, "wh-refund-1")
    assert await process(runtime) == {"done": 1}

    # When the shop refunds 3,000 JPY (the buyer's currency) a day later
    clock.advance(days=1)
    body.update(financial_status="partially_refunded", updated_at=iso(clock.now))
    body["refunds"] = [{
        "id": 88001, "created_at": iso(clock.now),
        "transactions": [{"kind": "refund", "status": "success", "amount": "3000",
                          "currency": "JPY"}],
    }]  # fmt: skip
    raw = encode(body)
    answer = await app_client.post(
        "/webhooks/shopify", content=raw,
        headers=signed_headers(raw, "orders/updated", "wh-refund-2"),
    )  # fmt: skip
    assert answer.status_code == 200
    assert await process(runtime) == {"done": 1}

    # Then 20.00 USD is refunded in the shop's money, and the reward follows: 10% of 60.00 USD
    record = await OrderRecord.get(shop=shop, order_id="5401")
    assert (record.refunded, record.currency) == (Decimal("20.00"), "USD")
    referral = await Referral.get(shop=shop, order_id="5401")
    assert (referral.state, plans(referral)) == (
        "pending", [("advocate", str(ana.id), "store_credit", "6.00", None, "base")],
    )  # fmt: skip
