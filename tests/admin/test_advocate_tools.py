"""A merchant finds advocates and changes them over the admin API: search, points, a granted
reward, block and unblock; each change is recorded with the staff user and the reason."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.services.referrals import advocates
from connector.services.referrals.advocates import enrol_advocate
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Adjustment, Advocate, LedgerEntry, Referral, Reward, Shop
from tests.admin.conftest import bearer, deliver_order
from tests.conftest import Clock
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import order

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

STAFF = "42"  # the `sub` of tests.shopify.factories.session_token


@pytest.fixture(params=[20_000, 2], ids=["one-pass", "window-then-indexes"])
def window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The search's walk of the newest advocates: past all of them, or past only two."""
    monkeypatch.setattr(advocates, "SEARCH_WINDOW", request.param)
    size: int = request.param
    return size


async def enrol(runtime: Runtime, shop: Shop, email: str, name: str) -> Advocate:
    return (await enrol_advocate(runtime, shop, email=email, name=name)).advocate


async def found(client: httpx.AsyncClient, query: str) -> list[str]:
    answer = await client.get(f"/admin/api/advocates?{query}", headers=bearer())
    assert answer.status_code == 200, answer.text
    return [a["email"] for a in answer.json()["advocates"]]


async def test_advocates_are_found_by_code_email_or_name(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop, window: int
) -> None:
    ana = await enrol(runtime, program_shop, "ana.garcia@example.org", "Ana García")
    await enrol(runtime, program_shop, "bruno@example.org", "Bruno Díaz")
    await enrol(runtime, program_shop, "anabel@shop.example", "Marta Anabel")

    assert await found(app_client, f"q={ana.friend_code.lower()}") == ["ana.garcia@example.org"]
    assert await found(app_client, "q=ana") == ["anabel@shop.example", "ana.garcia@example.org"]
    assert await found(app_client, "q=ANA.GARCIA@example.org") == ["ana.garcia@example.org"]
    assert await found(app_client, "q=bruno d") == ["bruno@example.org"]
    assert await found(app_client, "q=marta") == ["anabel@shop.example"]
    assert await found(app_client, "q=nobody") == []


async def test_a_search_pages_with_the_cursor(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop, window: int
) -> None:
    for n in range(5):
        await enrol(runtime, program_shop, f"ana{n}@example.org", f"Ana {n}")
    await enrol(runtime, program_shop, "bruno@example.org", "Bruno")

    first = (await app_client.get("/admin/api/advocates?q=ana&limit=3", headers=bearer())).json()
    cursor = first["next_cursor"]
    second = await app_client.get(f"/admin/api/advocates?q=ana&limit=3&cursor={cursor}", headers=bearer())

    assert [a["name"] for a in first["advocates"]] == ["Ana 4", "Ana 3", "Ana 2"]
    assert [a["name"] for a in second.json()["advocates"]] == ["Ana 1", "Ana 0"]
    assert second.json()["next_cursor"] is None


async def adjust(
    client: httpx.AsyncClient, advocate_id: int, **body: Any
) -> httpx.Response:
    return await client.post(f"/admin/api/advocates/{advocate_id}/points", headers=bearer(), json=body)


async def test_points_are_added_and_removed_with_a_reason_never_below_zero(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop, clock: Clock
) -> None:
    ana = await enrol(runtime, program_shop, "ana@example.org", "Ana")

    added = await adjust(app_client, ana.id, points=50, reason="Birthday gift", request_key="k1")
    again = await adjust(app_client, ana.id, points=50, reason="Birthday gift", request_key="k1")
    too_many = await adjust(app_client, ana.id, points=-80, reason="Typo", request_key="k2")
    removed = await adjust(app_client, ana.id, points=-30, reason="Returned order", request_key="k3")
    detail = await app_client.get(f"/admin/api/advocates/{ana.id}", headers=bearer())

    assert added.status_code == 201
    assert added.json() == {
        "adjustment": {
            "id": added.json()["adjustment"]["id"], "advocate_id": ana.id, "kind": "points",
            "points": 50, "reward_id": None, "reason": "Birthday gift", "actor": STAFF,
            "created_at": clock.now.isoformat(),
        },
        "points": 50,
        "created": True,
    }  # fmt: skip
    assert (again.status_code, again.json()["created"], again.json()["points"]) == (200, False, 50)
    assert too_many.status_code == 422
    assert too_many.json()["fields"] == [
        {"path": "points", "message": "would take the balance below zero: the advocate has 50"}
    ]
    assert (removed.status_code, removed.json()["points"]) == (201, 20)
    assert detail.json()["points"] == 20
    assert [(a["points"], a["reason"]) for a in detail.json()["adjustments"]] == [
        (-30, "Returned order"), (50, "Birthday gift")
    ]
    assert await LedgerEntry.filter(advocate_id=ana.id).count() == 2


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"points": 0, "reason": "x", "request_key": "k"}, "points"),
        ({"points": 1.5, "reason": "x", "request_key": "k"}, "points"),
        ({"points": 5, "reason": " ", "request_key": "k"}, "reason"),
        ({"points": 5, "reason": "x"}, "request_key"),
        ({"points": 5, "reason": "x", "request_key": "k", "extra": 1}, "extra"),
    ],
)
async def test_a_bad_points_request_names_the_field(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop, body: dict[str, Any],
    path: str,
) -> None:  # fmt: skip
    ana = await enrol(runtime, program_shop, "ana@example.org", "Ana")

    answer = await adjust(app_client, ana.id, **body)

    assert answer.status_code == 422
    assert [f["path"] for f in answer.json()["fields"]] == [path]
    assert await Adjustment.all().count() == 0


async def test_a_request_key_of_another_adjustment_is_409(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop
) -> None:
    ana = await enrol(runtime, program_shop, "ana@example.org", "Ana")
    bruno = await enrol(runtime, program_shop, "bruno@example.org", "Bruno")
    await adjust(app_client, ana.id, points=5, reason="x", request_key="same")

    answer = await adjust(app_client, bruno.id, points=5, reason="x", request_key="same")

    assert answer.status_code == 409
    assert await LedgerEntry.filter(advocate_id=bruno.id).count() == 0


async def test_a_granted_reward_is_issued_by_the_outbox_once(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop, clock: Clock
) -> None:
    ana = await enrol(runtime, program_shop, "ana@example.org", "Ana")
    body = {"kind": "cash", "value": "7.50", "reason": "Goodwill", "request_key": "g1"}

    granted = await app_client.post(f"/admin/api/advocates/{ana.id}/rewards", headers=bearer(), json=body)
    again = await app_client.post(f"/admin/api/advocates/{ana.id}/rewards", headers=bearer(), json=body)
    await issue_due_rewards(runtime)
    payouts = await app_client.get("/admin/api/payouts", headers=bearer())

    assert granted.status_code == 201
    reward = granted.json()["reward"]
    assert (reward["kind"], reward["amount"], reward["currency"], reward["status"]) == (
        "cash", "7.5000", "EUR", "pending"
    )
    assert granted.json()["adjustment"]["reward_id"] == reward["id"]
    assert granted.json()["adjustment"]["actor"] == STAFF
    assert (again.status_code, again.json()["reward"]["id"]) == (200, reward["id"])
    assert await Reward.all().count() == 1
    assert [p["amount"] for p in payouts.json()["payouts"]] == ["7.50"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"kind": "points", "value": "5", "reason": "x", "request_key": "k"}, "kind"),
        ({"kind": "cash", "reason": "x", "request_key": "k"}, "value"),
        ({"kind": "cash", "value": "-1", "reason": "x", "request_key": "k"}, "value"),
        ({"kind": "cash", "value": "1.005", "reason": "x", "request_key": "k"}, "value"),
        ({"kind": "percentage_discount", "value": "150", "reason": "x", "request_key": "k"}, "value"),
    ],
)
async def test_a_bad_grant_names_the_field(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop, body: dict[str, Any],
    path: str,
) -> None:  # fmt: skip
    ana = await enrol(runtime, program_shop, "ana@example.org", "Ana")

    answer = await app_client.post(f"/admin/api/advocates/{ana.id}/rewards", headers=bearer(), json=body)

    assert answer.status_code == 422
    assert [f["path"] for f in answer.json()["fields"]] == [path]


async def test_a_blocked_advocate_earns_nothing_and_the_referral_says_why(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop,
    fake_shopify: FakeShopify,
) -> None:  # fmt: skip
    ana = await enrol(runtime, program_shop, "ana@example.org", "Ana")
    fake_shopify.add_customer("friend@example.org", orders=1, customer_id=7700112233445566)

    blocked = await app_client.post(
        f"/admin/api/advocates/{ana.id}/block", headers=bearer(), json={"reason": "Coupon site"}
    )
    listed = await found(app_client, "status=blocked")
    await deliver_order(app_client, runtime, order(codes=(ana.friend_code,)), "wh-1")
    referral = await Referral.get(advocate_id=ana.id)
    detail = await app_client.get(f"/admin/api/referrals/{referral.id}", headers=bearer())
    unblocked = await app_client.post(f"/admin/api/advocates/{ana.id}/unblock", headers=bearer())

    assert blocked.status_code == 200
    assert blocked.json()["advocate"]["status"] == "blocked"
    assert blocked.json()["adjustment"]["reason"] == "Coupon site"
    assert listed == ["ana@example.org"]
    assert (referral.state, referral.state_reason) == ("rejected", "advocate_blocked")
    assert any("advocate_blocked" in line for line in detail.json()["explanation"])
    assert await Reward.all().count() == 0
    assert unblocked.json()["advocate"]["status"] == "active"
    kinds = [a.kind for a in await Adjustment.filter(advocate_id=ana.id).order_by("id")]
    assert kinds == ["block", "unblock"]


async def test_changing_another_shops_advocate_is_404(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop, other_shop: Shop
) -> None:
    theirs = await enrol(runtime, other_shop, "their@example.org", "Theirs")

    answers = [
        await adjust(app_client, theirs.id, points=5, reason="x", request_key="k"),
        await app_client.post(f"/admin/api/advocates/{theirs.id}/block", headers=bearer()),
        await app_client.post(
            f"/admin/api/advocates/{theirs.id}/rewards", headers=bearer(),
            json={"kind": "free_shipping", "reason": "x", "request_key": "k2"},
        ),
    ]  # fmt: skip

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert (await Advocate.get(id=theirs.id)).status == "active"


async def test_a_granted_gift_card_is_made_in_the_store_once(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop,
    fake_shopify: FakeShopify,
) -> None:  # fmt: skip
    customer = fake_shopify.add_customer("ana@example.org")
    ana = (
        await enrol_advocate(runtime, program_shop, email="ana@example.org", name="Ana",
                             customer_id=customer)
    ).advocate  # fmt: skip
    body = {"kind": "gift_card", "value": "20.00", "reason": "Sorry for the delay",
            "request_key": "g-gift"}  # fmt: skip

    for _ in range(2):
        granted = await app_client.post(
            f"/admin/api/advocates/{ana.id}/rewards", headers=bearer(), json=body
        )
        assert granted.status_code in (200, 201), granted.text
    assert await issue_due_rewards(runtime) == 1
    assert await issue_due_rewards(runtime) == 0

    reward = await Reward.get(advocate_id=ana.id)
    [card] = fake_shopify.gift_cards.values()
    assert (reward.kind, reward.status, reward.code) == ("gift_card", "issued", card.code)
    assert (card.initial_value, card.customer_id) == (
        20, f"gid://shopify/Customer/{customer}",
    )  # fmt: skip
