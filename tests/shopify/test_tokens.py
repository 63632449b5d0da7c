"""services.shops.tokens: refresh before expiry, once at a time, and a refused refresh marks the shop."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

import pytest
import respx

from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import save_credentials
from connector.services.shops.tokens import (
    ReauthRequired,
    fresh_credentials,
    refresh_expiring_tokens,
)
from connector.store.models import Shop, ShopStatus
from platforms.base import PlatformRateLimited, PlatformUnavailable, StoreCredentials
from tests.conftest import TEST_API_KEY, TEST_API_SECRET, Clock
from tests.shopify.factories import SHOP, TOKEN_URL, installed_shop, token_answer

ROTATED = token_answer("shpat_refreshed_0002", "shprt_rotated_0002")


async def stored(runtime: Runtime, domain: str = SHOP) -> tuple[Shop, str, str | None]:
    shop = await Shop.get(platform="shopify", domain=domain)
    return (
        shop,
        runtime.vault.decrypt(shop.access_token or ""),
        runtime.vault.decrypt_optional(shop.refresh_token),
    )


async def test_token_far_from_expiry_is_returned_without_refreshing(
    runtime: Runtime, clock: Clock
) -> None:
    await installed_shop(runtime)
    clock.advance(seconds=3600 - 301)
    with respx.mock:
        refresh = respx.post(TOKEN_URL).respond(200, json=ROTATED)

        creds = await fresh_credentials(runtime, SHOP)

    assert creds.access_token == "shpat_current_0001"
    assert refresh.call_count == 0


async def test_expiring_token_is_refreshed_and_the_rotated_refresh_token_stored(
    runtime: Runtime, clock: Clock
) -> None:
    await installed_shop(runtime)
    clock.advance(seconds=3600 - 299)
    with respx.mock:
        refresh = respx.post(TOKEN_URL).respond(200, json=ROTATED)

        creds = await fresh_credentials(runtime, SHOP)

    assert json.loads(refresh.calls[0].request.content) == {
        "client_id": TEST_API_KEY,
        "client_secret": TEST_API_SECRET,
        "grant_type": "refresh_token",
        "refresh_token": "shprt_current_0001",
    }
    assert (creds.access_token, creds.refresh_token) == (
        "shpat_refreshed_0002",
        "shprt_rotated_0002",
    )
    shop, access, refresh_token = await stored(runtime)
    assert (access, refresh_token) == ("shpat_refreshed_0002", "shprt_rotated_0002")
    assert shop.access_expires_at == clock.now + timedelta(seconds=3600)
    assert shop.refresh_expires_at == clock.now + timedelta(seconds=7_776_000)
    assert shop.status == ShopStatus.ACTIVE
    assert (shop.refresh_lease_token, shop.refresh_lease_until) == (None, None)


@pytest.mark.parametrize(
    ("status", "body"),
    [(400, {"error": "invalid_grant"}), (401, {"errors": "[API] Invalid API key or access token"})],
    ids=["invalid_grant", "401"],
)
async def test_refused_refresh_marks_needs_reauth_and_raises(
    runtime: Runtime, clock: Clock, status: int, body: dict[str, str]
) -> None:
    await installed_shop(runtime)
    clock.advance(seconds=3600 - 60)
    with respx.mock:
        refresh = respx.post(TOKEN_URL).respond(status, json=body)

        with pytest.raises(ReauthRequired) as caught:
            await fresh_credentials(runtime, SHOP)

    assert refresh.call_count == 1
    assert caught.value.shop == SHOP
    assert caught.value.status == ShopStatus.NEEDS_REAUTH
    shop, access, refresh_token = await stored(runtime)
    assert shop.status == ShopStatus.NEEDS_REAUTH
    assert shop.status_reason == caught.value.reason
    assert f"{SHOP}: token refresh failed" in caught.value.reason
    # Nothing new was stored and the lease is free for the re-install.
    assert (access, refresh_token) == ("shpat_current_0001", "shprt_current_0001")
    assert (shop.refresh_lease_token, shop.refresh_lease_until) == (None, None)


async def test_shop_needing_reauth_raises_without_calling_shopify(runtime: Runtime) -> None:
    shop = await installed_shop(runtime)
    await Shop.filter(id=shop.id).update(status=ShopStatus.NEEDS_REAUTH, status_reason="revoked")
    with respx.mock:
        refresh = respx.post(TOKEN_URL).respond(200, json=ROTATED)

        with pytest.raises(ReauthRequired) as caught:
            await fresh_credentials(runtime, SHOP)

    assert (caught.value.status, caught.value.reason) == (ShopStatus.NEEDS_REAUTH, "revoked")
    assert refresh.call_count == 0


async def test_two_concurrent_callers_make_exactly_one_refresh(
    runtime: Runtime, clock: Clock
) -> None:
    await installed_shop(runtime)
    clock.advance(seconds=3600 - 10)
    with respx.mock:
        refresh = respx.post(TOKEN_URL).respond(200, json=ROTATED)

        first, second = await asyncio.gather(
            fresh_credentials(runtime, SHOP), fresh_credentials(runtime, SHOP)
        )

    assert refresh.call_count == 1
    assert first.access_token == second.access_token == "shpat_refreshed_0002"
    assert second.refresh_token == "shprt_rotated_0002"


async def test_lease_held_elsewhere_with_a_still_valid_token_uses_the_current_token(
    runtime: Runtime, clock: Clock
) -> None:
    shop = await installed_shop(runtime)
    clock.advance(seconds=3600 - 200)
    await Shop.filter(id=shop.id).update(
        refresh_lease_token="other-process", refresh_lease_until=clock.now + timedelta(seconds=60)
    )
    with respx.mock:
        refresh = respx.post(TOKEN_URL).respond(200, json=ROTATED)

        creds = await fresh_credentials(runtime, SHOP)

    assert creds.access_token == "shpat_current_0001"
    assert refresh.call_count == 0
    assert (await Shop.get(id=shop.id)).refresh_lease_token == "other-process"


class SignalOn(logging.Handler):
    """Sets an event when a log record containing `text` is emitted."""

    def __init__(self, text: str, event: asyncio.Event) -> None:
        super().__init__(logging.DEBUG)
        self.text = text
        self.event = event

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


async def test_lease_held_elsewhere_with_an_expired_token_waits_for_the_new_one(
    runtime: Runtime, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    shop = await installed_shop(runtime)
    clock.advance(seconds=3600 + 5)
    await Shop.filter(id=shop.id).update(
        refresh_lease_token="other-process", refresh_lease_until=clock.now + timedelta(seconds=60)
    )
    waiting = asyncio.Event()
    caplog.set_level(logging.DEBUG, logger="connector.tokens")
    signal = SignalOn("held by another process, waiting", waiting)
    logging.getLogger("connector.tokens").addHandler(signal)

    async def other_process_finishes_its_refresh() -> None:
        # Only once our caller is polling, so the test always exercises the wait.
        await waiting.wait()
        await save_credentials(runtime, StoreCredentials(
            platform="shopify", shop=SHOP, access_token="shpat_other_0003",
            expires_at=clock.now + timedelta(hours=1), refresh_token="shprt_other_0003",
        ))
        await Shop.filter(id=shop.id).update(refresh_lease_token=None, refresh_lease_until=None)

    try:
        with respx.mock:
            refresh = respx.post(TOKEN_URL).respond(200, json=ROTATED)

            creds, _ = await asyncio.gather(
                fresh_credentials(runtime, SHOP), other_process_finishes_its_refresh()
            )
    finally:
        logging.getLogger("connector.tokens").removeHandler(signal)

    assert waiting.is_set()
    assert (creds.access_token, creds.refresh_token) == ("shpat_other_0003", "shprt_other_0003")
    assert refresh.call_count == 0


async def test_lapsed_lease_of_a_dead_process_is_taken_over(runtime: Runtime, clock: Clock) -> None:
    shop = await installed_shop(runtime)
    clock.advance(seconds=3600 + 5)
    await Shop.filter(id=shop.id).update(
        refresh_lease_token="dead-process", refresh_lease_until=clock.now - timedelta(seconds=1)
    )
    with respx.mock:
        refresh = respx.post(TOKEN_URL).respond(200, json=ROTATED)

        creds = await fresh_credentials(runtime, SHOP)

    assert creds.access_token == "shpat_refreshed_0002"
    assert refresh.call_count == 1
    assert (await Shop.get(id=shop.id)).refresh_lease_token is None


async def test_shopify_down_during_an_early_refresh_keeps_the_valid_token(
    runtime: Runtime, clock: Clock
) -> None:
    await installed_shop(runtime)
    clock.advance(seconds=3600 - 120)
    with respx.mock:
        respx.post(TOKEN_URL).respond(503)

        creds = await fresh_credentials(runtime, SHOP)

    assert creds.access_token == "shpat_current_0001"
    shop, _, _ = await stored(runtime)
    assert (shop.status, shop.refresh_lease_token) == (ShopStatus.ACTIVE, None)


async def test_shopify_down_with_an_expired_token_raises_unavailable(
    runtime: Runtime, clock: Clock
) -> None:
    await installed_shop(runtime)
    clock.advance(seconds=3600 + 1)
    with respx.mock:
        respx.post(TOKEN_URL).respond(502)

        with pytest.raises(PlatformUnavailable):
            await fresh_credentials(runtime, SHOP)

    shop, _, _ = await stored(runtime)
    assert (shop.status, shop.refresh_lease_token) == (ShopStatus.ACTIVE, None)


async def test_rate_limited_refresh_raises_with_retry_after(runtime: Runtime, clock: Clock) -> None:
    await installed_shop(runtime)
    clock.advance(seconds=3600 + 1)
    with respx.mock:
        respx.post(TOKEN_URL).respond(429, headers={"Retry-After": "7"})

        with pytest.raises(PlatformRateLimited) as caught:
            await fresh_credentials(runtime, SHOP)

    assert caught.value.retry_after == 7.0
    shop, _, _ = await stored(runtime)
    assert shop.status == ShopStatus.ACTIVE


async def test_periodic_job_refreshes_due_shops_and_survives_a_refused_one(
    runtime: Runtime, clock: Clock
) -> None:
    await installed_shop(runtime)
    await installed_shop(runtime, shop="revoked-shop.myshopify.com", refresh="shprt_revoked")
    clock.advance(minutes=5)
    await installed_shop(runtime, shop="fresh-shop.myshopify.com", access="shpat_fresh_0009")
    clock.advance(seconds=3600 - 5 * 60 - 100)
    with respx.mock:
        ours = respx.post(TOKEN_URL).respond(200, json=ROTATED)
        revoked = respx.post("https://revoked-shop.myshopify.com/admin/oauth/access_token").respond(
            400, json={"error": "invalid_grant"}
        )
        fresh = respx.post("https://fresh-shop.myshopify.com/admin/oauth/access_token").respond(
            200, json=ROTATED
        )

        count = await refresh_expiring_tokens(runtime)

    assert count == 1
    assert (ours.call_count, revoked.call_count, fresh.call_count) == (1, 1, 0)
    assert (await stored(runtime))[1] == "shpat_refreshed_0002"
    marked = await Shop.get(domain="revoked-shop.myshopify.com")
    assert marked.status == ShopStatus.NEEDS_REAUTH
    untouched, access, _ = await stored(runtime, "fresh-shop.myshopify.com")
    assert (untouched.status, access) == (ShopStatus.ACTIVE, "shpat_fresh_0009")
