"""Fixtures for the WooCommerce tests: the fake store, an adapter wired to it, credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.settings import Settings, load_settings
from platforms.base import StoreCredentials
from platforms.woocommerce.adapter import WooCommerceAdapter
from tests.conftest import make_env
from tests.support import woocommerce_payloads as woo
from tests.support.fake_woocommerce import FakeWooCommerce, installed_woo, resolve_public


class Sleeps(list[float]):
    """An injected sleep that records how long it was asked to wait, and returns at once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def creds_for(home: str) -> StoreCredentials:
    """A connected store's credentials, as the connect flow stores them."""
    return StoreCredentials(
        platform="woocommerce",
        shop=woo.SHOP,
        access_token=woo.CONSUMER_KEY,
        extra={
            "consumer_secret": woo.CONSUMER_SECRET,
            "home_url": home,
            "webhook_secret": woo.WEBHOOK_SECRET,
        },
    )


@pytest.fixture
def woo_settings(tmp_path: Path) -> Settings:
    """Settings from the repository's app.toml, without a database."""
    return load_settings(make_env(tmp_path, "sqlite://:memory:"))


@pytest.fixture
def fake_woo() -> Iterator[FakeWooCommerce]:
    """The fake store at https://store.example."""
    with installed_woo() as fake:
        yield fake


@pytest.fixture
def sleeps() -> Sleeps:
    """What the adapter slept, in order."""
    return Sleeps()


@pytest.fixture
async def adapter(
    woo_settings: Settings, fake_woo: FakeWooCommerce, sleeps: Sleeps
) -> AsyncIterator[WooCommerceAdapter]:
    """The adapter on a real httpx client (respx answers), store names resolving publicly."""
    async with httpx.AsyncClient() as http:
        yield WooCommerceAdapter(
            woo_settings, http, resolve=resolve_public, sleep=sleeps, clock=lambda: fake_woo.now
        )


@pytest.fixture
def woo_runtime(runtime: Runtime, fake_woo: FakeWooCommerce, sleeps: Sleeps) -> Runtime:
    """The test runtime, its WooCommerce adapter resolving publicly and on the fake's clock."""
    adapter = runtime.adapter("woocommerce")
    assert isinstance(adapter, WooCommerceAdapter)
    adapter.rest.resolve = resolve_public
    adapter.rest.clock = lambda: fake_woo.now
    adapter.rest.sleep = sleeps
    return runtime


@pytest.fixture
def creds() -> StoreCredentials:
    """Credentials of the https store."""
    return creds_for(woo.HOME)
