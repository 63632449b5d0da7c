"""Fixtures of the loyalty tests: a Shopify shop installed against the fake Admin API."""

from __future__ import annotations

import pytest

from connector.services.base.runtime import Runtime
from connector.store.models import Shop
from tests.shopify.factories import install_on_fake
from tests.support.fake_shopify import FakeShopify


@pytest.fixture
async def shop(runtime: Runtime, fake_shopify: FakeShopify) -> Shop:
    """The installed shop; its token never expires because the journeys move the clock by weeks."""
    return await install_on_fake(runtime, fake_shopify)
