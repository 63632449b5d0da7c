"""Payouts (JSON and CSV), the contest leaderboard and the shop's deliveries over the admin API."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.programs import save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Delivery, Shop
from tests.admin.conftest import PROGRAM, bearer
from tests.conftest import Clock
from tests.rewards.factories import advocate, iso, referral, reward
from tests.support.shopify_payloads import encode, order, signed_headers

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


async def test_payouts_are_listed_and_exported_with_exact_amounts(
    app_client: httpx.AsyncClient, runtime: Runtime, shop: Shop, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    cash = await reward(shop, clock.now, kind="cash", who=ana, amount="12.5")
    await reward(shop, clock.now, kind="store_credit", key="rw_test_0002", who=ana, amount="5")
    await issue_due_rewards(runtime)  # the cash is recorded for a person to pay

    listed = await app_client.get("/admin/api/payouts", headers=bearer())
    csv = await app_client.get("/admin/api/payouts.csv?status=recorded", headers=bearer())

    assert listed.json() == {
        "payouts": [{
            "reward_id": cash.id, "recorded_at": clock.now.isoformat(), "kind": "cash",
            "amount": "12.50", "currency": "EUR", "cause": None, "advocate_id": ana.id,
            "advocate_name": "Ana", "advocate_email": "ana@example.org", "referral_id": None,
            "status": "recorded", "paid_at": None, "paid_by": None, "reference": None,
        }]
    }  # fmt: skip
    assert csv.status_code == 200
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.headers["content-disposition"] == 'attachment; filename="payouts.csv"'
    assert csv.text == (
        "reward_id,recorded_at,kind,amount,currency,cause,advocate_id,advocate_name,"
        "advocate_email,referral_id,status,paid_at,paid_by,reference\n"
        f"{cash.id},{iso(clock.now)},cash,12.50,EUR,,{ana.id},Ana,ana@example.org,,recorded,,,\n"
    )


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("status=owed", "unknown status 'owed': use one of recorded, paid, clawback"),
        ("since=yesterday", "since must be an ISO-8601 date or time, got 'yesterday'"),
    ],
)
async def test_a_bad_payout_filter_is_400(
    app_client: httpx.AsyncClient, shop: Shop, query: str, error: str
) -> None:
    answer = await app_client.get(f"/admin/api/payouts.csv?{query}", headers=bearer())

    assert answer.status_code == 400
    assert answer.json()["error"] == error


async def test_the_leaderboard_ranks_the_live_contest(
    app_client: httpx.AsyncClient, runtime: Runtime, shop: Shop, clock: Clock
) -> None:
    starts, ends = clock.now - timedelta(days=1), clock.now + timedelta(days=30)
    contest = {
        "contest_id": "nov-2026", "name": "November Challenge", "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(), "top_n": 3, "prizes": [{"kind": "cash", "value": "50.00"}],
    }  # fmt: skip
    await save_program(runtime, shop, {**PROGRAM, "contest": contest}, actor="test")
    ana = await advocate(shop, clock.now)
    bea = await advocate(shop, clock.now, name="Bea", customer_id="7002", email="bea@example.org")
    await referral(shop, ana, clock.now, order_id="5001")
    await referral(shop, bea, clock.now, order_id="5002")
    await referral(shop, bea, clock.now, order_id="5003", state="rewarded")
    await referral(shop, ana, clock.now, order_id="5004", state="pending")  # not qualified yet

    answer = await app_client.get("/admin/api/contests/nov-2026/leaderboard", headers=bearer())
    other = await app_client.get("/admin/api/contests/june-2026/leaderboard", headers=bearer())

    assert answer.json() == {
        "contest": {
            "id": "nov-2026", "name": "November Challenge", "starts_at": starts.isoformat(),
            "ends_at": ends.isoformat(), "top_n": 3,
        },
        "standings": [
            {"rank": 1, "advocate_id": bea.id, "referrals": 2, "reached_at": clock.now.isoformat()},
            {"rank": 2, "advocate_id": ana.id, "referrals": 1, "reached_at": clock.now.isoformat()},
        ],
    }  # fmt: skip
    assert (other.status_code, other.json()) == (
        404,
        {"error": "the live program has no contest 'june-2026'"},
    )


async def _webhook(client: httpx.AsyncClient, body: bytes, webhook_id: str, shop: str) -> None:
    headers = signed_headers(body, "orders/paid", webhook_id, shop=shop)
    assert (
        await client.post("/webhooks/shopify", content=body, headers=headers)
    ).status_code == 200


async def test_the_merchant_sees_a_failed_delivery_and_replays_it(
    app_client: httpx.AsyncClient, runtime: Runtime, shop: Shop, clock: Clock
) -> None:
    await _webhook(app_client, encode(order(codes=())), "wh-ok", shop.domain)
    await _webhook(app_client, b'{"id": "not an order"}', "wh-bad", shop.domain)
    await build_worker(runtime).drain()
    bad = await Delivery.get(delivery_key="wh-bad")
    clock.advance(minutes=5)

    dead = await app_client.get("/admin/api/deliveries?status=dead", headers=bearer())
    replayed = await app_client.post(f"/admin/api/deliveries/{bad.id}/replay", headers=bearer())

    assert dead.json() == {
        "deliveries": [{
            "id": bad.id, "platform": "shopify", "topic": "orders/paid", "shop": shop.domain,
            "webhook_id": "wh-bad", "status": "dead", "attempts": 1,
            "received_at": (clock.now - timedelta(minutes=5)).isoformat(),
            "last_error": bad.last_error,
        }]
    }  # fmt: skip
    assert bad.last_error == "ValueError: order not an order has no created_at or updated_at"
    assert (replayed.status_code, replayed.json()) == (202, {"id": bad.id, "status": "pending"})
    again = await Delivery.get(id=bad.id)
    assert (again.status, again.attempts, again.next_attempt_at) == ("pending", 0, clock.now)
    listed = await app_client.get("/admin/api/deliveries", headers=bearer())
    assert [(d["webhook_id"], d["status"]) for d in listed.json()["deliveries"]] == [
        ("wh-bad", "pending"),
        ("wh-ok", "done"),
    ]


async def test_a_delivery_being_processed_is_not_replayed(
    app_client: httpx.AsyncClient, shop: Shop
) -> None:
    await _webhook(app_client, encode(order()), "wh-busy", shop.domain)
    await Delivery.filter(delivery_key="wh-busy").update(status="processing")
    busy = await Delivery.get(delivery_key="wh-busy")

    answer = await app_client.post(f"/admin/api/deliveries/{busy.id}/replay", headers=bearer())

    assert (answer.status_code, answer.json()) == (
        409,
        {"error": f"delivery {busy.id} is being processed now; try again after"},
    )
    assert (await Delivery.get(id=busy.id)).status == "processing"
