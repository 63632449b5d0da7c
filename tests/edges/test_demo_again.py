"""`connector demo` run again on the same data continues its order numbers and rewards again,
and warns about nothing it does not use."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from connector.app import demo_app
from connector.services import demo
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.settings import load_settings
from connector.store.models import Delivery, OrderRecord, Reward, Shop
from tests.conftest import make_env, on_postgres

# Run in the SQLite pass only: the demo always runs on its own SQLite file; its aerich run would leave SQLite's query builders in this process's ORM for the PostgreSQL tests after it.
pytestmark = pytest.mark.skipif(
    on_postgres(), reason="runs in the SQLite pass: the demo always runs on its own SQLite file"
)

STORE = "http://127.0.0.1:8000/demo/"


async def _one_run(tmp_path: Path, friend: str) -> list[str]:
    """Start the demo, have a friend buy with Ana's code, stop; the order ids stored so far."""
    env = make_env(tmp_path, "sqlite://x", SHOPIFY_API_KEY="", SHOPIFY_API_SECRET="")
    settings = load_settings({**env, "DATABASE_URL": f"sqlite://{tmp_path / 'demo.sqlite3'}"})
    app = demo_app(settings, STORE)
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        shop = await Shop.get(platform=demo.PLATFORM, domain=demo.SHOP)
        ana = await enrol_advocate(runtime, shop, customer_id=demo.ANA.customer_id, name="Ana")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            await c.get(f"/demo/discount/{ana.advocate.friend_code}")
            await c.post("/demo/cart/add")
            placed = await c.post("/demo/checkout", data={"email": friend})
            assert placed.status_code == 303
        orders = (
            await OrderRecord.filter(shop_id=shop.id)
            .order_by("id")
            .values_list("order_id", flat=True)
        )
        assert await Delivery.filter(status="done").count() == len(orders)
        return [str(o) for o in orders]


async def test_a_second_demo_run_gives_a_second_reward(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    first = await _one_run(tmp_path, "fran@example.org")
    second = await _one_run(tmp_path, "lola@example.org")

    assert first == ["5001"]
    assert second == ["5001", "5002"]
    settings = load_settings(
        {
            **make_env(tmp_path, "sqlite://x"),
            "DATABASE_URL": f"sqlite://{tmp_path / 'demo.sqlite3'}",
        }
    )
    app = demo_app(settings, STORE)
    async with app.router.lifespan_context(app):
        rewards = (
            await Reward.filter(side="advocate").order_by("id").values_list("status", flat=True)
        )
    assert list(rewards) == ["issued", "issued"]
    # The sandbox needs no Shopify keys: the demo says nothing about them.
    assert [r.getMessage() for r in caplog.records if "not configured" in r.getMessage()] == []
