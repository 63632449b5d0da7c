"""The overview, settings, partner programme and payouts over the admin API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connector.domain.program import program_to_dict
from connector.domain.program.presets import PRESETS
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.storefront.api import Visitor, click, config
from connector.store.models import Delivery, Shop, ShopStatus
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.rewards.factories import advocate, referral, reward

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


async def test_the_overview_lists_what_needs_attention_and_the_counts(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop, clock: Clock
) -> None:
    ana = await advocate(program_shop, clock.now)
    await referral(program_shop, ana, clock.now, order_id="1", state="flagged")
    await referral(program_shop, ana, clock.now, order_id="2", state="approved")
    await reward(program_shop, clock.now, kind="cash", who=ana, amount="5")
    await issue_due_rewards(runtime)
    await Delivery.create(
        platform="shopify", shop_domain=program_shop.domain, delivery_key="d1",
        topic="orders/paid", headers={}, body=b"{}", received_at=clock.now,
        status="dead", next_attempt_at=clock.now,
    )  # fmt: skip
    program_shop.status, program_shop.status_reason = ShopStatus.NEEDS_REAUTH, "token revoked"
    await program_shop.save()

    answer = await app_client.get("/admin/api/overview", headers=bearer())

    assert answer.status_code == 200
    assert answer.json() == {
        "attention": {
            "review": 1, "dead_deliveries": 1, "failed_rewards": 0, "payouts_to_pay": 1,
            "store": {"status": "needs_reauth", "reason": "token revoked"}, "budget": None,
        },
        "counts": {
            "advocates": 1, "clicks": 0,
            "referrals": {
                "pending": 0, "flagged": 1, "approved": 1, "rewarded": 0, "rejected": 0,
                "reversed": 0,
            },
        },
        "program": {"version": 1, "name": "Give 10%, get 10 EUR", "default": False},
    }  # fmt: skip


async def test_settings_change_what_the_widget_shows(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop
) -> None:
    change = {
        "ref_param": "amigo",
        "consent": "ask",
        "copy": {"es": {"title": "Invita a tus amigas"}},
    }

    before = await app_client.get("/admin/api/settings", headers=bearer())
    saved = await app_client.put("/admin/api/settings", headers=bearer(), json=change)
    shop = await Shop.get(id=program_shop.id)
    widget = await config(runtime, Visitor("shopify", shop.domain, None, "198.51.100.1"), "es")

    assert before.json()["ref_param"] == "ref"
    assert before.json()["consent"] == "platform"
    assert before.json()["locales"] == ["en", "es"]
    assert before.json()["defaults"]["en"]["title"] == "Invite your friends"
    assert saved.status_code == 200
    assert (saved.json()["ref_param"], saved.json()["consent"]) == ("amigo", "ask")
    assert saved.json()["copy"] == {"es": {"title": "Invita a tus amigas"}}
    assert (widget["ref_param"], widget["consent"]) == ("amigo", "ask")
    assert widget["copy"]["title"] == "Invita a tus amigas"


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        ({"ref_param": "Ref Code"}, ["ref_param"]),
        ({"ref_param": "page"}, ["ref_param"]),
        ({"consent": "maybe"}, ["consent"]),
        ({"copy": {"fr": {}}}, ["copy.fr"]),
        ({"copy": {"en": {"nope": "x", "title": 3}}}, ["copy.en.nope", "copy.en.title"]),
        ({"url": "not a url"}, ["url"]),
        ({"colour": "red"}, ["colour"]),
    ],
)
async def test_bad_settings_name_each_field_and_change_nothing(
    app_client: httpx.AsyncClient, program_shop: Shop, change: dict[str, Any], paths: list[str]
) -> None:
    answer = await app_client.put(
        "/admin/api/settings", headers=bearer(), json={"consent": "granted", **change}
    )

    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid settings"
    assert [f["path"] for f in answer.json()["fields"]] == paths
    assert (await Shop.get(id=program_shop.id)).settings.get("storefront") is None


@pytest.fixture
async def partner_shop(runtime: Runtime, shop: Shop) -> Shop:
    """The test shop running the partnership preset (partner "acme")."""
    await save_program(runtime, shop, program_to_dict(PRESETS["partnership"]), actor="test")
    return shop


async def test_a_partner_is_enrolled_with_its_landing_text(
    app_client: httpx.AsyncClient, runtime: Runtime, partner_shop: Shop
) -> None:
    landing = {"es": "Clientes de Acme: 10 % de descuento", "en": "Acme customers: 10% off"}

    before = await app_client.get("/admin/api/partners", headers=bearer())
    enrolled = await app_client.post(
        "/admin/api/partners", headers=bearer(), json={"partner_id": "acme", "landing": landing}
    )
    again = await app_client.post("/admin/api/partners", headers=bearer(), json={"partner_id": "acme"})
    code = enrolled.json()["partner"]["advocate"]["friend_code"]
    visitor = Visitor("shopify", partner_shop.domain, None, "198.51.100.1")
    friend = await click(runtime, visitor, code)

    assert [(p["partner_id"], p["enrolled"]) for p in before.json()["partners"]] == [("acme", False)]
    assert enrolled.status_code == 201
    partner = enrolled.json()["partner"]
    assert (partner["name"], partner["account_id"], partner["enrolled"]) == (
        "Acme Outdoor", "partner:acme", True
    )
    assert partner["landing"] == landing
    assert (again.status_code, again.json()["partner"]["landing"]) == (200, landing)
    assert friend is not None
    assert friend["partner"] == {"name": "Acme Outdoor", "landing": landing}


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"partner_id": "nobody"}, "partner_id"),
        ({"partner_id": "acme", "landing": {"fr": "x"}}, "landing.fr"),
        ({"partner_id": "acme", "landing": "x"}, "landing"),
        ({}, "partner_id"),
    ],
)
async def test_a_bad_partner_enrolment_names_the_field(
    app_client: httpx.AsyncClient, partner_shop: Shop, body: dict[str, Any], path: str
) -> None:
    answer = await app_client.post("/admin/api/partners", headers=bearer(), json=body)

    assert answer.status_code == 422
    assert [f["path"] for f in answer.json()["fields"]] == [path]


async def test_a_payout_is_marked_paid_by_the_staff_user_once(
    app_client: httpx.AsyncClient, runtime: Runtime, shop: Shop, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    cash = await reward(shop, clock.now, kind="cash", who=ana, amount="12.5")
    pending = await reward(shop, clock.now, kind="cash", key="rw_2", who=ana, amount="3")
    await issue_due_rewards(runtime)
    await pending.refresh_from_db()
    pending.status = "pending"
    await pending.save()

    paid = await app_client.post(
        f"/admin/api/payouts/{cash.id}/paid", headers=bearer(), json={"reference": "SEPA-77"}
    )
    again = await app_client.post(f"/admin/api/payouts/{cash.id}/paid", headers=bearer())
    not_yet = await app_client.post(f"/admin/api/payouts/{pending.id}/paid", headers=bearer())
    missing = await app_client.post("/admin/api/payouts/999/paid", headers=bearer())

    assert paid.status_code == 200
    payout = paid.json()["payout"]
    assert (payout["status"], payout["paid_by"], payout["reference"]) == ("paid", "42", "SEPA-77")
    assert payout["paid_at"] == clock.now.isoformat()
    assert again.json()["payout"] == payout
    assert not_yet.status_code == 409
    assert missing.status_code == 404
