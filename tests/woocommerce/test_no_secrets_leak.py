"""Connecting a WooCommerce store and receiving its webhooks leak no key or secret anywhere."""

from __future__ import annotations

import httpx

from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import credentials_of
from connector.store.models import Shop
from tests.support import woocommerce_payloads as woo
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.test_no_secrets_leak import Capture, assert_clean, captured  # noqa: F401
from tests.woocommerce.test_routes import connected


async def test_connect_and_webhooks_log_and_answer_no_secret(
    woo_runtime: Runtime,
    app_client: httpx.AsyncClient,
    fake_woo: FakeWooCommerce,
    captured: Capture,  # noqa: F811
) -> None:
    path, secret = await connected(woo_runtime, app_client)
    body = woo.encode(woo.order(19))
    answers = [
        await app_client.post(path, content=body, headers=woo.signed_headers(body, secret=secret)),
        await app_client.post(path, content=body + b" ", headers=woo.signed_headers(body)),
        await app_client.get("/woocommerce/return", params={"success": "1", "user_id": "x.y"}),
        await app_client.post("/woocommerce/callback", content=woo.key_callback("forged.state")),
    ]
    shop = await Shop.get(domain="store.example")
    creds = credentials_of(woo_runtime, shop)

    texts = captured.lines + [a.text for a in answers] + [str(dict(a.headers)) for a in answers]
    assert [a.status_code for a in answers] == [200, 401, 400, 403]
    assert_clean(
        texts,
        [woo.CONSUMER_KEY, woo.CONSUMER_SECRET, secret, creds.extra["webhook_secret"]],
    )
