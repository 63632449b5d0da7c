"""Without SHOPIFY_API_KEY/SECRET every Shopify admin route answers 503 saying what to set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.app import create_app
from connector.routes.sessions import requires_session
from connector.services.base.runtime import Runtime
from connector.settings import load_settings
from tests.conftest import make_env

MESSAGE = {"error": "Shopify is not configured: set SHOPIFY_API_KEY and SHOPIFY_API_SECRET"}


async def whoami(request: Request, shop: str) -> Response:
    return JSONResponse({"shop": shop})


@pytest.fixture
async def unconfigured(tmp_path: Path, database_url: str) -> AsyncIterator[Runtime]:
    env = make_env(tmp_path, database_url, SHOPIFY_API_KEY="", SHOPIFY_API_SECRET="")
    env.pop("SHOPIFY_API_SECRET_PREVIOUS")
    async with httpx.AsyncClient() as http:
        yield Runtime(load_settings(env), http)


@pytest.mark.parametrize(
    "path",
    [
        "/?shop=referral-test.myshopify.com&embedded=1",
        "/app?shop=referral-test.myshopify.com&id_token=x",
        "/auth/patch-id-token?shop=referral-test.myshopify.com&shopify-reload=%2F",
        "/auth?shop=referral-test.myshopify.com&timestamp=1&hmac=00",
        "/auth/callback?shop=referral-test.myshopify.com&code=c&state=s&timestamp=1&hmac=00",
    ],
)
async def test_every_shopify_route_is_503_with_what_to_set(
    unconfigured: Runtime, path: str
) -> None:
    app = create_app(runtime=unconfigured, manage_db=False, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://c.example") as client:
            answer = await client.get(path)

    assert answer.status_code == 503
    assert answer.json() == MESSAGE


async def test_a_person_opening_slash_gets_a_page_saying_what_to_set(unconfigured: Runtime) -> None:
    app = create_app(runtime=unconfigured, manage_db=False, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://c.example") as client:
            answer = await client.get("/")

    assert (answer.status_code, answer.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert "Shopify is not configured on this server yet" in answer.text
    assert '<a href="/woocommerce/connect">Connect a WooCommerce store</a>' in answer.text


async def test_session_guard_is_503_with_what_to_set(unconfigured: Runtime) -> None:
    app = Starlette(routes=[Route("/api/whoami", requires_session(whoami))])
    app.state.runtime = unconfigured
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://c.example") as client:
        answer = await client.get("/api/whoami", headers={"Authorization": "Bearer x"})

    assert answer.status_code == 503
    assert answer.json() == MESSAGE
