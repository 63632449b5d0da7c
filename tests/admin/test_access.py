"""Who may call the admin API: a valid session token of an installed shop, and only for its data."""

from __future__ import annotations

import re
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest
from starlette.routing import Route

from connector.app import create_app
from connector.routes.admin.api import PREFIX, api_routes
from connector.services.base.runtime import Runtime
from connector.settings import load_settings
from connector.store.models import Delivery, Referral, ReferralEvent, Shop, ShopStatus
from tests.admin.conftest import OTHER_SHOP, PROGRAM, RETRY, bearer
from tests.conftest import TEST_API_SECRET, Clock, make_env
from tests.rewards.factories import advocate, referral
from tests.shopify.factories import session_token
from tests.support.shopify_payloads import encode, order, signed_headers

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def _calls() -> list[tuple[str, str]]:
    """Every guarded (method, path) of the API, with 1 for each path parameter."""
    calls = []
    for route in api_routes:
        assert isinstance(route, Route)
        path = PREFIX + re.sub(r"\{[^}]+\}", "1", route.path_format)
        calls += [(m, path) for m in sorted(route.methods or ()) if m != "HEAD"]
    return [c for c in calls if not c[1].endswith("/openapi.json")]


CALLS = _calls()


@pytest.mark.parametrize(("method", "path"), CALLS)
async def test_every_endpoint_is_401_without_a_session_token(
    app_client: httpx.AsyncClient, shop: Shop, method: str, path: str
) -> None:
    answer = await app_client.request(method, path)

    assert answer.status_code == 401
    assert answer.json() == {"error": "invalid session token", "reason": "missing_session"}
    assert RETRY not in answer.headers


async def test_a_stale_token_is_401_with_the_retry_header(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    stale = {"Authorization": f"Bearer {session_token(expires_in=-30)}"}

    answer = await app_client.put("/admin/api/program", headers=stale, json=PROGRAM)

    assert answer.status_code == 401
    assert answer.headers[RETRY] == "1"
    assert answer.json() == {"error": "invalid session token", "reason": "invalid_session"}
    answer = await app_client.get("/admin/api/program/versions", headers=bearer())
    assert answer.json() == {"versions": []}


@pytest.fixture
async def unconfigured(tmp_path: Path, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app with no Shopify credentials set."""
    env = make_env(tmp_path, database_url, SHOPIFY_API_KEY="", SHOPIFY_API_SECRET="")
    env.pop("SHOPIFY_API_SECRET_PREVIOUS")
    async with httpx.AsyncClient() as http:
        app = create_app(runtime=Runtime(load_settings(env), http), manage_db=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="https://c.example") as c:
                yield c


@pytest.mark.parametrize(("method", "path"), CALLS)
async def test_every_endpoint_is_503_while_shopify_is_not_configured(
    unconfigured: httpx.AsyncClient, method: str, path: str
) -> None:
    answer = await unconfigured.request(method, path, headers={"Authorization": "Bearer x"})

    assert answer.status_code == 503
    assert answer.json() == {
        "error": "Shopify is not configured: set SHOPIFY_API_KEY and SHOPIFY_API_SECRET"
    }


async def test_a_shop_that_has_not_installed_the_app_is_403(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    stranger = await app_client.get(
        "/admin/api/program", headers=bearer("never-installed.myshopify.com")
    )
    await Shop.filter(id=shop.id).update(status=ShopStatus.UNINSTALLED)
    gone = await app_client.get("/admin/api/program", headers=bearer())

    assert (stranger.status_code, stranger.json()) == (
        403,
        {
            "error": "never-installed.myshopify.com has not installed the app:"
            " open it from the admin to install it"
        },
    )
    assert (gone.status_code, gone.json()["error"]) == (
        403,
        f"{shop.domain} has not installed the app: open it from the admin to install it",
    )


async def test_a_token_without_a_user_acts_as_the_shop(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    claims = jwt.decode(session_token(), options={"verify_signature": False})
    del claims["sub"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        token = jwt.encode(claims, TEST_API_SECRET, algorithm="HS256")

    answer = await app_client.put(
        "/admin/api/program", headers={"Authorization": f"Bearer {token}"}, json=PROGRAM
    )

    assert (answer.status_code, answer.json()["created_by"]) == (200, shop.domain)


async def test_a_shop_never_reads_or_changes_another_shops_data(
    app_client: httpx.AsyncClient, shop: Shop, other_shop: Shop, clock: Clock
) -> None:
    theirs = await advocate(other_shop, clock.now)
    flagged = await referral(other_shop, theirs, clock.now, state="flagged")
    raw = encode(order())
    headers = signed_headers(raw, "orders/paid", "wh-other", shop=OTHER_SHOP)
    assert (await app_client.post("/webhooks/shopify", content=raw, headers=headers)).is_success
    delivery = await Delivery.get(delivery_key="wh-other")
    await Delivery.filter(id=delivery.id).update(status="dead")

    answers = {
        path: await app_client.request(method, path, headers=bearer())
        for method, path in [
            ("GET", f"/admin/api/advocates/{theirs.id}"),
            ("GET", f"/admin/api/referrals/{flagged.id}"),
            ("POST", f"/admin/api/referrals/{flagged.id}/approve"),
            ("POST", f"/admin/api/referrals/{flagged.id}/reject"),
            ("POST", f"/admin/api/deliveries/{delivery.id}/replay"),
        ]
    }
    lists = {
        path: (await app_client.get(path, headers=bearer())).json()
        for path in [
            "/admin/api/advocates",
            "/admin/api/referrals",
            "/admin/api/review",
            "/admin/api/deliveries",
        ]
    }

    assert {path: (a.status_code, a.json()) for path, a in answers.items()} == {
        f"/admin/api/advocates/{theirs.id}": (404, {"error": f"no advocate {theirs.id}"}),
        f"/admin/api/referrals/{flagged.id}": (404, {"error": f"no referral {flagged.id}"}),
        f"/admin/api/referrals/{flagged.id}/approve": (
            404,
            {"error": f"no referral {flagged.id}"},
        ),
        f"/admin/api/referrals/{flagged.id}/reject": (404, {"error": f"no referral {flagged.id}"}),
        f"/admin/api/deliveries/{delivery.id}/replay": (
            404,
            {"error": f"no delivery {delivery.id}"},
        ),
    }
    assert lists == {
        "/admin/api/advocates": {"advocates": [], "next_cursor": None},
        "/admin/api/referrals": {"referrals": [], "next_cursor": None},
        "/admin/api/review": {"referrals": []},
        "/admin/api/deliveries": {"deliveries": []},
    }
    assert (await Referral.get(id=flagged.id)).state == "flagged"
    assert await ReferralEvent.all().count() == 0
    assert (await Delivery.get(id=delivery.id)).status == "dead"
    theirs_seen = await app_client.get(
        f"/admin/api/advocates/{theirs.id}", headers=bearer(OTHER_SHOP)
    )
    assert theirs_seen.json()["advocate"]["email"] == "ana@example.org"


async def test_a_path_or_method_the_api_does_not_have_answers_json(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    missing = await app_client.get("/admin/api/coupons", headers=bearer())
    wrong = await app_client.delete("/admin/api/program", headers=bearer())

    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "GET /admin/api/coupons is not an admin API endpoint (see"
                  " /admin/api/openapi.json)"},
    )  # fmt: skip
    assert (wrong.status_code, wrong.json()) == (
        405,
        {"error": "DELETE /admin/api/program is not allowed: use GET, HEAD, PUT"},
    )
    assert wrong.headers["allow"] == "GET, HEAD, PUT"


async def test_a_body_over_the_limit_is_413_and_not_read_further(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    big = b'{"name": "' + b"x" * 70_000 + b'"}'

    answer = await app_client.put("/admin/api/program", headers=bearer(), content=big)

    assert (answer.status_code, answer.json()) == (
        413,
        {"error": "body is larger than 65536 bytes"},
    )
