"""Storefront test setup: shops, an advocate with history, signed App Proxy queries, tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from connector.services import demo
from connector.services.base.runtime import Runtime
from connector.services.referrals import advocates
from connector.services.shops.credentials import save_credentials
from connector.store.models import Advocate, LinkClick, Referral, Reward, Shop
from platforms.base import StoreCredentials
from platforms.shopify.app_proxy import proxy_signature
from tests.conftest import TEST_API_SECRET

SHOPIFY_SHOP = "demo-shop.myshopify.com"
STORE_URL = "https://tienda.example/"
ANA_CUSTOMER = "7001"
ANA_EMAIL = "ana@example.com"
FRIEND_EMAIL = "luis@example.com"
REWARD_CODE = "REWARD-AAAAA-BBBBB"


async def sandbox_shop(runtime: Runtime) -> Shop:
    """The demo's sandbox shop: 10 % for friends, 10 € for the advocate, storefront at STORE_URL."""
    return await demo.set_up(runtime, STORE_URL)


async def shopify_shop(runtime: Runtime) -> Shop:
    """An installed Shopify shop on the program defaults."""
    creds = StoreCredentials(platform="shopify", shop=SHOPIFY_SHOP, access_token="shpat_test")
    return await save_credentials(runtime, creds)


@dataclass(frozen=True)
class History:
    """An advocate with clicks, a friend who bought, and an issued reward code."""

    advocate: Advocate
    code: str


async def advocate_with_history(runtime: Runtime, shop: Shop, now: datetime) -> History:
    """Ana: signed-in customer 7001 with an email, two clicks, one friend, one issued reward."""
    enrolled = await advocates.enrol_advocate(
        runtime, shop, customer_id=ANA_CUSTOMER, email=ANA_EMAIL, name="Ana"
    )
    ana = enrolled.advocate
    for _ in range(2):
        await LinkClick.create(shop=shop, advocate=ana, clicked_at=now)
    referral = await Referral.create(
        shop=shop, advocate=ana, qualifying_key="order:9001", order_id="9001",
        friend_email=FRIEND_EMAIL, state="rewarded", program_version=1, currency="EUR",
        created_at=now, updated_at=now,
    )  # fmt: skip
    await Reward.create(
        shop=shop, referral=referral, advocate=ana, idempotency_key="reward:9001", side="advocate",
        kind="fixed_amount_discount", amount=Decimal("10.00"), currency="EUR",
        recipient_customer_id=ANA_CUSTOMER, recipient_email=ANA_EMAIL, code=REWARD_CODE,
        status="issued", created_at=now, updated_at=now,
    )  # fmt: skip
    return History(ana, ana.friend_code)


def proxy_query(
    now: datetime,
    customer: str = "",
    *,
    shop: str = SHOPIFY_SHOP,
    secret: str = TEST_API_SECRET,
    extra: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """The query Shopify's App Proxy forwards, signed."""
    pairs = [
        *(extra or []),
        ("shop", shop),
        ("logged_in_customer_id", customer),
        ("path_prefix", "/apps/referrals"),
        ("timestamp", str(int(now.timestamp()))),
    ]
    return [*pairs, ("signature", proxy_signature(pairs, secret))]


def token_headers(runtime: Runtime, customer: str | None = None) -> dict[str, str]:
    """The headers a sandbox page's widget sends."""
    return {"X-Referral-Token": demo.page_token(runtime, customer)}


SANDBOX = {"platform": demo.PLATFORM, "shop": demo.SHOP}
