"""A WooCommerce store from connect to clawback: the whole journey over the routes and the worker.

Connect the store, Ana enrols, her friend (a guest) pays with her code and the store sends
order.updated as processing; the hold passes and Ana's reward coupon is created, restricted to her
email; a later refunded update voids the referral and the coupon is deleted from the store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.referrals.programs import save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Referral, ReferralEvent, Reward, Shop
from tests.conftest import Clock
from tests.support import woocommerce_payloads as woo
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_routes import connected

PROGRAM: dict[str, Any] = {
    "currency": "EUR",
    "name": "Give 10%, get 10 EUR",
    "hold_days": 14,
    "rewarded": "advocate",
    "new_customers_only": True,
    "friend_offer": {"kind": "percentage_discount", "value": "10"},
    "advocate_reward": {"kind": "fixed_amount_discount", "value": "10.00", "expires_days": 90},
}
FRIEND = "fran@example.org"


def gmt(moment: datetime) -> str:
    """A time as WooCommerce's *_gmt fields spell it."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


async def send(
    client: httpx.AsyncClient, path: str, secret: str, order: dict[str, Any], delivery: str
) -> dict[str, Any]:
    """POST an order.updated delivery as the store would, signed with the shop's secret."""
    body = woo.encode(order)
    answer = await client.post(
        path, content=body, headers=woo.signed_headers(body, secret=secret, delivery_id=delivery)
    )
    assert answer.status_code == 200
    result: dict[str, Any] = answer.json()
    return result


async def test_connect_enrol_refer_reward_and_void_on_refund(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Connect the store; the program and Ana, a registered customer of the store.
    path, secret = await connected(woo_runtime, app_client)
    shop = await Shop.get(platform="woocommerce", domain="store.example")
    await save_program(woo_runtime, shop, PROGRAM, actor="test")
    ana_id = fake_woo.add_customer("ana@example.org")
    ana = (
        await enrol_advocate(
            woo_runtime, shop, email="ana@example.org", name="Ana", customer_id=ana_id
        )
    ).advocate
    assert await create_pending_friend_codes(woo_runtime) == 1
    friend_coupon = next(c for c in fake_woo.coupons.values())
    assert (friend_coupon["code"], friend_coupon["discount_type"], friend_coupon["amount"]) == (
        ana.friend_code.lower(),
        "percent",
        "10.00",
    )
    assert friend_coupon["usage_limit_per_user"] == 1

    # A guest friend pays with Ana's code; the store sends order.updated as processing.
    placed = clock.now - timedelta(hours=1)
    order = fake_woo.add_order(
        9001,
        status="processing",
        email=FRIEND,
        customer_id=0,
        total="80.00",
        codes=[ana.friend_code.lower()],
        created=gmt(placed),
        modified=gmt(placed),
    )
    assert await send(app_client, path, secret, order, "d0000001") == {
        "ok": True,
        "duplicate": False,
    }
    assert await build_worker(woo_runtime).drain() == {"done": 1}
    referral = await Referral.get(shop_id=shop.id)
    assert (referral.state, referral.order_id, referral.friend_email) == ("pending", "9001", FRIEND)
    # New customers only: the guest was looked up by billing email (guests are not customers).
    assert [c.params.get("search") for c in fake_woo.calls if c.path == "/orders"] == [FRIEND]

    # The hold passes: the referral is approved and Ana's coupon is created in the store.
    clock.advance(days=15)
    assert await approve_due_referrals(woo_runtime) == 1
    assert await issue_due_rewards(woo_runtime) == 1
    reward = await Reward.get(shop_id=shop.id, side="advocate")
    assert (reward.kind, reward.status, reward.amount, reward.currency) == (
        "fixed_amount_discount",
        "issued",
        Decimal("10.00"),
        "EUR",
    )
    created = [c.body for c in fake_woo.calls if c.method == "POST" and c.path == "/coupons"][-1]
    assert reward.code is not None
    assert {k: created[k] for k in ("code", "discount_type", "amount", "usage_limit")} == {
        "code": reward.code.lower(),
        "discount_type": "fixed_cart",
        "amount": "10.00",
        "usage_limit": 1,
    }
    assert created["email_restrictions"] == ["ana@example.org"]
    assert reward.expires_at is not None
    assert created["date_expires"] == reward.expires_at.astimezone(UTC).isoformat(
        timespec="seconds"
    )
    fake_woo.now = int(clock.now.timestamp())
    assert fake_woo.coupon_is_active(reward.code) is True
    assert (await Referral.get(id=referral.id)).state == "rewarded"

    # Later the order is refunded in full: the store sends order.updated as refunded.
    refunded = fake_woo.add_order(
        9001,
        status="refunded",
        email=FRIEND,
        customer_id=0,
        total="80.00",
        codes=[ana.friend_code.lower()],
        refunds=[(9101, "80.00")],
        created=gmt(placed),
        modified=gmt(clock.now),
    )
    await send(app_client, path, secret, refunded, "d0000002")
    assert await build_worker(woo_runtime).drain() == {"done": 1}
    await issue_due_rewards(woo_runtime)

    assert (await Referral.get(id=referral.id)).state == "reversed"
    after = await Reward.get(id=reward.id)
    assert after.status == "deactivated"
    assert fake_woo.coupon_is_active(reward.code) is False
    assert all(c["code"] != reward.code.lower() for c in fake_woo.coupons.values())
    events = await ReferralEvent.filter(referral_id=referral.id).order_by("id")
    assert [(e.from_state, e.to_state) for e in events] == [
        (None, "pending"),
        ("pending", "approved"),
        ("approved", "rewarded"),
        ("rewarded", "reversed"),
    ]
