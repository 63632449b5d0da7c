"""Installing a shop: turn Shopify's proof (a session token, or an OAuth code) into stored
offline credentials.

An install registers nothing else: webhook subscriptions are app-wide, declared in
shopify.app.toml (`connector shopify-config`). Installing again after an uninstall, or after a
refused refresh (`needs_reauth`), is the same path: save_credentials makes the shop active again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TypeGuard

from tortoise.exceptions import IntegrityError

from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import save_credentials
from connector.services.shops.tokens import TokenGrants, shop_lock
from connector.store.models import Shop, ShopStatus
from platforms.base import PlatformRejected, StoreCredentials

log = logging.getLogger("connector.install")

OAUTH_CALLBACK_PATH = "/auth/callback"


@dataclass(frozen=True)
class InstallOutcome:
    """Where a shop stands after an install step, and whether a new token was stored."""

    shop: str
    status: str
    exchanged: bool


def token_grants(runtime: Runtime, platform: str = "shopify") -> TokenGrants:
    """The adapter that obtains tokens for a platform (PlatformRejected if it has no such flow)."""
    adapter = runtime.adapter(platform)
    if not isinstance(adapter, TokenGrants):
        raise PlatformRejected(f"{platform} does not install by token exchange or OAuth code")
    return adapter


def has_usable_token(row: Shop | None, now: datetime) -> TypeGuard[Shop]:
    """True when the shop is active with a token that works now or can be refreshed."""
    if row is None or row.status != ShopStatus.ACTIVE or row.access_token is None:
        return False
    if row.access_expires_at is None or row.access_expires_at > now:
        return True
    return row.refresh_token is not None and (
        row.refresh_expires_at is None or row.refresh_expires_at > now
    )


async def shop_status(shop: str, platform: str = "shopify") -> str | None:
    """The shop's install status (active, needs_reauth, uninstalled), or None if unknown."""
    row = await Shop.filter(platform=platform, domain=shop).first()
    return None if row is None else str(row.status)


async def install_from_session(runtime: Runtime, shop: str, id_token: str) -> InstallOutcome:
    """On an App Home load: keep a usable offline token, else exchange the session token."""
    row = await Shop.filter(platform="shopify", domain=shop).first()
    if has_usable_token(row, runtime.now()):
        return InstallOutcome(shop, str(row.status), exchanged=False)
    # Two tabs opening the app at once exchange once; the second sees the stored token.
    async with shop_lock("shopify", shop):
        row = await Shop.filter(platform="shopify", domain=shop).first()
        if has_usable_token(row, runtime.now()):
            return InstallOutcome(shop, str(row.status), exchanged=False)
        creds = await token_grants(runtime).exchange_session_token(id_token, now=runtime.now())
        if creds.shop != shop:
            raise PlatformRejected(f"the session token is for {creds.shop}, not {shop}")
        saved = await _save(runtime, creds)
    log.info("shop %s: installed by token exchange (scopes %s)", shop, saved.scopes)
    return InstallOutcome(shop, str(saved.status), exchanged=True)


async def install_from_code(runtime: Runtime, shop: str, code: str) -> InstallOutcome:
    """After /auth/callback: exchange the authorization code and store the offline token."""
    creds = await token_grants(runtime).exchange_code(shop, code, now=runtime.now())
    saved = await _save(runtime, creds)
    log.info("shop %s: installed by authorization code (scopes %s)", shop, saved.scopes)
    return InstallOutcome(creds.shop, str(saved.status), exchanged=True)


async def _save(runtime: Runtime, creds: StoreCredentials) -> Shop:
    try:
        return await save_credentials(runtime, creds)
    except IntegrityError:
        # Another process inserted the shop between save_credentials' read and insert; the row
        # exists now, so the second attempt updates it.
        return await save_credentials(runtime, creds)
