"""Connecting a store: the one-time state, the key callback, webhooks, re-connecting."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from connector.services.base.runtime import Runtime
from connector.services.shops import woocommerce_connect as connect
from connector.services.shops.credentials import credentials_of
from connector.store.models import Shop, WooCommerceConnectState, WooCommerceLink
from platforms.base import PlatformRejected
from platforms.ssrf import StoreURLRefused
from tests.conftest import Clock
from tests.support import woocommerce_payloads as woo
from tests.support.fake_woocommerce import FakeWooCommerce

TOPICS = ["order.created", "order.updated", "order.deleted", "order.restored"]
NEW_KEY = "ck_" + "1b2c3d4e5f" * 4
NEW_SECRET = "cs_" + "8e7d6c5b4a" * 4


async def begin(runtime: Runtime, typed: str = "store.example") -> str:
    """Start connecting; return the state WooCommerce will echo back as user_id."""
    location = await connect.start(runtime, typed)
    return dict(parse_qsl(urlsplit(location).query))["user_id"]


async def connected_store(runtime: Runtime) -> None:
    """The whole connect: start, the store posts the key, the merchant comes back."""
    state = await begin(runtime)
    await connect.accept_keys(runtime, woo.key_callback(state))
    await connect.finish(runtime, state)


async def test_start_sends_the_merchant_to_authorize_with_a_stored_one_time_state(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    location = await connect.start(woo_runtime, "Store.Example/")

    parts = urlsplit(location)
    query = dict(parse_qsl(parts.query))
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}"
        == "https://store.example/wc-auth/v1/authorize"
    )
    assert {k: v for k, v in query.items() if k != "user_id"} == {
        "app_name": "Referral Connector",
        "scope": "read_write",
        "return_url": "https://connector.example.com/woocommerce/return",
        "callback_url": "https://connector.example.com/woocommerce/callback",
    }
    rows = await WooCommerceConnectState.all()
    assert [(r.store_url, r.used_at, r.expires_at - r.created_at) for r in rows] == [
        ("https://store.example", None, timedelta(seconds=900))
    ]
    # Only a digest of the nonce is kept: the state itself appears nowhere in the row.
    assert query["user_id"] not in json.dumps([rows[0].digest, rows[0].store_url])


async def test_a_private_store_url_is_refused_and_nothing_is_stored(woo_runtime: Runtime) -> None:
    with pytest.raises(StoreURLRefused):
        await connect.start(woo_runtime, "http://127.0.0.1:8080")

    assert await WooCommerceConnectState.all().count() == 0


async def test_keys_are_stored_encrypted_with_a_new_webhook_secret(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    state = await begin(woo_runtime)

    connected = await connect.accept_keys(woo_runtime, woo.key_callback(state))

    shop = await Shop.get(platform="woocommerce", domain="store.example")
    assert connected == connect.Connected("store.example", ())
    for column in (shop.access_token or "", shop.secrets or ""):
        assert woo.CONSUMER_KEY not in column
        assert woo.CONSUMER_SECRET not in column
    creds = credentials_of(woo_runtime, shop)
    assert (creds.access_token, creds.scopes) == (woo.CONSUMER_KEY, ("read_write",))
    assert creds.extra["consumer_secret"] == woo.CONSUMER_SECRET
    assert creds.extra["home_url"] == "https://store.example"
    assert creds.extra["key_id"] == "3"
    assert len(creds.extra["webhook_secret"]) >= 40
    assert shop.settings == {"home_url": "https://store.example"}
    link = await WooCommerceLink.get(shop_id=shop.id)
    assert link.key not in ("store.example", str(shop.id))
    assert len(link.key) >= 32


async def test_a_reused_state_is_refused_and_the_second_keys_are_not_stored(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    state = await begin(woo_runtime)
    await connect.accept_keys(woo_runtime, woo.key_callback(state))

    with pytest.raises(connect.ConnectRefused) as raised:
        await connect.accept_keys(
            woo_runtime,
            woo.key_callback(state, consumer_key=NEW_KEY, consumer_secret=NEW_SECRET),
        )

    assert raised.value.reason == "state_used"
    shop = await Shop.get(platform="woocommerce", domain="store.example")
    assert credentials_of(woo_runtime, shop).access_token == woo.CONSUMER_KEY


async def test_an_unknown_state_is_refused_and_no_shop_is_stored(woo_runtime: Runtime) -> None:
    with pytest.raises(connect.ConnectRefused) as raised:
        await connect.accept_keys(woo_runtime, woo.key_callback("forged.state.value"))

    assert raised.value.reason == "unknown_state"
    assert await Shop.all().count() == 0


async def test_an_expired_state_is_refused(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    state = await begin(woo_runtime)
    clock.advance(seconds=901)

    with pytest.raises(connect.ConnectRefused) as raised:
        await connect.accept_keys(woo_runtime, woo.key_callback(state))

    assert raised.value.reason == "state_used"
    assert await Shop.all().count() == 0


async def test_a_read_only_key_is_refused_without_spending_the_state(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    state = await begin(woo_runtime)

    with pytest.raises(connect.ConnectRefused) as raised:
        await connect.accept_keys(woo_runtime, woo.key_callback(state, permissions="read"))

    assert raised.value.reason == "wrong_permissions"
    assert await Shop.all().count() == 0
    assert (await WooCommerceConnectState.get()).used_at is None


async def test_a_malformed_callback_is_a_rejection(woo_runtime: Runtime) -> None:
    with pytest.raises(PlatformRejected):
        await connect.accept_keys(woo_runtime, b"key_id=1")

    assert await Shop.all().count() == 0


async def test_finish_creates_the_order_webhooks_with_the_shop_secret(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    state = await begin(woo_runtime)
    await connect.accept_keys(woo_runtime, woo.key_callback(state))

    connected = await connect.finish(woo_runtime, state)

    shop = await Shop.get(domain="store.example")
    link = await WooCommerceLink.get(shop_id=shop.id)
    secret = credentials_of(woo_runtime, shop).extra["webhook_secret"]
    url = f"https://connector.example.com/webhooks/woocommerce/{link.key}"
    assert [c.body for c in fake_woo.calls if c.method == "POST"] == [
        {
            "name": f"Referral Connector: {topic}",
            "topic": topic,
            "delivery_url": url,
            "secret": secret,
            "status": "active",
        }
        for topic in TOPICS
    ]
    assert connected.webhook_ids == tuple(link.webhook_ids)
    assert len(link.webhook_ids) == 4


async def test_reconnecting_replaces_the_keys_the_secret_and_stale_webhooks(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    await connected_store(woo_runtime)
    shop = await Shop.get(domain="store.example")
    old_secret = credentials_of(woo_runtime, shop).extra["webhook_secret"]
    old_ids = (await WooCommerceLink.get(shop_id=shop.id)).webhook_ids
    stale = fake_woo.add_webhook(
        "order.updated", "https://connector.example.com/webhooks/woocommerce/old"
    )

    second = await begin(woo_runtime)
    await connect.accept_keys(
        woo_runtime,
        woo.key_callback(second, key_id=4, consumer_key=NEW_KEY, consumer_secret=NEW_SECRET),
    )
    during = credentials_of(woo_runtime, await Shop.get(domain="store.example")).extra
    fake_woo.consumer_key, fake_woo.consumer_secret = NEW_KEY, NEW_SECRET
    await connect.finish(woo_runtime, second)

    creds = credentials_of(woo_runtime, await Shop.get(domain="store.example"))
    assert (creds.access_token, creds.extra["consumer_secret"], creds.extra["key_id"]) == (
        NEW_KEY,
        NEW_SECRET,
        "4",
    )
    assert during["previous_webhook_secret"] == old_secret  # accepted until the webhooks change
    assert "previous_webhook_secret" not in creds.extra
    new_secret = creds.extra["webhook_secret"]
    assert new_secret != old_secret
    assert stale not in fake_woo.webhooks
    assert sorted(map(str, fake_woo.webhooks)) == sorted(old_ids)  # the same webhooks, reused
    assert set(fake_woo.secrets.values()) == {new_secret}
    assert await Shop.all().count() == 1


async def test_finish_for_a_state_that_brought_no_keys_is_refused(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    state = await begin(woo_runtime)

    with pytest.raises(connect.ConnectRefused) as raised:
        await connect.finish(woo_runtime, state)

    assert raised.value.reason == "not_connected"
    assert fake_woo.webhooks == {}


async def test_the_periodic_check_reenables_webhooks_disabled_after_failures(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    await connected_store(woo_runtime)
    disabled = sorted(fake_woo.webhooks)[1]
    fake_woo.webhooks[disabled]["status"] = "disabled"

    fixed = await connect.check_webhooks(woo_runtime)

    assert fixed == 1
    assert {h["status"] for h in fake_woo.webhooks.values()} == {"active"}


async def test_the_periodic_check_registers_webhooks_never_registered(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    state = await begin(woo_runtime)
    await connect.accept_keys(woo_runtime, woo.key_callback(state))  # the merchant never came back

    fixed = await connect.check_webhooks(woo_runtime)

    assert fixed == 4
    assert sorted(h["topic"] for h in fake_woo.webhooks.values()) == sorted(TOPICS)


async def test_connect_starts_are_limited_per_address(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    for _ in range(10):
        await connect.start(woo_runtime, "store.example", "203.0.113.9")

    with pytest.raises(connect.ConnectRefused) as raised:
        await connect.start(woo_runtime, "store.example", "203.0.113.9")
    await connect.start(woo_runtime, "store.example", "203.0.113.10")

    assert raised.value.reason == "rate_limited"
    assert await WooCommerceConnectState.all().count() == 11


async def test_the_periodic_check_forgets_states_expired_a_day_ago(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    await begin(woo_runtime)
    clock.advance(seconds=900)
    await begin(woo_runtime)
    clock.advance(days=1, seconds=1)

    await connect.check_webhooks(woo_runtime)

    assert await WooCommerceConnectState.all().count() == 1


async def test_the_periodic_check_finishes_a_reconnect_whose_merchant_never_came_back(
    woo_runtime: Runtime, fake_woo: FakeWooCommerce
) -> None:
    await connected_store(woo_runtime)
    shop = await Shop.get(domain="store.example")
    first = credentials_of(woo_runtime, shop).extra["webhook_secret"]
    for _ in range(2):  # two re-connects, neither finished: the webhooks still carry `first`
        state = await begin(woo_runtime)
        await connect.accept_keys(woo_runtime, woo.key_callback(state))
    pending = credentials_of(woo_runtime, await Shop.get(domain="store.example")).extra

    await connect.check_webhooks(woo_runtime)

    done = credentials_of(woo_runtime, await Shop.get(domain="store.example")).extra
    assert pending["previous_webhook_secret"] == first
    assert "previous_webhook_secret" not in done
    assert set(fake_woo.secrets.values()) == {done["webhook_secret"]}
