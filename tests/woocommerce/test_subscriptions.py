"""Order webhooks over REST: the creation payloads, reuse, re-enabling, deleting."""

from __future__ import annotations

import pytest

from platforms.base import PlatformRejected, StoreCredentials
from platforms.woocommerce.adapter import WooCommerceAdapter
from tests.support import woocommerce_payloads as woo
from tests.support.fake_woocommerce import FakeWooCommerce

URL = "https://connector.example.com/webhooks/woocommerce/k3y"
TOPICS = ["order.created", "order.updated", "order.deleted", "order.restored"]


async def test_webhooks_are_created_with_our_secret_and_active(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    ids = await adapter.register_webhooks(creds, TOPICS, URL)

    posts = [c.body for c in fake_woo.calls if c.method == "POST"]
    assert posts == [
        {
            "name": f"Referral Connector: {topic}",
            "topic": topic,
            "delivery_url": URL,
            "secret": woo.WEBHOOK_SECRET,
            "status": "active",
        }
        for topic in TOPICS
    ]
    assert ids == [str(i) for i in sorted(fake_woo.webhooks)]
    assert set(fake_woo.secrets.values()) == {woo.WEBHOOK_SECRET}


async def test_an_existing_webhook_is_reused_with_the_new_secret(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    old = fake_woo.add_webhook("order.updated", URL, status="disabled")
    fake_woo.secrets[old] = "old-secret"

    ids = await adapter.register_webhooks(creds, ["order.updated"], URL)

    assert ids == [str(old)]
    assert fake_woo.webhooks[old]["status"] == "active"
    assert fake_woo.secrets[old] == woo.WEBHOOK_SECRET
    assert fake_woo.paths() == ["GET /webhooks", f"PUT /webhooks/{old}"]


async def test_no_secret_no_webhooks(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    bare = StoreCredentials(
        platform=creds.platform,
        shop=creds.shop,
        access_token=creds.access_token,
        extra={k: v for k, v in creds.extra.items() if k != "webhook_secret"},
    )

    with pytest.raises(PlatformRejected) as raised:
        await adapter.register_webhooks(bare, TOPICS, URL)

    assert raised.value.code == "NO_WEBHOOK_SECRET"
    assert fake_woo.calls == []


async def test_a_webhook_disabled_after_failures_is_reenabled(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    disabled = fake_woo.add_webhook("order.updated", URL, status="disabled")
    fake_woo.add_webhook("order.created", URL)
    foreign = fake_woo.add_webhook("order.updated", "https://other.example/hook", status="disabled")

    changed = await adapter.reactivate_webhooks(
        creds, "https://connector.example.com/webhooks/woocommerce/"
    )

    assert changed == [str(disabled)]
    assert fake_woo.webhooks[disabled]["status"] == "active"
    assert fake_woo.webhooks[foreign]["status"] == "disabled"
    assert fake_woo.calls[-1].body == {"status": "active"}


async def test_replacing_deletes_our_other_webhooks_and_keeps_the_merchants(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    old = fake_woo.add_webhook(
        "order.updated", "https://connector.example.com/webhooks/woocommerce/old"
    )
    theirs = fake_woo.add_webhook("order.updated", "https://crm.example/hook")

    ids = await adapter.replace_webhooks(
        creds, ["order.updated"], URL, "https://connector.example.com/webhooks/woocommerce/"
    )

    assert sorted(fake_woo.webhooks) == sorted([theirs, int(ids[0])])
    assert fake_woo.webhooks[int(ids[0])]["delivery_url"] == URL
    deletes = [c for c in fake_woo.calls if c.method == "DELETE"]
    assert [(c.path, c.params) for c in deletes] == [(f"/webhooks/{old}", {"force": "true"})]


async def test_an_invalid_topic_is_the_store_refusal(
    adapter: WooCommerceAdapter, creds: StoreCredentials, fake_woo: FakeWooCommerce
) -> None:
    with pytest.raises(PlatformRejected) as raised:
        await adapter.register_webhooks(creds, ["orders/paid"], URL)

    assert raised.value.code == "woocommerce_rest_shop_webhook_invalid_topic"
    assert fake_woo.webhooks == {}
