"""Fixtures of the admin API tests: an installed Shopify shop, its session token, and orders.

The shop is installed against the fake Admin API (with a token that does not expire), so an
order webhook goes the whole way: signed POST to /webhooks/shopify, then the worker, which asks
the fake store whether the friend is a new customer.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.programs import save_program
from connector.store.models import Shop
from tests.shopify.factories import install_on_fake, installed_shop, session_token
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import encode, signed_headers

OTHER_SHOP = "other-shop.myshopify.com"
RETRY = "X-Shopify-Retry-Invalid-Session-Request"
# Euros, like the order bodies of tests.support.shopify_payloads.
PROGRAM: dict[str, Any] = {
    "currency": "EUR",
    "name": "Give 10%, get 10 EUR",
    "hold_days": 14,
    "rewarded": "both",
    "friend_offer": {"kind": "percentage_discount", "value": "10"},
    "advocate_reward": {"kind": "store_credit", "value": "10.00"},
    "min_subtotal": "20.00",
}
# The suite's test secrets are shorter than PyJWT's recommended 32 bytes; that is not under test.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def bearer(shop: str | None = None) -> dict[str, str]:
    """The Authorization header of a valid session token for `shop` (the test shop by default)."""
    token = session_token(shop=shop) if shop else session_token()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def shop(runtime: Runtime, fake_shopify: FakeShopify) -> Shop:
    """The test shop, installed with the fake's token (the shop the session tokens name)."""
    return await install_on_fake(runtime, fake_shopify)


@pytest.fixture
async def program_shop(runtime: Runtime, shop: Shop) -> Shop:
    """The test shop with PROGRAM saved as version 1."""
    await save_program(runtime, shop, PROGRAM, actor="test")
    return shop


@pytest.fixture
async def other_shop(runtime: Runtime) -> Shop:
    """A second installed shop, whose data the test shop must never reach."""
    return await installed_shop(runtime, shop=OTHER_SHOP)


async def deliver_order(
    client: httpx.AsyncClient, runtime: Runtime, body: dict[str, Any], webhook_id: str
) -> None:
    """Send a signed orders/paid webhook to the app, then let the worker process it."""
    raw = encode(body)
    answer = await client.post(
        "/webhooks/shopify", content=raw, headers=signed_headers(raw, "orders/paid", webhook_id)
    )
    assert answer.status_code == 200
    assert await build_worker(runtime).drain() == {"done": 1}
