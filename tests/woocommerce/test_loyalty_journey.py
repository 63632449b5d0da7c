"""The loyalty journey on WooCommerce, through the app's own doors: the store's signed
order.updated webhooks, the widget's token calls, the outbox's coupon, the expiry job."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from connector.domain.program import program_to_dict
from connector.domain.program.presets import LOYALTY
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.programs import save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.rewards.loyalty import balance, expire_points
from connector.services.storefront.tokens import sign_token
from connector.store.models import Advocate, LedgerEntry, Reward, Shop
from tests.conftest import Clock
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_end_to_end import gmt, send
from tests.woocommerce.test_routes import connected

STORE = "store.example"


def marta_order(
    fake: FakeWooCommerce, customer: str, placed: datetime, **fields: Any
) -> dict[str, Any]:
    """Marta's $400 order: $360 of goods after discounts, $10 shipping, $30 tax."""
    body = fake.add_order(
        9101, status="processing", email="marta@example.org", customer_id=int(customer),
        total="400.00", currency="USD", created=gmt(placed), **fields,
    )  # fmt: skip
    body["line_items"][0].update(subtotal="360.00", total="360.00", price=360.0)
    body.update(shipping_total="10.00", total_tax="30.00", cart_tax="30.00")
    return body


async def widget(
    client: httpx.AsyncClient, secret: str, customer: str, clock: Clock, action: str, **body: Any
) -> httpx.Response:
    """A call of the widget on the store's page, with the loader plugin's signed token."""
    token = sign_token(secret, STORE, customer, int(clock.now.timestamp()) + 900)
    url = f"/storefront/api/{action}?platform=woocommerce&shop={STORE}"
    headers = {"X-Referral-Token": token}
    if body:
        return await client.post(url, json=body, headers=headers)
    return await client.get(url, headers=headers)


async def entries(shop: Shop, member: Advocate) -> list[tuple[str, int]]:
    rows = await LedgerEntry.filter(shop=shop, advocate=member).order_by("id")
    return [(r.kind, r.points) for r in rows]


async def test_earn_redeem_refund_and_expiry_on_woocommerce(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given a connected store on the shipped loyalty preset, and Marta, a registered customer
    path, secret = await connected(woo_runtime, app_client)
    shop = await Shop.get(platform="woocommerce", domain=STORE)
    await save_program(woo_runtime, shop, program_to_dict(LOYALTY), actor="test")
    customer = fake_woo.add_customer("marta@example.org")
    placed = clock.now - timedelta(hours=1)

    # When her order is paid (the store sends order.updated, and sends it again)
    paid = marta_order(fake_woo, customer, placed, modified=gmt(placed))
    assert await send(app_client, path, secret, paid, "d-marta-1") == {
        "ok": True,
        "duplicate": False,
    }
    assert (await send(app_client, path, secret, paid, "d-marta-1"))["duplicate"] is True
    assert await build_worker(woo_runtime).drain() == {"done": 1}

    # Then she earns on the $360 of goods (not shipping, not tax), plus 100 for joining
    marta = await Advocate.get(shop=shop, customer_id=customer)
    assert await entries(shop, marta) == [("earn", 100), ("earn", 360)]
    me = (await widget(app_client, secret, customer, clock, "me")).json()["loyalty"]
    assert (me["points"], me["tier"]["name"]) == (460, "Bronze")

    # When a quarter of the order is refunded, a quarter of its points go back
    later = placed + timedelta(minutes=30)
    refunded = marta_order(
        fake_woo, customer, placed, modified=gmt(later), refunds=[(501, "100.00")]
    )
    await send(app_client, path, secret, refunded, "d-marta-2")
    assert await build_worker(woo_runtime).drain() == {"done": 1}
    assert await entries(shop, marta) == [("earn", 100), ("earn", 360), ("refund", -90)]

    # When she redeems free shipping in the widget, 300 points go and a coupon bound to her
    # email, good once, is created in the store
    redeemed = await widget(
        app_client, secret, customer, clock, "redeem", item="shipping", key="w-1"
    )
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["loyalty"]["points"] == 70
    assert await issue_due_rewards(woo_runtime) == 1
    reward = await Reward.get(shop=shop, idempotency_key=f"redeem:{marta.id}:w-1")
    assert (reward.status, reward.kind) == ("issued", "free_shipping")
    created = [c.body for c in fake_woo.calls if c.method == "POST" and c.path == "/coupons"][-1]
    assert reward.code is not None
    assert {k: created[k] for k in ("code", "discount_type", "amount", "free_shipping",
                                    "usage_limit", "email_restrictions")} == {
        "code": reward.code.lower(), "discount_type": "fixed_cart", "amount": "0",
        "free_shipping": True, "usage_limit": 1, "email_restrictions": ["marta@example.org"],
    }  # fmt: skip
    shown = (await widget(app_client, secret, customer, clock, "me")).json()["dashboard"]
    assert (shown["rewards"][0]["status"], shown["rewards"][0]["code"]) == ("issued", reward.code)

    # When a $700 order lifts her to Silver, its perk is a free-shipping coupon for any number of
    # her orders; two small orders then earn at Silver's 1.25 and complete her stamp card
    # (the refunded first order kept its stamp): a $10 coupon, once
    big = fake_woo.add_order(
        9102, status="processing", email="marta@example.org", customer_id=int(customer),
        total="700.00", currency="USD", created=gmt(later), modified=gmt(later),
    )  # fmt: skip
    await send(app_client, path, secret, big, "d-marta-3")
    for n in (9103, 9104):
        small = fake_woo.add_order(
            n, status="processing", email="marta@example.org", customer_id=int(customer),
            total="20.00", currency="USD", created=gmt(later), modified=gmt(later),
        )  # fmt: skip
        await send(app_client, path, secret, small, f"d-marta-{n}")
    assert await build_worker(woo_runtime).drain() == {"done": 3}
    await marta.refresh_from_db()
    assert marta.vip_tier == "Silver"
    assert (await entries(shop, marta))[-3:] == [("earn", 700), ("earn", 25), ("earn", 25)]
    assert await issue_due_rewards(woo_runtime) == 2
    coupons = [c.body for c in fake_woo.calls if c.method == "POST" and c.path == "/coupons"]
    perk, card = coupons[-2:]
    assert (perk["free_shipping"], perk["email_restrictions"], perk.get("usage_limit")) == (
        True, ["marta@example.org"], None,
    )  # fmt: skip
    assert (card["discount_type"], card["amount"], card["usage_limit"]) == (
        "fixed_cart",
        "10.00",
        1,
    )
    stamps = (await widget(app_client, secret, customer, clock, "me")).json()["loyalty"]["stamps"]
    assert (stamps["stamps"], stamps["completed"]) == (0, 1)

    # When a year passes, her points expire
    clock.advance(days=366)
    assert await expire_points(woo_runtime) >= 1
    assert await balance(shop.id, marta.id) == 0
