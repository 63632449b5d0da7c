"""GET /auth and /auth/callback: the authorization-code grant for non-embedded installs."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from connector.services.base.runtime import Runtime
from connector.store.models import Shop, ShopStatus
from tests.conftest import TEST_API_KEY, TEST_API_SECRET, TEST_PREVIOUS_SECRET, Clock
from tests.shopify.factories import SCOPES, SHOP, TOKEN_URL, signed_query, token_answer


def install_query(clock: Clock, **extra: str) -> dict[str, str]:
    return signed_query({"shop": SHOP, "timestamp": str(int(clock.now.timestamp())), **extra})


async def start(app_client: httpx.AsyncClient, clock: Clock) -> str:
    """GET /auth as Shopify sends it; return the state nonce from the redirect."""
    answer = await app_client.get("/auth", params=install_query(clock))
    assert answer.status_code == 302
    return parse_qs(urlsplit(answer.headers["location"]).query)["state"][0]


def callback_query(clock: Clock, state: str, **change: str) -> dict[str, str]:
    params = {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvcmVmZXJyYWwtdGVzdA",
        "shop": SHOP,
        "state": state,
        "timestamp": str(int(clock.now.timestamp())),
    }
    return {**signed_query(params), **change}


async def test_start_redirects_to_authorize_with_a_state_cookie(
    app_client: httpx.AsyncClient, clock: Clock
) -> None:
    answer = await app_client.get("/auth", params=install_query(clock))

    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert (location.scheme, location.netloc) == ("https", SHOP)
    assert location.path == "/admin/oauth/authorize"
    query = parse_qs(location.query)
    state = query.pop("state")[0]
    assert len(state) == 64
    assert set(state) <= set("0123456789abcdef")
    assert query == {
        "client_id": [TEST_API_KEY],
        "scope": [SCOPES],
        "redirect_uri": ["https://connector.example.com/auth/callback"],
    }
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("shopify_app_state=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert attributes == {
        "httponly",
        "max-age=300",
        "path=/auth/callback",
        "samesite=lax",
        "secure",
    }


async def test_start_signed_with_previous_secret_is_accepted(
    app_client: httpx.AsyncClient, clock: Clock
) -> None:
    params = signed_query(
        {"shop": SHOP, "timestamp": str(int(clock.now.timestamp()))}, secret=TEST_PREVIOUS_SECRET
    )

    answer = await app_client.get("/auth", params=params)

    assert answer.status_code == 302


@pytest.mark.parametrize(
    "shop", ["", "evil.example.com", "shop.myshopify.com.evil.com", "a/b.myshopify.com"]
)
async def test_start_with_a_bad_shop_is_400(
    app_client: httpx.AsyncClient, clock: Clock, shop: str
) -> None:
    params = signed_query({"shop": shop, "timestamp": str(int(clock.now.timestamp()))})

    answer = await app_client.get("/auth", params=params)

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "missing or invalid shop parameter: expected {name}.myshopify.com"
    }
    assert "set-cookie" not in answer.headers


async def test_start_with_a_bad_hmac_is_401(app_client: httpx.AsyncClient, clock: Clock) -> None:
    params = {**install_query(clock), "hmac": "0" * 64}

    answer = await app_client.get("/auth", params=params)

    assert answer.status_code == 401
    assert answer.json() == {
        "error": "the hmac parameter does not match the query",
        "reason": "bad_hmac",
    }
    assert "set-cookie" not in answer.headers


async def test_start_with_an_old_timestamp_is_401(
    app_client: httpx.AsyncClient, clock: Clock
) -> None:
    params = signed_query({"shop": SHOP, "timestamp": str(int(clock.now.timestamp()) - 91)})

    answer = await app_client.get("/auth", params=params)

    assert answer.status_code == 401
    assert answer.json()["reason"] == "stale_timestamp"


async def test_callback_exchanges_the_code_and_stores_the_shop(
    app_client: httpx.AsyncClient, runtime: Runtime, clock: Clock
) -> None:
    state = await start(app_client, clock)
    with respx.mock:
        answer_json = token_answer("shpat_code_0001", "shprt_code_0001")
        grant = respx.post(TOKEN_URL).respond(200, json=answer_json)

        answer = await app_client.get("/auth/callback", params=callback_query(clock, state))

    assert answer.status_code == 302
    assert answer.headers["location"] == f"https://{SHOP}/admin/apps/{TEST_API_KEY}"
    assert json.loads(grant.calls[0].request.content) == {
        "client_id": TEST_API_KEY,
        "client_secret": TEST_API_SECRET,
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "expiring": "1",
    }
    shop = await Shop.get(platform="shopify", domain=SHOP)
    assert shop.status == ShopStatus.ACTIVE
    assert runtime.vault.decrypt(shop.access_token or "") == "shpat_code_0001"
    assert runtime.vault.decrypt(shop.refresh_token or "") == "shprt_code_0001"
    assert shop.access_expires_at == clock.now + timedelta(seconds=3600)
    assert 'shopify_app_state=""' in answer.headers["set-cookie"]


async def test_callback_with_tampered_hmac_is_401_and_stores_nothing(
    app_client: httpx.AsyncClient, clock: Clock
) -> None:
    state = await start(app_client, clock)
    with respx.mock:
        grant = respx.post(TOKEN_URL).respond(200, json=token_answer())

        answer = await app_client.get(
            "/auth/callback", params=callback_query(clock, state, code="attacker-code")
        )

    assert answer.status_code == 401
    assert answer.json()["reason"] == "bad_hmac"
    assert grant.call_count == 0
    assert await Shop.all().count() == 0


async def test_callback_without_the_state_cookie_is_403_and_stores_nothing(
    app_client: httpx.AsyncClient, clock: Clock
) -> None:
    state = await start(app_client, clock)
    app_client.cookies.clear()
    with respx.mock:
        grant = respx.post(TOKEN_URL).respond(200, json=token_answer())

        answer = await app_client.get("/auth/callback", params=callback_query(clock, state))

    assert answer.status_code == 403
    assert answer.json() == {
        "error": "the OAuth state is missing, expired or does not match: start again"
    }
    assert grant.call_count == 0
    assert await Shop.all().count() == 0


async def test_callback_with_a_tampered_state_cookie_is_403_and_stores_nothing(
    app_client: httpx.AsyncClient, clock: Clock
) -> None:
    state = await start(app_client, clock)
    payload, signature = app_client.cookies["shopify_app_state"].rsplit(".", 1)
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    app_client.cookies.clear()
    app_client.cookies.set(
        "shopify_app_state", forged, domain="connector.example.com", path="/auth/callback"
    )
    with respx.mock:
        grant = respx.post(TOKEN_URL).respond(200, json=token_answer())

        answer = await app_client.get("/auth/callback", params=callback_query(clock, state))

    assert answer.status_code == 403
    assert grant.call_count == 0
    assert await Shop.all().count() == 0


async def test_callback_with_another_state_is_403_and_stores_nothing(
    app_client: httpx.AsyncClient, clock: Clock
) -> None:
    await start(app_client, clock)
    with respx.mock:
        grant = respx.post(TOKEN_URL).respond(200, json=token_answer())

        answer = await app_client.get("/auth/callback", params=callback_query(clock, "f" * 64))

    assert answer.status_code == 403
    assert grant.call_count == 0
    assert await Shop.all().count() == 0


async def test_callback_after_the_state_expired_is_403(
    app_client: httpx.AsyncClient, clock: Clock
) -> None:
    state = await start(app_client, clock)
    clock.advance(seconds=301)

    answer = await app_client.get("/auth/callback", params=callback_query(clock, state))

    assert answer.status_code == 403
    assert await Shop.all().count() == 0


async def test_callback_with_a_used_code_is_502_and_stores_nothing(
    app_client: httpx.AsyncClient, clock: Clock
) -> None:
    state = await start(app_client, clock)
    with respx.mock:
        respx.post(TOKEN_URL).respond(400, json={"error": "invalid_request"})

        answer = await app_client.get("/auth/callback", params=callback_query(clock, state))

    assert answer.status_code == 502
    assert answer.json() == {
        "error": f"invalid_request: {SHOP}: authorization code exchange failed (HTTP 400)"
    }
    assert await Shop.all().count() == 0
