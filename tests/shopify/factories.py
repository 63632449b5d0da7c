"""Builders for the Shopify install tests: session tokens, signed queries, token answers, shops."""

from __future__ import annotations

import time
import warnings
from datetime import datetime, timedelta
from typing import Any

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import save_credentials
from connector.store.models import Shop
from platforms.base import StoreCredentials
from platforms.shopify.auth import query_hmac
from tests.conftest import TEST_API_KEY, TEST_API_SECRET
from tests.support.fake_shopify import ACCESS_TOKEN, FakeShopify

SHOP = "referral-test.myshopify.com"
TOKEN_URL = f"https://{SHOP}/admin/oauth/access_token"
SCOPES = "write_customers,read_orders,write_discounts,write_gift_cards,write_store_credit_account_transactions"


def session_token(
    *,
    shop: str = SHOP,
    iss: str | None = None,
    dest: str | None = None,
    aud: str = TEST_API_KEY,
    secret: str = TEST_API_SECRET,
    expires_in: int = 60,
) -> str:
    """An App Bridge session token, HS256, timed by the wall clock (PyJWT verifies against it)."""
    now = int(time.time())
    claims = {
        "iss": iss if iss is not None else f"https://{shop}/admin",
        "dest": dest if dest is not None else f"https://{shop}",
        "aud": aud,
        "sub": "42",
        "exp": now + expires_in,
        "nbf": min(now, now + expires_in) - 60,
        "iat": min(now, now + expires_in) - 60,
        "jti": "5f1c0d6e-8a1b-4c2d-9e3f-0a1b2c3d4e5f",
        "sid": "b6b4c7a2e9d8f7a6",
    }
    with warnings.catch_warnings():
        # The suite's test secrets are shorter than PyJWT's recommended 32 bytes, on purpose.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm="HS256")


def signed_query(params: dict[str, str], secret: str = TEST_API_SECRET) -> dict[str, str]:
    """`params` plus the hmac Shopify would add."""
    return {**params, "hmac": query_hmac(params, secret)}


def token_answer(
    access: str = "shpat_exchanged_0001",
    refresh: str = "shprt_refresh_0001",
    *,
    expires_in: int = 3600,
    refresh_expires_in: int = 7_776_000,
) -> dict[str, Any]:
    """The token endpoint's JSON for an expiring offline token."""
    return {
        "access_token": access,
        "scope": SCOPES,
        "expires_in": expires_in,
        "refresh_token": refresh,
        "refresh_token_expires_in": refresh_expires_in,
    }


async def installed_shop(
    runtime: Runtime,
    *,
    shop: str = SHOP,
    access: str = "shpat_current_0001",
    refresh: str | None = "shprt_current_0001",
    expires_in: timedelta | None = timedelta(hours=1),
    refresh_expires_in: timedelta = timedelta(days=90),
) -> Shop:
    """A shop installed now (by the runtime clock) with an expiring offline token."""
    now: datetime = runtime.now()
    creds = StoreCredentials(
        platform="shopify",
        shop=shop,
        access_token=access,
        scopes=tuple(SCOPES.split(",")),
        expires_at=now + expires_in if expires_in is not None else None,
        refresh_token=refresh,
        refresh_token_expires_at=now + refresh_expires_in if refresh else None,
    )
    return await save_credentials(runtime, creds)


async def _no_sleep(_seconds: float) -> None:
    """The Admin client's retry pause, skipped: tests never sleep."""


async def install_on_fake(runtime: Runtime, fake: FakeShopify) -> Shop:
    """The fake store's shop, installed with its token; client retry pauses are skipped.

    The token never expires: these tests move the clock by days or weeks without refreshing.
    """
    adapter: Any = runtime.adapter("shopify")
    adapter.graphql.sleep = _no_sleep
    return await installed_shop(
        runtime, shop=fake.shop, access=ACCESS_TOKEN, refresh=None, expires_in=None
    )
