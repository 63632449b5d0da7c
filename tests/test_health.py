"""GET /healthz and GET /readyz."""

from __future__ import annotations

import httpx

from connector.store import db as store_db


async def test_healthz_answers_ok(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/healthz")

    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


async def test_readyz_is_ready_with_the_database_up(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/readyz")

    assert (answer.status_code, answer.json()) == (200, {"status": "ready", "database": "ok"})


async def test_readyz_is_503_when_the_database_is_gone(app_client: httpx.AsyncClient) -> None:
    await store_db.close_db()

    answer = await app_client.get("/readyz")

    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"
    assert answer.json()["database"].startswith("unreachable (")
