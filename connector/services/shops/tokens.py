"""Fresh store credentials: expiring offline tokens are refreshed before they lapse, once at a time.

Shopify's refresh token rotates: each refresh returns a new one, and the old one stops working
once the new one is used. Two refreshes racing with the same refresh token would leave one side
holding a dead token, so a refresh runs under two locks:

- in-process, a per-shop asyncio.Lock: tasks of one process queue instead of polling;
- across processes, a lease in the shop row (`refresh_lease_token`, `refresh_lease_until`) taken
  by one conditional UPDATE (compare-and-set). A process that loses either uses the current
  token while it is still valid, or polls the row until the winner has stored the new token (or
  the lease lapses because the winner died, and it takes the lease itself).

A refused refresh (revoked, invalid_client) marks the shop `needs_reauth` with the reason and
raises ReauthRequired; the merchant opening the app repairs it (shops.install).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import weakref
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from connector.errors import ConnectorError
from connector.services.base.messages import enqueue
from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import credentials_of, save_credentials
from connector.store.models import Shop, ShopStatus
from platforms.base import (
    PlatformAuthError,
    PlatformError,
    PlatformRateLimited,
    PlatformUnavailable,
    StoreCredentials,
)

log = logging.getLogger("connector.tokens")

# Longer than one refresh can take (20 s HTTP timeout, the library retries a 5xx twice).
LEASE_SECONDS = 90.0
POLL_SECONDS = 0.05
# A loser that sees the current token valid for this long uses it instead of waiting.
USABLE_SECONDS = 30.0

_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], asyncio.Lock]]
_LOCKS = weakref.WeakKeyDictionary()


class ReauthRequired(PlatformAuthError):
    """The shop has no usable credentials: the merchant must open the app again (or reinstall)."""

    def __init__(self, shop: str, status: str, reason: str) -> None:
        super().__init__(f"{shop} needs re-authorisation (status {status}): {reason}")
        self.shop = shop
        self.status = status
        self.reason = reason


@runtime_checkable
class TokenGrants(Protocol):
    """An adapter that obtains offline tokens itself (Shopify), with expiries on our clock."""

    async def exchange_session_token(
        self, id_token: str, *, now: datetime | None = None
    ) -> StoreCredentials:
        """Verify a session token and exchange it for an offline token."""
        ...

    async def exchange_code(
        self, shop: str, code: str, *, now: datetime | None = None
    ) -> StoreCredentials:
        """Exchange an authorization code for an offline token."""
        ...

    async def refresh_credentials(
        self, creds: StoreCredentials, *, now: datetime | None = None
    ) -> StoreCredentials:
        """Refresh (rotating the refresh token); PlatformAuthError if revoked."""
        ...


def shop_lock(platform: str, domain: str) -> asyncio.Lock:
    """The in-process lock that serialises token work (refresh, exchange) for one shop."""
    locks = _LOCKS.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault((platform, domain), asyncio.Lock())


def _margin(runtime: Runtime) -> timedelta:
    return timedelta(seconds=runtime.settings.shopify.refresh_margin_seconds)


def _needs_refresh(row: Shop, now: datetime, margin: timedelta) -> bool:
    return row.access_expires_at is not None and row.access_expires_at <= now + margin


def _require_active(row: Shop | None, domain: str) -> Shop:
    if row is None:
        raise ReauthRequired(domain, "not installed", "the app is not installed in this shop")
    if row.status != ShopStatus.ACTIVE or row.access_token is None:
        raise ReauthRequired(row.domain, row.status, row.status_reason or "no stored token")
    return row


async def fresh_credentials(
    runtime: Runtime, shop: Shop | str, *, platform: str = "shopify"
) -> StoreCredentials:
    """The shop's decrypted credentials, refreshed first if the token expires within the margin.

    Raises ReauthRequired when the shop is not active or its refresh is refused (the shop is
    then marked needs_reauth), PlatformUnavailable/PlatformRateLimited when a needed refresh
    could not be done now (retry later).
    """
    if isinstance(shop, Shop):
        platform, domain = shop.platform, shop.domain
    else:
        domain = shop
    creds, _ = await _fresh(runtime, platform, domain)
    return creds


async def refresh_expiring_tokens(runtime: Runtime) -> int:
    """Refresh every active shop whose token expires within the margin; return how many were."""
    due = await Shop.filter(
        status=ShopStatus.ACTIVE,
        refresh_token__isnull=False,
        access_expires_at__lte=runtime.now() + _margin(runtime),
    ).order_by("access_expires_at")
    refreshed = 0
    for row in due:
        try:
            _, did = await _fresh(runtime, row.platform, row.domain)
        except (PlatformError, ConnectorError) as exc:
            # One shop's failure (already recorded on it) must not stop the others.
            log.warning("shop %s: token refresh not done: %s", row.domain, exc)
            continue
        refreshed += did
    return refreshed


async def _fresh(runtime: Runtime, platform: str, domain: str) -> tuple[StoreCredentials, bool]:
    """Credentials and whether this call refreshed them."""
    row = _require_active(await Shop.filter(platform=platform, domain=domain).first(), domain)
    if not _needs_refresh(row, runtime.now(), _margin(runtime)):
        return credentials_of(runtime, row), False
    async with shop_lock(platform, domain):
        return await _refresh_under_lease(runtime, row.id, domain)


async def _refresh_under_lease(
    runtime: Runtime, shop_id: int, domain: str
) -> tuple[StoreCredentials, bool]:
    lease = secrets.token_hex(16)
    margin = _margin(runtime)
    for _ in range(int((LEASE_SECONDS + 10) / POLL_SECONDS)):
        row = _require_active(await Shop.filter(id=shop_id).first(), domain)
        now = runtime.now()
        if not _needs_refresh(row, now, margin):
            return credentials_of(runtime, row), False
        # One conditional UPDATE: free or lapsed lease, and the token still needs refreshing
        # (a refresh stored since our read makes it fail, and the next read sees the new token).
        taken = await Shop.filter(
            Q(refresh_lease_until__isnull=True) | Q(refresh_lease_until__lt=now),
            id=shop_id,
            access_expires_at__lte=now + margin,
        ).update(
            refresh_lease_token=lease,
            refresh_lease_until=now + timedelta(seconds=LEASE_SECONDS),
        )
        if taken:
            return await _refresh_holding(runtime, shop_id, lease)
        usable_until = now + timedelta(seconds=USABLE_SECONDS)
        if row.access_expires_at is not None and row.access_expires_at > usable_until:
            return credentials_of(runtime, row), False
        log.debug("shop %s: token refresh held by another process, waiting", domain)
        await asyncio.sleep(POLL_SECONDS)
    raise PlatformUnavailable(f"{domain}: another process has held the token refresh too long")


async def _refresh_holding(
    runtime: Runtime, shop_id: int, lease: str
) -> tuple[StoreCredentials, bool]:
    """Refresh while holding the lease; store the result or record why it failed."""
    row = await Shop.get(id=shop_id)
    creds = credentials_of(runtime, row)
    now = runtime.now()
    try:
        if creds.refresh_token is None or (
            creds.refresh_token_expires_at is not None and creds.refresh_token_expires_at <= now
        ):
            raise PlatformAuthError(f"{row.domain}: the refresh token is missing or expired")
        fresh = await _call_refresh(runtime, creds, now)
    except PlatformAuthError as exc:
        await _mark_needs_reauth(row, lease, str(exc), now)
        raise ReauthRequired(row.domain, ShopStatus.NEEDS_REAUTH, str(exc)) from exc
    except (PlatformUnavailable, PlatformRateLimited) as exc:
        await _release(shop_id, lease)
        if creds.expires_at is not None and creds.expires_at > now:
            # Refreshing early failed, but the current token still works: use it, retry later.
            log.warning("shop %s: early refresh failed, token still valid: %s", row.domain, exc)
            return creds, False
        raise
    except BaseException:
        await _release(shop_id, lease)
        raise
    await _store(runtime, shop_id, lease, fresh)
    log.info("shop %s: access token refreshed, valid until %s", row.domain, fresh.expires_at)
    return fresh, True


async def _call_refresh(
    runtime: Runtime, creds: StoreCredentials, now: datetime
) -> StoreCredentials:
    adapter = runtime.adapter(creds.platform)
    if isinstance(adapter, TokenGrants):
        return await adapter.refresh_credentials(creds, now=now)
    return await adapter.refresh_credentials(creds)


async def _store(runtime: Runtime, shop_id: int, lease: str, fresh: StoreCredentials) -> None:
    async with in_transaction() as tx:
        current = await Shop.filter(id=shop_id).using_db(tx).select_for_update().first()
        # Uninstalled while we refreshed: the new token must not bring the shop back.
        status = current.status if current is not None else "deleted"
        if status == ShopStatus.ACTIVE:
            await save_credentials(runtime, fresh, using_db=tx)
        await (
            Shop.filter(id=shop_id, refresh_lease_token=lease)
            .using_db(tx)
            .update(refresh_lease_token=None, refresh_lease_until=None)
        )
    if status != ShopStatus.ACTIVE:
        raise ReauthRequired(fresh.shop, status, "the shop changed status during the refresh")


async def _mark_needs_reauth(shop: Shop, lease: str, reason: str, now: datetime) -> None:
    """Mark the shop as waiting for its merchant, and tell the merchant, in one transaction."""
    async with in_transaction() as tx:
        marked = (
            await Shop.filter(id=shop.id, refresh_lease_token=lease)
            .using_db(tx)
            .update(
                status=ShopStatus.NEEDS_REAUTH,
                status_reason=reason[:1000],
                refresh_lease_token=None,
                refresh_lease_until=None,
            )
        )
        if marked:  # the lease is this refresh's own: the message is keyed by it
            why = {"why": reason[:300]}
            await enqueue(tx, shop, "reauth_needed", f"refresh-{lease}", now=now, context=why)
    log.warning("shop %s: refresh refused, marked needs_reauth: %s", shop.domain, reason)


async def _release(shop_id: int, lease: str) -> None:
    await Shop.filter(id=shop_id, refresh_lease_token=lease).update(
        refresh_lease_token=None, refresh_lease_until=None
    )
