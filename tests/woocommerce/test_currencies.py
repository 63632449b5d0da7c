"""Currencies on WooCommerce: orders a multi-currency plugin took in another currency are judged in
the store's money at the rate the plugin saved in the order's meta; one without a rate is held."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.programs import save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import OrderRecord, Referral, Reward, Shop
from tests.conftest import Clock
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_end_to_end import gmt, send
from tests.woocommerce.test_routes import connected

# Store currency EUR, a 60 EUR minimum, and Ana earns a point per euro of the order's value.
PROGRAM: dict[str, Any] = {
    "currency": "EUR",
    "hold_days": 14,
    "rewarded": "advocate",
    "new_customers_only": False,
    "min_subtotal": "60.00",
    "friend_offer": {"kind": "percentage_discount", "value": "10"},
    "advocate_reward": {"kind": "points", "value": "1", "basis": "per_unit_spent"},
}  # fmt: skip
WOOCS = {"_woocs_order_base_currency": "EUR", "_woocs_order_rate": "1.087"}
CURCY = {"wmc_order_info": {"EUR": {"rate": "1", "is_main": "1"}, "JPY": {"rate": "160"}}}


async def test_plugin_rates_judge_orders_in_the_store_currency(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given a connected EUR store, its program and Ana
    path, secret = await connected(woo_runtime, app_client)
    shop = await Shop.get(platform="woocommerce", domain="store.example")
    await save_program(woo_runtime, shop, PROGRAM, actor="test")
    ana_id = fake_woo.add_customer("ana@example.org")
    enrolled = await enrol_advocate(
        woo_runtime, shop, email="ana@example.org", name="Ana", customer_id=ana_id
    )
    code = enrolled.advocate.friend_code.lower()
    placed = gmt(clock.now - timedelta(hours=1))

    def paid(order_id: int, email: str, currency: str, total: str, meta: dict[str, Any]) -> Any:
        body = fake_woo.add_order(
            order_id, status="processing", email=email, total=total, currency=currency,
            codes=[code], created=placed, modified=placed,
        )  # fmt: skip
        body["meta_data"] = [{"id": 900 + n, "key": k, "value": v}
                             for n, (k, v) in enumerate(meta.items())]  # fmt: skip
        return body

    # When three friends pay with Ana's code: 86.96 USD through WOOCS (rate 1.087 USD per EUR),
    # 6,000 JPY through CURCY (160 JPY per EUR: 37.50 EUR), and 70.00 GBP with no plugin rate
    orders = [
        paid(9101, "una@example.org", "USD", "86.96", WOOCS),
        paid(9102, "yuki@example.org", "JPY", "6000", CURCY),
        paid(9103, "gwen@example.org", "GBP", "70.00", {}),
    ]
    for n, body in enumerate(orders):
        await send(app_client, path, secret, body, f"d00000c{n}")
    assert await build_worker(woo_runtime).drain() == {"done": 3}

    # Then the WOOCS order is 80.00 EUR in the store's money, with the buyer's currency and rate
    record = await OrderRecord.get(shop_id=shop.id, order_id="9101")
    assert (record.currency, record.total, record.presentment_currency, record.exchange_rate) == (
        "EUR", Decimal("80.00"), "USD", Decimal("1.087"),
    )  # fmt: skip
    first = await Referral.get(shop_id=shop.id, order_id="9101")
    assert (first.state, first.currency, first.order_total) == ("pending", "EUR", 80)
    assert [(p["kind"], p["points"]) for p in first.reward_plans] == [("points", 80)]
    # And the CURCY order is below the 60 EUR minimum (6,000 in yen, 37.50 in euros)
    second = await Referral.get(shop_id=shop.id, order_id="9102")
    assert (second.state, second.state_reason, second.order_subtotal) == (
        "rejected", "below_minimum", Decimal("37.50"),
    )  # fmt: skip
    # And the GBP order, whose rate nobody recorded, waits for a person with the reason
    third = await Referral.get(shop_id=shop.id, order_id="9103")
    assert (third.state, third.state_reason, third.currency) == (
        "flagged", "currency_mismatch", "GBP",
    )  # fmt: skip
    held = next(f for f in third.findings if f["reason"] == "currency_mismatch")
    assert held["message"].startswith(
        "The order is in GBP and carries no exchange rate to the shop currency EUR"
    )

    # When the hold is over, Ana earns 80 points: one per euro, not per dollar
    clock.advance(days=15)
    assert await approve_due_referrals(woo_runtime) == 1
    assert await issue_due_rewards(woo_runtime) == 1
    reward = await Reward.get(referral_id=first.id)
    assert (reward.kind, reward.points, reward.status) == ("points", 80, "recorded")
