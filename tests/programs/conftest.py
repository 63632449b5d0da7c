"""Fixtures of the program-type journeys: a Shopify shop installed against the fake Admin API."""

from __future__ import annotations

from typing import Any

import pytest

from connector.services.runtime import Runtime
from connector.store.models import Shop
from tests.shopify.factories import installed_shop
from tests.support.fake_shopify import ACCESS_TOKEN, FakeShopify


async def _no_sleep(_seconds: float) -> None:
    """The Admin client's retry pause, skipped: tests never sleep."""


@pytest.fixture
async def shop(runtime: Runtime, fake_shopify: FakeShopify) -> Shop:
    """The installed shop; its token never expires because the journeys move the clock by weeks."""
    adapter: Any = runtime.adapter("shopify")
    adapter.graphql.sleep = _no_sleep
    return await installed_shop(
        runtime, shop=fake_shopify.shop, access=ACCESS_TOKEN, refresh=None, expires_in=None
    )
