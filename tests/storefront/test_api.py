"""The storefront API over HTTP: App Proxy and token authentication, CORS, rate limits, OpenAPI."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlencode

import httpx
import pytest

from connector.app import create_app
from connector.routes.storefront import ACTIONS, OPENAPI
from connector.services import demo
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import save_program
from connector.services.storefront.assets import load_assets
from connector.services.storefront.tokens import sandbox_key, sign_token
from connector.store.models import Advocate, LinkClick, OfferClaim
from tests.storefront.factories import (
    ANA_CUSTOMER,
    SANDBOX,
    SHOPIFY_SHOP,
    STORE_URL,
    advocate_with_history,
    proxy_query,
    sandbox_shop,
    shopify_shop,
    token_headers,
)

QUERY = "?" + urlencode(SANDBOX)
SHOP_ORIGIN = "https://tienda.example"
EVIL_ORIGIN = "https://evil.example"


async def test_a_signed_proxy_request_knows_the_signed_in_customer(runtime, app_client, clock):
    shop = await shopify_shop(runtime)
    ana = await advocate_with_history(runtime, shop, clock.now)

    response = await app_client.get(
        "/proxy/api/config", params=proxy_query(clock.now, ANA_CUSTOMER, extra=[("locale", "en")])
    )

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert (body["locale"], body["customer"], body["me"]["advocate"]["code"]) == (
        "en",
        True,
        ana.code,
    )


async def test_a_tampered_proxy_request_is_refused_and_changes_nothing(runtime, app_client, clock):
    await shopify_shop(runtime)
    query = [
        (k, "7999") if k == "logged_in_customer_id" else (k, v)
        for k, v in proxy_query(clock.now, "7001")
    ]

    response = await app_client.post("/proxy/api/join", params=query, json={})

    assert (response.status_code, response.json()) == (401, {"error": "bad_signature"})
    assert await Advocate.all().count() == 0


async def test_a_stale_proxy_request_is_refused(runtime, app_client, clock):
    await shopify_shop(runtime)

    response = await app_client.get(
        "/proxy/api/config", params=proxy_query(clock.now - timedelta(seconds=91))
    )

    assert (response.status_code, response.json()) == (401, {"error": "stale_timestamp"})


async def test_a_proxy_request_with_a_second_shop_is_refused(runtime, app_client, clock):
    await shopify_shop(runtime)
    query = [("shop", "other.myshopify.com"), *proxy_query(clock.now)]

    response = await app_client.get("/proxy/api/config", params=query)

    assert (response.status_code, response.json()) == (401, {"error": "duplicate_param"})


async def test_a_proxy_request_signed_with_another_secret_is_refused(runtime, app_client, clock):
    await shopify_shop(runtime)

    response = await app_client.get(
        "/proxy/api/config", params=proxy_query(clock.now, secret="not-the-app-secret")
    )

    assert (response.status_code, response.json()) == (401, {"error": "bad_signature"})


async def test_a_proxy_request_for_an_unknown_shop_is_404(runtime, app_client, clock):
    response = await app_client.get("/proxy/api/config", params=proxy_query(clock.now))

    assert (response.status_code, response.json()) == (404, {"error": "unknown_shop"})


async def test_a_click_counts_once_and_answers_the_friends_offer(runtime, app_client, clock):
    shop = await sandbox_shop(runtime)
    ana = await advocate_with_history(runtime, shop, clock.now)

    response = await app_client.post(
        "/storefront/api/click" + QUERY,
        json={"ref": ana.code.lower()},
        headers=token_headers(runtime),
    )
    unknown = await app_client.post(
        "/storefront/api/click" + QUERY, json={"ref": "NOPE-2222"}, headers=token_headers(runtime)
    )

    assert response.json()["code"] == ana.code
    assert (unknown.status_code, unknown.json()) == (404, {"error": "unknown_ref"})
    assert await LinkClick.filter(advocate_id=ana.advocate.id).count() == 3


async def test_the_advocate_opening_her_own_link_is_not_a_click(runtime, app_client, clock):
    shop = await shopify_shop(runtime)
    ana = await advocate_with_history(runtime, shop, clock.now)

    await app_client.post(
        "/proxy/api/click", params=proxy_query(clock.now, ANA_CUSTOMER), json={"ref": ana.code}
    )

    assert await LinkClick.filter(advocate_id=ana.advocate.id).count() == 2


@pytest.mark.parametrize(
    ("customer", "shop", "expires_in", "reason"),
    [
        (None, demo.SHOP, -1, "bad_token"),
        (None, "other-shop.sandbox", 3600, "bad_token"),
        (None, demo.SHOP, 3 * 86_400, "bad_token"),
    ],
)
async def test_tokens_that_expired_name_another_shop_or_live_too_long_are_refused(
    runtime, app_client, clock, customer, shop, expires_in, reason
):
    await sandbox_shop(runtime)
    key = sandbox_key(runtime.settings, shop)
    token = sign_token(key, shop, customer, int(clock.now.timestamp()) + expires_in)

    response = await app_client.get(
        "/storefront/api/config" + QUERY, headers={"X-Referral-Token": token}
    )

    assert (response.status_code, response.json()) == (401, {"error": reason})


async def test_a_token_request_must_name_its_shop(runtime, app_client):
    await sandbox_shop(runtime)

    response = await app_client.get("/storefront/api/config", headers=token_headers(runtime))

    assert (response.status_code, response.json()) == (400, {"error": "missing_shop"})


async def test_bad_bodies_are_refused(runtime, app_client):
    await sandbox_shop(runtime)
    headers = {**token_headers(runtime), "Content-Type": "application/json"}

    not_json = await app_client.post("/storefront/api/join" + QUERY, content=b"{", headers=headers)
    no_email = await app_client.post("/storefront/api/join" + QUERY, json={}, headers=headers)
    wrong_type = await app_client.post(
        "/storefront/api/join" + QUERY, json={"email": ["a@b.c"]}, headers=headers
    )
    get_join = await app_client.get("/storefront/api/join" + QUERY, headers=headers)

    assert (not_json.status_code, not_json.json()) == (400, {"error": "invalid_json"})
    assert (no_email.status_code, no_email.json()) == (422, {"error": "invalid_email"})
    assert (wrong_type.status_code, wrong_type.json()) == (422, {"error": "invalid_email"})
    assert (get_join.status_code, get_join.headers["allow"]) == (405, "POST")
    assert await Advocate.all().count() == 0


# ---- CORS --------------------------------------------------------------------------------------


async def test_a_preflight_from_the_shops_origin_is_admitted(runtime, app_client):
    await sandbox_shop(runtime)

    response = await app_client.options(
        "/storefront/api/join" + QUERY,
        headers={
            "Origin": SHOP_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-referral-token",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SHOP_ORIGIN
    assert response.headers["access-control-allow-headers"] == "Content-Type, X-Referral-Token"
    assert response.headers["vary"] == "Origin"


async def test_a_preflight_from_another_origin_is_refused(runtime, app_client):
    await sandbox_shop(runtime)

    response = await app_client.options(
        "/storefront/api/join" + QUERY,
        headers={"Origin": EVIL_ORIGIN, "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


async def test_a_call_from_another_origin_is_refused_before_it_changes_anything(
    runtime, app_client
):
    await sandbox_shop(runtime)

    response = await app_client.post(
        "/storefront/api/join" + QUERY,
        json={"email": "mallory@example.com"},
        headers={**token_headers(runtime), "Origin": EVIL_ORIGIN},
    )

    assert (response.status_code, response.json()) == (403, {"error": "origin_not_allowed"})
    assert "access-control-allow-origin" not in response.headers
    assert await Advocate.all().count() == 0


async def test_a_call_from_the_shops_origin_may_read_the_answer(runtime, app_client):
    await sandbox_shop(runtime)

    response = await app_client.get(
        "/storefront/api/config" + QUERY, headers={**token_headers(runtime), "Origin": SHOP_ORIGIN}
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SHOP_ORIGIN
    assert response.json()["shop"] == {"name": "Tienda demo"}


async def test_our_own_pages_may_call(runtime, app_client):
    await sandbox_shop(runtime)

    response = await app_client.get(
        "/storefront/api/config" + QUERY,
        headers={**token_headers(runtime), "Origin": "https://connector.example.com"},
    )

    assert response.status_code == 200


# ---- rate limits across app instances ----------------------------------------------------------


@pytest.fixture
async def second_app(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """Another app instance with its own runtime, on the same database (another web process)."""
    async with httpx.AsyncClient() as http:
        other = Runtime(runtime.settings, http, clock=runtime.clock)
        app = create_app(runtime=other, manage_db=False, run_worker=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="https://connector.example.com"
            ) as client:
                yield client


async def test_the_join_limit_holds_across_two_app_instances(
    runtime, app_client, second_app, clock
):
    await sandbox_shop(runtime)
    headers = token_headers(runtime)
    answers = []
    for n in range(11):
        client = app_client if n % 2 == 0 else second_app
        answer = await client.post(
            "/storefront/api/join" + QUERY, json={"email": f"j{n}@example.com"}, headers=headers
        )
        answers.append(answer)

    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert answers[10].json() == {"error": "rate_limited"}
    assert answers[10].headers["retry-after"] == str(600 - int(clock.now.timestamp()) % 600)
    assert await Advocate.all().count() == 10


# ---- static files ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/storefront", "/proxy"])
async def test_the_loader_is_gzipped_with_an_etag_and_a_short_cache(app_client, prefix):
    response = await app_client.get(
        f"{prefix}/widget/loader.js", headers={"Accept-Encoding": "gzip, br"}
    )

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["etag"].endswith('-gz"')
    assert b"ReferralWidget" in response.content


async def test_the_widget_is_immutable_at_its_versioned_url(app_client):
    version = load_assets().version

    response = await app_client.get(f"/storefront/widget/{version}/widget.js")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.text.startswith("/*! Referral widget")


async def test_an_unchanged_file_answers_304_without_a_body(app_client):
    first = await app_client.get(
        "/storefront/widget/loader.js", headers={"Accept-Encoding": "gzip"}
    )

    again = await app_client.get(
        "/storefront/widget/loader.js",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]},
    )

    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]


async def test_without_gzip_the_file_is_sent_as_is(app_client):
    response = await app_client.get(
        "/storefront/widget/loader.js", headers={"Accept-Encoding": "gzip;q=0, identity"}
    )

    assert "content-encoding" not in response.headers
    assert not response.headers["etag"].endswith('-gz"')


async def test_an_old_widget_version_redirects_to_the_current_one(app_client):
    version = load_assets().version

    response = await app_client.get("/proxy/widget/0123456789ab/widget.js")

    assert response.status_code == 302
    assert response.headers["location"] == f"../{version}/widget.js"
    assert response.headers["cache-control"] == "no-cache"


async def test_the_openapi_document_describes_every_action(app_client):
    response = await app_client.get("/storefront/openapi.json")

    document = response.json()
    assert document == json.loads(OPENAPI.read_text())
    api_paths = {p.removeprefix("/api/") for p in document["paths"] if p.startswith("/api/")}
    assert api_paths == set(ACTIONS)
    for name, (method, _) in ACTIONS.items():
        assert list(document["paths"][f"/api/{name}"]) == [method.lower()]


async def test_share_links_point_at_the_storefront_with_the_shops_parameter(runtime, app_client):
    shop = await sandbox_shop(runtime)
    shop.settings = {
        **shop.settings,
        "storefront": {**shop.settings["storefront"], "ref_param": "via"},
    }
    await shop.save()

    response = await app_client.post(
        "/storefront/api/join" + QUERY,
        json={"email": "bea@example.com"},
        headers=token_headers(runtime),
    )
    config = await app_client.get("/storefront/api/config" + QUERY, headers=token_headers(runtime))

    code = response.json()["advocate"]["code"]
    assert response.json()["advocate"]["link"] == f"{STORE_URL}?via={code}"
    assert config.json()["ref_param"] == "via"
    assert SHOPIFY_SHOP not in response.text


async def test_with_single_use_codes_a_friend_claims_by_email(runtime, app_client, clock):
    shop = await sandbox_shop(runtime)
    await save_program(runtime, shop, {**demo.PROGRAM, "friend_code_mode": "unique"}, actor="test")
    ana = await advocate_with_history(runtime, shop, clock.now)
    guest = token_headers(runtime)

    click = await app_client.post(
        "/storefront/api/click" + QUERY, json={"ref": ana.code}, headers=guest
    )
    claims = [
        await app_client.post(
            "/storefront/api/claim" + QUERY, json={"ref": ana.code, "email": email}, headers=guest
        )
        for email in ("luis@example.com", "luis@example.com", "ana@example.com")
    ]

    assert (click.json()["code"], click.json()["claim"]) == (None, True)
    first, again, hers = (c.json()["code"] for c in claims)
    single_use = re.compile(r"ANA-[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}")
    assert first == again
    assert single_use.fullmatch(first)
    # Ana's own email gets a code of the same shape, so the answer confirms nothing.
    assert single_use.fullmatch(hers)
    assert hers != first
    assert await OfferClaim.filter(shop=shop).values_list("email_normalized", flat=True) == [
        "luis@example.com"
    ]


async def test_a_merchants_copy_overrides_reach_the_widget_in_that_locale_only(runtime, app_client):
    shop = await sandbox_shop(runtime)
    storefront = {**shop.settings["storefront"], "copy": {"es": {"launcher": "Comparte y gana"}}}
    shop.settings = {**shop.settings, "storefront": storefront}
    await shop.save()
    headers = token_headers(runtime)

    spanish = await app_client.get(f"/storefront/api/config{QUERY}&locale=es-AR", headers=headers)
    english = await app_client.get(f"/storefront/api/config{QUERY}&locale=en-GB", headers=headers)

    assert (spanish.json()["locale"], spanish.json()["copy"]["launcher"]) == (
        "es",
        "Comparte y gana",
    )
    assert (english.json()["locale"], english.json()["copy"]["launcher"]) == ("en", "Refer & earn")
