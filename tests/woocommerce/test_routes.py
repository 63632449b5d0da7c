"""The WooCommerce routes over HTTP: connect, key callback, return page, webhook ingest."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl, urlsplit

import httpx

from connector.services.base.runtime import Runtime
from connector.services.shops import woocommerce_connect as connect
from connector.services.shops.credentials import credentials_of, save_credentials
from connector.store.models import Delivery, Shop, WooCommerceConnectState, WooCommerceLink
from platforms.ssrf import system_resolver
from platforms.woocommerce.adapter import WooCommerceAdapter
from tests.support import woocommerce_payloads as woo
from tests.support.fake_woocommerce import FakeWooCommerce

SPECIAL_SECRET = "whsec-'&\"<>-0001"


async def connected(runtime: Runtime, client: httpx.AsyncClient) -> tuple[str, str]:
    """Connect the fake store through the routes; return its webhook path and secret."""
    answer = await client.post("/woocommerce/connect", data={"store_url": "store.example"})
    state = dict(parse_qsl(urlsplit(answer.headers["location"]).query))["user_id"]
    await client.post("/woocommerce/callback", content=woo.key_callback(state))
    await client.get("/woocommerce/return", params={"success": "1", "user_id": state})
    shop = await Shop.get(domain="store.example")
    link = await WooCommerceLink.get(shop_id=shop.id)
    secret = credentials_of(runtime, shop).extra["webhook_secret"]
    return f"/webhooks/woocommerce/{link.key}", secret


async def test_the_connect_page_is_a_form(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/woocommerce/connect")

    assert answer.status_code == 200
    assert '<form method="post" action="/woocommerce/connect">' in answer.text
    assert 'name="store_url"' in answer.text
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


async def test_connecting_redirects_to_the_store_authorize_page(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce
) -> None:
    answer = await app_client.post("/woocommerce/connect", data={"store_url": "store.example"})

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("https://store.example/wc-auth/v1/authorize?")


async def test_a_loopback_store_is_refused_on_the_page(
    woo_runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    adapter = woo_runtime.adapter("woocommerce")
    assert isinstance(adapter, WooCommerceAdapter)
    adapter.rest.resolve = system_resolver  # this test needs the real answer for localhost
    answer = await app_client.post(
        "/woocommerce/connect", data={"store_url": "http://localhost:8080"}
    )

    assert answer.status_code == 400
    assert "localhost is a loopback address" in answer.text
    assert 'value="http://localhost:8080"' in answer.text
    assert await WooCommerceConnectState.all().count() == 0


async def test_the_key_callback_answers_exactly_200_with_an_empty_body(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce
) -> None:
    location = await connect.start(woo_runtime, "store.example")
    state = dict(parse_qsl(urlsplit(location).query))["user_id"]

    answer = await app_client.post(
        "/woocommerce/callback",
        content=woo.key_callback(state),
        headers={"Content-Type": "application/json;charset=UTF-8"},
    )

    assert (answer.status_code, answer.content) == (200, b"")
    assert await Shop.filter(domain="store.example").count() == 1


async def test_a_reused_state_is_refused_and_stores_no_keys(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce
) -> None:
    location = await connect.start(woo_runtime, "store.example")
    state = dict(parse_qsl(urlsplit(location).query))["user_id"]
    await app_client.post("/woocommerce/callback", content=woo.key_callback(state))

    replay = await app_client.post(
        "/woocommerce/callback",
        content=woo.key_callback(
            state, consumer_key="ck_" + "f" * 40, consumer_secret="cs_" + "e" * 40
        ),
    )

    assert replay.status_code == 403
    shop = await Shop.get(domain="store.example")
    assert credentials_of(woo_runtime, shop).access_token == woo.CONSUMER_KEY


async def test_an_unknown_state_is_refused_and_stores_nothing(
    woo_runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    answer = await app_client.post(
        "/woocommerce/callback", content=woo.key_callback("made.up.state")
    )

    assert answer.status_code == 403
    assert await Shop.all().count() == 0


async def test_a_malformed_callback_is_400(
    woo_runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    answer = await app_client.post("/woocommerce/callback", content=b"not json")

    assert answer.status_code == 400
    assert await Shop.all().count() == 0


async def test_the_return_page_registers_webhooks(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce
) -> None:
    await connected(woo_runtime, app_client)

    assert sorted(h["topic"] for h in fake_woo.webhooks.values()) == [
        "order.created",
        "order.deleted",
        "order.restored",
        "order.updated",
    ]


async def test_a_denied_approval_connects_nothing(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce
) -> None:
    answer = await app_client.get("/woocommerce/return", params={"success": "0", "user_id": "x"})

    assert answer.status_code == 200
    assert "Not connected" in answer.text
    assert fake_woo.calls == []


async def test_a_signed_delivery_is_stored_once_for_created_and_updated(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce
) -> None:
    path, secret = await connected(woo_runtime, app_client)
    body = woo.encode(woo.order(19))

    created = await app_client.post(
        path, content=body, headers=woo.signed_headers(body, topic="order.created", secret=secret)
    )
    updated = await app_client.post(
        path, content=body, headers=woo.signed_headers(body, topic="order.updated", secret=secret)
    )

    assert [created.json(), updated.json()] == [
        {"ok": True, "duplicate": False},
        {"ok": True, "duplicate": True},
    ]
    stored = await Delivery.all()
    assert [(d.platform, d.shop_domain, d.topic, d.delivery_key) for d in stored] == [
        (
            "woocommerce",
            "store.example",
            "order.created",
            "order:19:processing:2026-11-20T14:05:00:refunds=",
        )
    ]
    assert bytes(stored[0].body) == body


async def test_a_flipped_byte_answers_401_and_stores_nothing(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce
) -> None:
    path, secret = await connected(woo_runtime, app_client)
    body = woo.encode(woo.order(19, total="60.00"))
    headers = woo.signed_headers(body, secret=secret)

    answer = await app_client.post(path, content=body.replace(b"60.00", b"61.00"), headers=headers)

    assert answer.status_code == 401
    assert await Delivery.all().count() == 0


async def test_a_secret_with_special_characters_verifies(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce
) -> None:
    path, _ = await connected(woo_runtime, app_client)
    shop = await Shop.get(domain="store.example")
    creds = credentials_of(woo_runtime, shop)
    await save_credentials(
        woo_runtime, replace(creds, extra={**creds.extra, "webhook_secret": SPECIAL_SECRET})
    )
    body = woo.encode(woo.order(20))

    answer = await app_client.post(
        path, content=body, headers=woo.signed_headers(body, secret=SPECIAL_SECRET)
    )

    assert answer.status_code == 200
    assert await Delivery.all().count() == 1


async def test_the_creation_ping_answers_200_and_is_not_stored(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce
) -> None:
    path, _ = await connected(woo_runtime, app_client)
    headers, body = woo.ping(webhook_id=5)

    answer = await app_client.post(path, content=body, headers=headers)

    assert (answer.status_code, answer.json()) == (200, {"ok": True, "ping": 5})
    assert await Delivery.all().count() == 0


async def test_an_unknown_shop_key_is_404(
    woo_runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    body = woo.encode(woo.order(19))

    answer = await app_client.post(
        "/webhooks/woocommerce/not-a-key", content=body, headers=woo.signed_headers(body)
    )

    assert answer.status_code == 404
    assert await Delivery.all().count() == 0


async def test_a_missing_signature_is_400_naming_it(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce
) -> None:
    path, secret = await connected(woo_runtime, app_client)
    body = woo.encode(woo.order(19))
    headers = woo.signed_headers(body, secret=secret)
    del headers["X-WC-Webhook-Signature"]

    answer = await app_client.post(path, content=body, headers=headers)

    assert (answer.status_code, answer.json()) == (
        400,
        {"error": "missing required headers: X-WC-Webhook-Signature"},
    )
    assert await Delivery.all().count() == 0
