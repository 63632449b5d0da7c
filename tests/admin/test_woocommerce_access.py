"""The admin API serves a WooCommerce store through the plugin's admin token, and only that store.

A token is refused (401) when it is expired, forged, lives too long, or names a store that is
not connected; a valid one reads and changes only its own store's rows. A Shopify session token
never reaches a WooCommerce store's data and a WooCommerce token never reaches a Shopify shop's,
even when both have the same domain.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from connector.app import create_app
from connector.services.admin.access import sign_admin_token
from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import save_credentials
from connector.services.storefront.tokens import sign_token
from connector.settings import load_settings
from connector.store.models import Shop
from platforms.base import StoreCredentials
from tests.admin.conftest import PROGRAM, bearer
from tests.conftest import Clock, make_env
from tests.shopify.factories import SHOP as SHOPIFY_SHOP

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

STORE, OTHER_STORE = "store.example", "other-store.example"
KEY, OTHER_KEY = "whsec-store-key", "whsec-other-key"


async def woo_shop(runtime: Runtime, domain: str = STORE, key: str = KEY) -> Shop:
    """A connected WooCommerce store whose plugin signs with `key` (its webhook secret)."""
    creds = StoreCredentials(
        platform="woocommerce", shop=domain, access_token="ck_test",
        extra={"consumer_secret": "cs_test", "home_url": f"https://{domain}", "webhook_secret": key},
    )  # fmt: skip
    return await save_credentials(runtime, creds)


def woo_bearer(
    clock: Clock, domain: str = STORE, key: str = KEY, *, lives: int = 900, user: str = "7"
) -> dict[str, str]:
    """The header the WP admin page sends: an admin token signed as the plugin signs it."""
    token = sign_admin_token(key, domain, user, int(clock.now.timestamp()) + lives)
    return {"Authorization": f"Bearer {token}"}


async def enrol(client: httpx.AsyncClient, headers: dict[str, str], email: str) -> int:
    answer = await client.post("/admin/api/advocates", headers=headers, json={"email": email})
    assert answer.status_code == 201, answer.text
    advocate_id: int = answer.json()["advocate"]["id"]
    return advocate_id


async def emails(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    answer = await client.get("/admin/api/advocates", headers=headers)
    assert answer.status_code == 200, answer.text
    return [a["email"] for a in answer.json()["advocates"]]


async def test_the_plugins_token_reads_and_changes_its_store(
    app_client: httpx.AsyncClient, runtime: Runtime, clock: Clock
) -> None:
    await woo_shop(runtime)
    headers = woo_bearer(clock)

    await enrol(app_client, headers, "ana@example.com")
    saved = await app_client.put("/admin/api/program", headers=headers, json=PROGRAM)

    assert await emails(app_client, headers) == ["ana@example.com"]
    assert saved.status_code == 200
    assert saved.json()["created_by"] == "woocommerce:user:7"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda c: woo_bearer(c, lives=-5), "expired"),
        (lambda c: woo_bearer(c, lives=2 * 3600), "expired"),
        (lambda c: woo_bearer(c, key="not-the-key"), "signature"),
        (lambda c: woo_bearer(c, domain="unknown.example"), "unknown_shop"),
        (lambda c: {"Authorization": "Bearer wca1.bm90LWpzb24.00"}, "malformed"),
    ],
    ids=["expired", "lives-too-long", "forged", "unknown-store", "malformed"],
)
async def test_a_bad_admin_token_is_401_and_says_why(
    app_client: httpx.AsyncClient, runtime: Runtime, clock: Clock, make: object, reason: str
) -> None:
    await woo_shop(runtime)
    headers = make(clock)  # type: ignore[operator]

    answer = await app_client.get("/admin/api/advocates", headers=headers)

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid admin token"
    assert answer.json()["reason"] == reason


async def test_another_stores_token_never_reaches_this_store(
    app_client: httpx.AsyncClient, runtime: Runtime, clock: Clock
) -> None:
    await woo_shop(runtime)
    await woo_shop(runtime, OTHER_STORE, OTHER_KEY)
    ana = await enrol(app_client, woo_bearer(clock), "ana@example.com")
    # The other store's key cannot sign for this store, and its own token sees only its rows.
    forged = woo_bearer(clock, STORE, OTHER_KEY)
    other = woo_bearer(clock, OTHER_STORE, OTHER_KEY)

    refused = await app_client.get("/admin/api/advocates", headers=forged)
    theirs = await app_client.get(f"/admin/api/advocates/{ana}", headers=other)

    assert refused.status_code == 401
    assert theirs.status_code == 404
    assert await emails(app_client, other) == []


async def test_a_storefront_token_never_opens_the_admin(
    app_client: httpx.AsyncClient, runtime: Runtime, clock: Clock
) -> None:
    await woo_shop(runtime)
    storefront = sign_token(KEY, STORE, "7", int(clock.now.timestamp()) + 900)

    answer = await app_client.get(
        "/admin/api/advocates", headers={"Authorization": f"Bearer {storefront}"}
    )

    assert answer.status_code == 401


async def test_shopify_and_woocommerce_tokens_stay_on_their_own_platform(
    app_client: httpx.AsyncClient, runtime: Runtime, clock: Clock, shop: Shop
) -> None:
    # A WooCommerce store with the Shopify shop's very domain, and its own key.
    await woo_shop(runtime, SHOPIFY_SHOP)
    woo = woo_bearer(clock, SHOPIFY_SHOP)
    on_woo = await enrol(app_client, woo, "woo@example.com")
    on_shopify = await enrol(app_client, bearer(), "shopify@example.com")

    assert await emails(app_client, woo) == ["woo@example.com"]
    assert await emails(app_client, bearer()) == ["shopify@example.com"]
    cross = [
        await app_client.get(f"/admin/api/advocates/{on_shopify}", headers=woo),
        await app_client.get(f"/admin/api/advocates/{on_woo}", headers=bearer()),
    ]
    assert [a.status_code for a in cross] == [404, 404]


async def test_a_shopify_token_for_a_domain_only_woocommerce_has_is_403(
    app_client: httpx.AsyncClient, runtime: Runtime, clock: Clock
) -> None:
    await woo_shop(runtime, SHOPIFY_SHOP)

    answer = await app_client.get("/admin/api/advocates", headers=bearer())

    assert answer.status_code == 403


@pytest.fixture
async def no_shopify(
    tmp_path: Path, database_url: str, runtime: Runtime
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with no Shopify credentials set, on the test database."""
    env = make_env(tmp_path, database_url, SHOPIFY_API_KEY="", SHOPIFY_API_SECRET="")
    env.pop("SHOPIFY_API_SECRET_PREVIOUS")
    unconfigured = Runtime(load_settings(env), runtime.http, clock=runtime.clock)
    app = create_app(runtime=unconfigured, manage_db=False, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://c.example") as c:
            yield c


async def test_woocommerce_works_while_shopify_is_not_configured(
    no_shopify: httpx.AsyncClient, runtime: Runtime, clock: Clock
) -> None:
    await woo_shop(runtime)

    woo = await no_shopify.get("/admin/api/advocates", headers=woo_bearer(clock))
    shopify = await no_shopify.get("/admin/api/advocates", headers=bearer())

    assert (woo.status_code, shopify.status_code) == (200, 503)


async def test_every_page_answers_a_woocommerce_store(
    app_client: httpx.AsyncClient, runtime: Runtime, clock: Clock
) -> None:
    shop = await woo_shop(runtime)
    headers = woo_bearer(clock)
    ana = await enrol(app_client, headers, "ana@example.org")
    await app_client.put("/admin/api/program", headers=headers, json=PROGRAM)
    pages = [
        "program", "program/versions", "program/presets", "program/diff?from=1", "overview",
        "settings", "partners", "advocates", f"advocates/{ana}", "referrals", "review",
        "payouts", "deliveries",
    ]  # fmt: skip

    answers = {page: await app_client.get(f"/admin/api/{page}", headers=headers) for page in pages}
    points = await app_client.post(
        f"/admin/api/advocates/{ana}/points", headers=headers,
        json={"points": 10, "reason": "Welcome", "request_key": "w1"},
    )  # fmt: skip
    simulated = await app_client.post(
        "/admin/api/simulate", headers=headers, json={"subtotal": "30.00", "code": "NONE"}
    )

    assert {page: a.status_code for page, a in answers.items()} == dict.fromkeys(pages, 200)
    assert answers["overview"].json()["attention"]["store"]["status"] == shop.status
    assert points.json()["adjustment"]["actor"] == "woocommerce:user:7"
    assert simulated.json()["outcome"] == "ignore"
