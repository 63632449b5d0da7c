"""Advocates over the admin API: enrol (201, then 200), 422 on bad input, pages, one with stats."""

from __future__ import annotations

from datetime import datetime
from unittest.mock import ANY

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.store.models import Advocate, Shop
from tests.admin.conftest import bearer, deliver_order
from tests.conftest import Clock
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import SHOP, order

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def advocate_json(advocate: Advocate, enrolled_at: datetime) -> dict[str, object]:
    """An advocate as the API shows it (the merchant sees emails: this is their admin)."""
    return {
        "id": advocate.id,
        "kind": "customer",
        "name": advocate.name,
        "email": advocate.email,
        "customer_id": advocate.customer_id,
        "friend_code": advocate.friend_code,
        "share_link": f"https://{SHOP}/?ref={advocate.friend_code}",
        "status": "active",
        "created_at": enrolled_at.isoformat(),
    }


async def test_enrolling_is_201_then_200_for_the_same_shopper(
    app_client: httpx.AsyncClient, shop: Shop, clock: Clock
) -> None:
    body = {"email": "Ana@Example.org", "name": "Ana", "locale": "es"}

    first = await app_client.post("/admin/api/advocates", headers=bearer(), json=body)
    again = await app_client.post(
        "/admin/api/advocates", headers=bearer(), json={"email": "ana@example.org"}
    )

    ana = await Advocate.get()
    assert (ana.email, ana.name, ana.locale) == ("Ana@Example.org", "Ana", "es")
    assert (first.status_code, first.json()) == (
        201,
        {"advocate": advocate_json(ana, clock.now), "created": True},
    )
    assert (again.status_code, again.json()) == (
        200,
        {"advocate": advocate_json(ana, clock.now), "created": False},
    )


async def test_enrolling_by_customer_id(
    app_client: httpx.AsyncClient, shop: Shop, clock: Clock
) -> None:
    answer = await app_client.post(
        "/admin/api/advocates", headers=bearer(), json={"customer_id": " 7001 ", "email": None}
    )

    bea = await Advocate.get()
    assert (answer.status_code, answer.json()) == (
        201,
        {"advocate": advocate_json(bea, clock.now), "created": True},
    )
    assert (bea.customer_id, bea.email) == ("7001", None)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, {"error": "an advocate needs an email or a store customer id"}),
        ({"email": "ana.example.org"}, {"error": "not an email address: 'ana.example.org'"}),
        (
            {"email": 7, "nickname": "Ana"},
            {
                "error": "invalid body",
                "fields": [
                    {"path": "nickname", "message": "is not a known field"},
                    {"path": "email", "message": "must be a string or null"},
                ],
            },
        ),
        (
            ["ana@example.org"],
            {
                "error": "invalid body",
                "fields": [{"path": "(root)", "message": "must be an object"}],
            },
        ),
    ],
)
async def test_bad_input_is_422_saying_why_and_enrols_no_one(
    app_client: httpx.AsyncClient, shop: Shop, body: object, error: dict[str, object]
) -> None:
    answer = await app_client.post("/admin/api/advocates", headers=bearer(), json=body)

    assert (answer.status_code, answer.json()) == (422, error)
    assert await Advocate.all().count() == 0


async def test_advocates_come_a_page_at_a_time_newest_first(
    app_client: httpx.AsyncClient, runtime: Runtime, shop: Shop, clock: Clock
) -> None:
    enrolled = [
        (await enrol_advocate(runtime, shop, email=f"{name}@example.org", name=name)).advocate
        for name in ("Ana", "Bea", "Carla")
    ]

    first = await app_client.get("/admin/api/advocates?limit=2", headers=bearer())
    cursor = first.json()["next_cursor"]
    last = await app_client.get(f"/admin/api/advocates?limit=2&cursor={cursor}", headers=bearer())

    ana, bea, carla = enrolled
    assert first.json() == {
        "advocates": [advocate_json(carla, clock.now), advocate_json(bea, clock.now)],
        "next_cursor": str(bea.id),
    }
    assert last.json() == {"advocates": [advocate_json(ana, clock.now)], "next_cursor": None}


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("limit=0", "limit must be a whole number from 1 to 200, got '0'"),
        ("limit=ten", "limit must be a whole number from 1 to 200, got 'ten'"),
        ("cursor=abc", "cursor must be the next_cursor of a page, got 'abc'"),
        (f"cursor={2**64}", f"cursor must be the next_cursor of a page, got '{2**64}'"),
    ],
)
async def test_a_bad_page_request_is_400(
    app_client: httpx.AsyncClient, shop: Shop, query: str, error: str
) -> None:
    answer = await app_client.get(f"/admin/api/advocates?{query}", headers=bearer())

    assert (answer.status_code, answer.json()) == (400, {"error": error})


async def test_one_advocate_with_referrals_by_state_and_rewards(
    app_client: httpx.AsyncClient,
    runtime: Runtime,
    program_shop: Shop,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    ana = (
        await enrol_advocate(runtime, program_shop, email="ana@example.org", name="Ana")
    ).advocate
    enrolled_at = clock.now
    fake_shopify.add_customer("friend@example.org", orders=1, customer_id=7700112233445566)
    await deliver_order(app_client, runtime, order(codes=(ana.friend_code,)), "wh-1")
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 1
    answer = await app_client.get(f"/admin/api/advocates/{ana.id}", headers=bearer())

    reward_id = answer.json()["rewards"][0]["id"]
    assert answer.status_code == 200
    assert answer.json() == {
        "advocate": advocate_json(ana, enrolled_at),
        "referrals": {
            "pending": 0, "flagged": 0, "approved": 1, "rewarded": 0, "rejected": 0,
            "reversed": 0,
        },
        "rewards": [{
            "id": reward_id, "referral_id": 1, "side": "advocate", "kind": "store_credit",
            "amount": "10.0000", "currency": "EUR", "points": None, "code": None,
            "status": "pending", "reason": None, "last_error": None,
            "created_at": clock.now.isoformat(),
        }],
        "points": 0,
        "clicks": 0,
        "friends": [{
            "referral_id": 1, "email": "friend@example.org", "customer_id": "7700112233445566",
            "order_id": ANY, "state": "approved", "created_at": ANY,
        }],
        "adjustments": [],
        "vip_tier": None,
        "ledger": [],
        "terms": None,  # enrolled by the admin, under a program without terms
    }  # fmt: skip


async def test_an_unknown_advocate_is_404(app_client: httpx.AsyncClient, shop: Shop) -> None:
    answer = await app_client.get("/admin/api/advocates/404", headers=bearer())

    assert (answer.status_code, answer.json()) == (404, {"error": "no advocate 404"})
