"""The program page's tools over the admin API: the simulator, versions compared and restored,
and referrals filtered by date a page at a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.store.models import Advocate, ProgramVersion, Referral, Shop
from tests.admin.conftest import PROGRAM, bearer
from tests.conftest import Clock
from tests.rewards.factories import referral

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture
async def ana(runtime: Runtime, program_shop: Shop) -> Advocate:
    return (await enrol_advocate(runtime, program_shop, email="ana@example.org", name="Ana")).advocate


async def simulate(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/admin/api/simulate", headers=bearer(), json=body)


async def test_the_simulator_says_what_an_order_would_earn_and_writes_nothing(
    app_client: httpx.AsyncClient, ana: Advocate
) -> None:
    answer = await simulate(
        app_client, subtotal="30.00", code=ana.friend_code, email="friend@example.org"
    )

    body = answer.json()
    assert answer.status_code == 200
    assert (body["outcome"], body["state"], body["reason"]) == ("credit_pending", "pending", None)
    assert body["advocate"]["id"] == ana.id
    assert (body["order_value"], body["currency"], body["program_version"]) == ("30.00", "EUR", 1)
    # The friend's 10% is their discount code, not a reward issued after the hold.
    assert body["rewards"] == [{
        "side": "advocate", "kind": "store_credit", "description": "10.00 EUR store credit",
        "amount": "10.00", "currency": "EUR", "points": None,
    }]  # fmt: skip
    assert any(f["reason"] == "below_minimum" and f["verdict"] == "pass" for f in body["findings"])
    assert body["lines"][-1].startswith("Dry run")
    assert await Referral.all().count() == 0


async def test_the_simulator_judges_the_form_being_edited(
    app_client: httpx.AsyncClient, ana: Advocate
) -> None:
    edited = {**PROGRAM, "min_subtotal": "50.00"}

    answer = await simulate(app_client, subtotal="30.00", code=ana.friend_code, program=edited)

    assert (answer.json()["outcome"], answer.json()["reason"]) == ("reject", "below_minimum")
    assert "Judged under the program as edited, not saved yet." in answer.json()["lines"]


async def test_a_blocked_advocate_and_an_order_nobody_referred_are_explained(
    app_client: httpx.AsyncClient, ana: Advocate
) -> None:
    await app_client.post(f"/admin/api/advocates/{ana.id}/block", headers=bearer())

    blocked = await simulate(app_client, subtotal="30.00", code=ana.friend_code)
    nobody = await simulate(app_client, subtotal="30.00", code="NOT-A-CODE")

    assert (blocked.json()["outcome"], blocked.json()["reason"]) == ("reject", "advocate_blocked")
    assert (nobody.json()["outcome"], nobody.json()["advocate"]) == ("ignore", None)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({}, "subtotal"),
        ({"subtotal": "lots"}, "subtotal"),
        ({"subtotal": "30", "currency": "euro"}, "currency"),
        ({"subtotal": "30", "new_customer": "yes"}, "new_customer"),
        ({"subtotal": "30", "program": {**PROGRAM, "hold_days": -1}}, "program.hold_days"),
        ({"subtotal": "30", "colour": "red"}, "colour"),
    ],
)
async def test_a_bad_simulation_names_the_field(
    app_client: httpx.AsyncClient, program_shop: Shop, body: dict[str, Any], path: str
) -> None:
    answer = await app_client.post("/admin/api/simulate", headers=bearer(), json=body)

    assert answer.status_code == 422
    assert [f["path"] for f in answer.json()["fields"]] == [path]


async def test_versions_are_compared_and_an_old_one_restored(
    app_client: httpx.AsyncClient, program_shop: Shop
) -> None:
    changed = {
        **PROGRAM, "hold_days": 30,
        "advocate_reward": {"kind": "store_credit", "value": "15.00"},
    }  # fmt: skip
    await app_client.put("/admin/api/program", headers=bearer(), json=changed)

    diff = await app_client.get("/admin/api/program/diff?from=1", headers=bearer())
    restored = await app_client.post("/admin/api/program/versions/1/restore", headers=bearer())
    back = await app_client.get("/admin/api/program/diff?from=1&to=3", headers=bearer())

    assert diff.status_code == 200
    assert diff.json() == {
        "from": 1,
        "to": 2,
        "changes": [
            {"path": "advocate_reward.value", "before": "10.00", "after": "15.00"},
            {"path": "hold_days", "before": 14, "after": 30},
        ],
    }
    assert restored.status_code == 200
    assert (restored.json()["version"], restored.json()["restored_from"]) == (3, 1)
    assert restored.json()["created_by"] == "42"
    assert back.json()["changes"] == []
    note = (await ProgramVersion.get(version=3)).note
    assert note == "Restored from version 1."


@pytest.mark.parametrize(
    ("query", "status"),
    [("", 400), ("from=x", 400), ("from=9", 404), ("from=1&to=9", 404)],
)
async def test_a_bad_comparison_says_why(
    app_client: httpx.AsyncClient, program_shop: Shop, query: str, status: int
) -> None:
    answer = await app_client.get(f"/admin/api/program/diff?{query}", headers=bearer())

    assert answer.status_code == status
    assert answer.json()["error"]


async def test_restoring_a_version_that_does_not_exist_is_404(
    app_client: httpx.AsyncClient, program_shop: Shop
) -> None:
    answer = await app_client.post("/admin/api/program/versions/7/restore", headers=bearer())

    assert answer.status_code == 404


async def test_referrals_are_filtered_by_date_and_paged(
    app_client: httpx.AsyncClient, program_shop: Shop, ana: Advocate, clock: Clock
) -> None:
    start = clock.now
    for day in range(5):
        await referral(program_shop, ana, start + timedelta(days=day), order_id=f"o{day}",
                       state="pending" if day % 2 else "approved")  # fmt: skip
    since = (start + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    until = (start + timedelta(days=4)).isoformat().replace("+00:00", "Z")

    first = await app_client.get(
        "/admin/api/referrals", headers=bearer(),
        params={"since": since, "until": until, "limit": 2},
    )  # fmt: skip
    cursor = first.json()["next_cursor"]
    second = await app_client.get(
        "/admin/api/referrals", headers=bearer(),
        params={"since": since, "until": until, "limit": 2, "cursor": cursor},
    )  # fmt: skip
    pending = await app_client.get(
        "/admin/api/referrals", headers=bearer(), params={"state": "pending", "since": since}
    )
    mine = await app_client.get(
        "/admin/api/referrals", headers=bearer(), params={"advocate_id": ana.id + 1}
    )

    assert [r["order_id"] for r in first.json()["referrals"]] == ["o3", "o2"]
    assert [r["order_id"] for r in second.json()["referrals"]] == ["o1"]
    assert second.json()["next_cursor"] is None
    assert [r["order_id"] for r in pending.json()["referrals"]] == ["o3", "o1"]
    assert mine.json()["referrals"] == []


@pytest.mark.parametrize("query", ["since=yesterday", "cursor=-1", "advocate_id=ana"])
async def test_a_bad_referral_filter_is_400(
    app_client: httpx.AsyncClient, shop: Shop, query: str
) -> None:
    answer = await app_client.get(f"/admin/api/referrals?{query}", headers=bearer())

    assert answer.status_code == 400
    assert answer.json()["error"]
