"""requires_session: admin JSON endpoints run with the verified shop, or answer 401."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.routes.sessions import requires_session
from connector.services.base.runtime import Runtime
from tests.conftest import TEST_PREVIOUS_SECRET
from tests.shopify.factories import SHOP, session_token

RETRY = "X-Shopify-Retry-Invalid-Session-Request"
# The suite's test secrets are shorter than PyJWT's recommended 32 bytes; that is not under test.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


async def whoami(request: Request, shop: str) -> Response:
    return JSONResponse({"shop": shop})


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=[Route("/api/whoami", requires_session(whoami))])
    app.state.runtime = runtime
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://c.example") as http:
        yield http


@pytest.mark.parametrize("secret", ["current", "previous"])
async def test_valid_bearer_token_reaches_the_endpoint_with_the_shop(
    client: httpx.AsyncClient, secret: str
) -> None:
    token = session_token() if secret == "current" else session_token(secret=TEST_PREVIOUS_SECRET)

    answer = await client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200
    assert answer.json() == {"shop": SHOP}


async def test_stale_bearer_token_is_401_with_retry_header(client: httpx.AsyncClient) -> None:
    token = session_token(expires_in=-30)

    answer = await client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401
    assert answer.headers[RETRY] == "1"
    assert answer.json() == {"error": "invalid session token", "reason": "invalid_session"}


async def test_token_for_mismatched_shops_is_401(client: httpx.AsyncClient) -> None:
    token = session_token(iss="https://other-shop.myshopify.com/admin")

    answer = await client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401
    assert answer.json() == {"error": "invalid session token", "reason": "shop_mismatch"}


async def test_missing_authorization_is_401_without_retry_header(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/whoami")

    assert answer.status_code == 401
    assert RETRY not in answer.headers
    assert answer.json() == {"error": "invalid session token", "reason": "missing_session"}
