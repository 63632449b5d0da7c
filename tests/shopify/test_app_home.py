"""GET / (App Home): session token, token exchange on first load, CSP, bounce and retry answers."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote, urlencode

import httpx
import pytest
import respx

from connector.services.base.runtime import Runtime
from connector.store.models import Shop, ShopStatus
from tests.conftest import TEST_API_KEY, TEST_API_SECRET, Clock
from tests.shopify.factories import SHOP, TOKEN_URL, installed_shop, session_token, token_answer

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

CSP = f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
RETRY = "X-Shopify-Retry-Invalid-Session-Request"
HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvcmVmZXJyYWwtdGVzdA"
QUERY = urlencode({"embedded": "1", "host": HOST, "shop": SHOP})


async def test_first_load_exchanges_the_session_token_and_stores_it_encrypted(
    app_client: httpx.AsyncClient, runtime: Runtime, clock: Clock
) -> None:
    token = session_token()
    with respx.mock:
        exchange = respx.post(TOKEN_URL).respond(200, json=token_answer())

        answer = await app_client.get(f"/?{QUERY}&id_token={token}")

    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == CSP
    assert f'<meta name="shopify-api-key" content="{TEST_API_KEY}">' in answer.text
    assert '<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js"></script>' in answer.text
    assert "<title>Referral Connector</title>" in answer.text
    assert f'"shop": "{SHOP}"' in answer.text
    assert exchange.call_count == 1
    assert json.loads(exchange.calls[0].request.content) == {
        "client_id": TEST_API_KEY,
        "client_secret": TEST_API_SECRET,
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": token,
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
        "requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
        "expiring": 1,
    }
    shop = await Shop.get(platform="shopify", domain=SHOP)
    assert shop.status == ShopStatus.ACTIVE
    assert shop.access_token is not None
    assert shop.refresh_token is not None
    assert "shpat_exchanged_0001" not in shop.access_token
    assert "shprt_refresh_0001" not in shop.refresh_token
    assert runtime.vault.decrypt(shop.access_token) == "shpat_exchanged_0001"
    assert runtime.vault.decrypt(shop.refresh_token) == "shprt_refresh_0001"
    assert shop.access_expires_at == clock.now + timedelta(seconds=3600)
    assert shop.refresh_expires_at == clock.now + timedelta(seconds=7_776_000)
    assert shop.scopes == (
        "write_customers,read_orders,write_discounts,write_gift_cards,write_store_credit_account_transactions"
    )


async def test_second_load_with_a_usable_token_does_not_exchange_again(
    app_client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await installed_shop(runtime)
    with respx.mock:
        exchange = respx.post(TOKEN_URL).respond(200, json=token_answer())

        answer = await app_client.get(f"/app?{QUERY}&id_token={session_token()}")

    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == CSP
    assert exchange.call_count == 0
    shop = await Shop.get(domain=SHOP)
    assert runtime.vault.decrypt(shop.access_token or "") == "shpat_current_0001"


@pytest.mark.parametrize("status", [ShopStatus.UNINSTALLED, ShopStatus.NEEDS_REAUTH])
async def test_load_after_uninstall_or_refused_refresh_installs_again(
    app_client: httpx.AsyncClient, runtime: Runtime, status: ShopStatus
) -> None:
    shop = await installed_shop(runtime)
    await Shop.filter(id=shop.id).update(status=status, status_reason="gone", access_token=None)
    with respx.mock:
        exchange = respx.post(TOKEN_URL).respond(200, json=token_answer())

        answer = await app_client.get(f"/?{QUERY}&id_token={session_token()}")

    assert answer.status_code == 200
    assert exchange.call_count == 1
    again = await Shop.get(domain=SHOP)
    assert again.status == ShopStatus.ACTIVE
    assert again.status_reason is None
    assert runtime.vault.decrypt(again.access_token or "") == "shpat_exchanged_0001"


async def test_document_load_without_id_token_bounces_to_the_patch_page(
    app_client: httpx.AsyncClient,
) -> None:
    with respx.mock:
        exchange = respx.post(TOKEN_URL).respond(200, json=token_answer())

        answer = await app_client.get(f"/?{QUERY}")

    assert answer.status_code == 302
    reload = quote(f"/?{QUERY}", safe="")
    assert answer.headers["location"] == (
        f"https://connector.example.com/auth/patch-id-token?{QUERY}&shopify-reload={reload}"
    )
    assert exchange.call_count == 0
    assert await Shop.all().count() == 0


async def test_document_load_with_stale_id_token_bounces_without_the_token(
    app_client: httpx.AsyncClient,
) -> None:
    answer = await app_client.get(f"/?{QUERY}&id_token={session_token(expires_in=-60)}")

    assert answer.status_code == 302
    reload = quote(f"/?{QUERY}", safe="")
    assert answer.headers["location"] == (
        f"https://connector.example.com/auth/patch-id-token?{QUERY}&shopify-reload={reload}"
    )
    assert await Shop.all().count() == 0


async def test_fetch_with_stale_token_is_401_with_retry_header(
    app_client: httpx.AsyncClient,
) -> None:
    with respx.mock:
        exchange = respx.post(TOKEN_URL).respond(200, json=token_answer())

        answer = await app_client.get(
            "/", headers={"Authorization": f"Bearer {session_token(expires_in=-60)}"}
        )

    assert answer.status_code == 401
    assert answer.headers[RETRY] == "1"
    assert exchange.call_count == 0
    assert await Shop.all().count() == 0


async def test_fetch_with_valid_token_answers_the_shop_status(
    app_client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await installed_shop(runtime)

    answer = await app_client.get("/", headers={"Authorization": f"Bearer {session_token()}"})

    assert answer.status_code == 200
    assert answer.json() == {"shop": SHOP, "status": "active"}


async def test_session_token_shopify_refuses_in_exchange_bounces_the_document(
    app_client: httpx.AsyncClient,
) -> None:
    with respx.mock:
        respx.post(TOKEN_URL).respond(400, json={"error": "invalid_subject_token"})

        answer = await app_client.get(f"/?{QUERY}&id_token={session_token()}")

    assert answer.status_code == 302
    assert answer.headers["location"].startswith(
        f"https://connector.example.com/auth/patch-id-token?{QUERY}&shopify-reload="
    )
    assert await Shop.all().count() == 0


async def test_exchange_refused_for_invalid_client_is_403_and_stores_nothing(
    app_client: httpx.AsyncClient,
) -> None:
    with respx.mock:
        respx.post(TOKEN_URL).respond(401, json={"error": "invalid_client"})

        answer = await app_client.get(f"/?{QUERY}&id_token={session_token()}")

    assert answer.status_code == 403
    assert answer.headers["content-security-policy"] == CSP
    assert answer.json() == {"error": f"{SHOP}: token exchange failed (invalid_client, HTTP 401)"}
    assert await Shop.all().count() == 0


async def test_patch_page_loads_app_bridge_with_csp(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get(f"/auth/patch-id-token?shop={SHOP}&shopify-reload=%2F")

    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == CSP
    assert answer.text == (
        f'<script data-api-key="{TEST_API_KEY}" '
        'src="https://cdn.shopify.com/shopifycloud/app-bridge.js"></script>'
    )


async def test_patch_page_with_a_bad_shop_is_400(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/auth/patch-id-token?shop=evil.example.com&shopify-reload=%2F")

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "missing or invalid shop parameter: expected {name}.myshopify.com"
    }
