"""`connector demo`: a sandbox shop with a demo program, and the steps that credit an advocate.

The demo runs the same services as production. Two things differ, both said out loud: the demo
program holds no referral (hold_days = 0, where a real store waits out its return window), and
`advance` runs the worker's steps (deliveries, approvals, friend codes, rewards) at once after
an order instead of on their schedule, so a newcomer sees the credit straight away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.friend_codes import FRIEND_PURPOSES, create_pending_friend_codes
from connector.services.referrals.programs import live_program, save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.shops.credentials import save_credentials
from connector.services.storefront.tokens import sandbox_key, sign_token
from connector.store.models import DiscountCode, OrderRecord, Shop
from platforms.base import StoreCredentials

log = logging.getLogger("connector.demo")

PLATFORM = "sandbox"
SHOP = "demo-shop.sandbox"
CURRENCY = "EUR"
TOKEN_SECONDS = 3600


@dataclass(frozen=True)
class DemoCustomer:
    """The shopper a newcomer signs in as."""

    customer_id: str
    email: str
    name: str


ANA = DemoCustomer("1001", "ana@example.com", "Ana")
PRODUCT_PRICE = Decimal("24.00")
# The demo's program: 10 % for the friend, a 10 € code for the advocate, no hold; and points:
# 10 a euro on a member's own orders, 50 for joining, spent in the widget's catalogue.
PROGRAM: Mapping[str, Any] = {
    "name": "Demo",
    "currency": CURRENCY,
    "hold_days": 0,
    "rewarded": "advocate",
    "friend_offer": {"kind": "percentage_discount", "value": "10"},
    "advocate_reward": {"kind": "fixed_amount_discount", "value": "10.00"},
    "loyalty": {
        "points_per_unit": "10",
        "points_expire_days": 365,
        "join_points": 50,
        "birthday_points": 100,
        "catalogue": [
            {"item_id": "five-off", "name": "5 € de descuento", "points": 200,
             "reward": {"kind": "fixed_amount_discount", "value": "5.00"}},
            {"item_id": "shipping", "name": "Envío gratis", "points": 150,
             "reward": {"kind": "free_shipping"}},
            {"item_id": "fifteen-percent", "name": "15 % de descuento", "points": 1000,
             "reward": {"kind": "percentage_discount", "value": "15"}},
            {"item_id": "free-coffee", "name": "Un café gratis", "points": 250,
             "reward": {"kind": "free_product", "value": "24.00", "product_id": "cafe-colombia-250",
                        "product_name": "Café de Colombia, 250 g"}},
        ],
        "vip_tiers": [
            {"name": "Plata", "threshold": 0},
            {"name": "Oro", "threshold": 1000, "multiplier": "1.5"},
        ],
    },
}  # fmt: skip

_advance_lock = asyncio.Lock()


async def set_up(runtime: Runtime, storefront_url: str) -> Shop:
    """Install the demo shop (idempotent) with its storefront URL and the demo program."""
    creds = StoreCredentials(platform=PLATFORM, shop=SHOP, access_token="sandbox-demo")
    shop = await save_credentials(runtime, creds)
    shop.settings = {
        **(shop.settings or {}),
        "currency": CURRENCY,
        "storefront": {"name": "Tienda demo", "url": storefront_url},
    }
    await shop.save(update_fields=["settings", "updated_at"])
    live = await live_program(runtime, shop)
    if not live.saved or live.program.hold_days != 0 or live.program.loyalty is None:
        await save_program(runtime, shop, PROGRAM, actor="demo", note="connector demo")
    # The sandbox store is memory and starts empty on every run, while the database remembers
    # the friend codes of earlier runs: queue them to be made in the store again (idempotent).
    await DiscountCode.filter(shop_id=shop.id, purpose__in=FRIEND_PURPOSES, status="active").update(
        status="pending"
    )
    return shop


async def next_order_id(first: int, placed_now: int) -> int:
    """The next demo order's number: after every order stored, so a second run continues.

    The sandbox store lives in memory and starts empty on every `connector demo`, but the
    demo's database keeps the orders (and their webhook ids) of earlier runs; numbering from
    the store alone would repeat an order, and its webhook would be dropped as a duplicate.
    """
    shop = await Shop.get_or_none(platform=PLATFORM, domain=SHOP)
    stored = await OrderRecord.filter(shop_id=shop.id).only("order_id") if shop else []
    highest = max((int(r.order_id) for r in stored if r.order_id.isdigit()), default=first - 1)
    return max(highest + 1, first + placed_now)


def page_token(runtime: Runtime, customer_id: str | None) -> str:
    """The token a demo page is rendered with, as the WooCommerce loader plugin renders one."""
    expires = int(runtime.now().timestamp()) + TOKEN_SECONDS
    return sign_token(sandbox_key(runtime.settings, SHOP), SHOP, customer_id, expires)


async def advance(runtime: Runtime) -> dict[str, int]:
    """Run the worker's steps now: deliveries, approvals (no hold), friend codes, rewards."""
    async with _advance_lock:
        processed = await build_worker(runtime).drain()
        return {
            "deliveries": sum(processed.values()),
            "approved": await approve_due_referrals(runtime),
            "friend_codes": await create_pending_friend_codes(runtime),
            "rewards": await issue_due_rewards(runtime),
        }


async def keep_advancing(runtime: Runtime, stop: asyncio.Event, every: float = 1.0) -> None:
    """Advance every `every` seconds until stopped, so a new advocate's code reaches the store."""
    while not stop.is_set():
        try:
            await advance(runtime)
        except Exception:
            log.exception("the demo could not advance; trying again")
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except TimeoutError:
            continue
