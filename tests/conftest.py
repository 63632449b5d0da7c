"""Fixtures shared by the whole suite: settings, a migrated database (SQLite or PostgreSQL), the runtime.

The database comes from CONNECTOR_TEST_DATABASE: `sqlite` (default, a fresh file per test) or
`postgres` (CONNECTOR_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test; migrated
once per session, tables truncated before each test).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from connector.services.base.runtime import Runtime
from connector.settings import Settings, load_settings
from connector.store import db as store_db

TEST_API_KEY = "test-api-key-0123456789"
TEST_API_SECRET = "hush-test-secret-5f3e2a1b9c-7d6e5f4a3b2c1d0e"
TEST_PREVIOUS_SECRET = "old-test-secret-a7d4c0e8-91b2c3d4e5f60718"
TEST_KEY = Fernet.generate_key().decode()
BACKEND = os.environ.get("CONNECTOR_TEST_DATABASE", "sqlite")
PG_URL = os.environ.get("CONNECTOR_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def all_tables() -> list[str]:
    """Every table of our models (not aerich's bookkeeping), for truncation between tests."""
    from tortoise import Tortoise

    # Tortoise 1.x keeps an `Apps` object (mapping-like, no .get) once initialised.
    apps = dict(Tortoise.apps.items()) if Tortoise.apps else {}
    return sorted(
        model._meta.db_table
        for model in apps.get("models", {}).values()
        if model._meta.db_table != "aerich"
    )


def on_postgres() -> bool:
    """True when this run uses PostgreSQL."""
    return BACKEND == "postgres"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip PostgreSQL-only tests on the SQLite run, saying why."""
    if on_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with CONNECTOR_TEST_DATABASE=postgres")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def make_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """A complete environment for load_settings."""
    env = {
        "SHOPIFY_API_KEY": TEST_API_KEY,
        "SHOPIFY_API_SECRET": TEST_API_SECRET,
        "SHOPIFY_API_SECRET_PREVIOUS": TEST_PREVIOUS_SECRET,
        "CONNECTOR_ENCRYPTION_KEYS": TEST_KEY,
        "DATABASE_URL": database_url,
        "CONNECTOR_DATA_DIR": str(tmp_path / "data"),
        "PUBLIC_URL": "https://connector.example.com",
        "CONNECTOR_WORKER": "external",
    }
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def _postgres_migrated() -> Iterator[None]:
    if not on_postgres():
        yield
        return

    async def reset() -> None:
        await store_db.init_db(PG_URL)
        client = store_db.conn()
        await client.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await store_db.close_db()
        await store_db.migrate(PG_URL)
        await store_db.close_db()

    asyncio.run(reset())
    yield


@pytest.fixture
def database_url(tmp_path: Path, _postgres_migrated: None) -> str:
    """The database this test runs on."""
    return PG_URL if on_postgres() else f"sqlite://{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings with test credentials, no real secrets."""
    return load_settings(make_env(tmp_path, database_url))


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[None]:
    """A migrated, empty database."""
    if on_postgres():
        await store_db.init_db(settings.database_url)
        await store_db.conn().execute_script(
            "TRUNCATE " + ", ".join(all_tables()) + " RESTART IDENTITY CASCADE;"
        )
    else:
        await store_db.migrate(settings.database_url)
        await store_db.close_db()
        await store_db.init_db(settings.database_url)
    yield
    await store_db.close_db()


class Clock:
    """A clock tests can move."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    """Starts at real now (so tokens signed with the wall clock verify), moved by tests."""
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def runtime(settings: Settings, db: None, clock: Clock) -> AsyncIterator[Runtime]:
    """The runtime with a real httpx client (mock it with respx) and the test clock."""
    async with httpx.AsyncClient() as http:
        yield Runtime(settings, http, clock=clock)


@pytest.fixture
async def app_client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process (lifespan run, no worker task)."""
    from connector.app import create_app

    app = create_app(runtime=runtime, manage_db=False, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://connector.example.com"
        ) as client:
            yield client


# Shared fixtures defined beside their support code.
from tests.support.fake_shopify import fake_shopify  # noqa: E402, F401
