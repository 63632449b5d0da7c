"""Every other button of the admin pages does what it says: versions (what changed, restore),
discarding unsaved changes, enrolling and granting, blocking, rejecting, paging, settings and
partners, the contest, and the test advocate of Get started. Shopify host, CDN unreachable; each
result is checked through the admin API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.admin_host import APP_ORIGIN, AdminServer, admin_page, api, open_admin, proxy_app

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
HOST = "shopify"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with admin_page(browser) as made:
        yield made


def live(server: AdminServer) -> dict[str, Any]:
    found: dict[str, Any] = api(server, HOST, "GET", "/program").json()
    return found


def save(server: AdminServer, **changes: Any) -> int:
    config = {**live(server)["config"], **changes}
    answer = api(server, HOST, "PUT", "/program", json=config)
    assert answer.status_code == 200, answer.text
    version: int = answer.json()["version"]
    return version


def test_a_version_shows_what_changed_and_an_older_one_is_restored(
    admin_server: AdminServer, page: Any
) -> None:
    first = live(admin_server)
    older = save(admin_server, hold_days=3)
    newer = save(admin_server, hold_days=9)
    app = open_admin(page, admin_server, HOST, path="program")

    app.get_by_role("button", name=f"What changed: {newer}").click()
    expect(app.locator(".version").first.locator(".changes")).to_contain_text(
        "hold_days: before 3 → now 9"
    )
    app.get_by_role("button", name=f"Restore: {older}").click()
    dialog = app.get_by_role("dialog", name=f"Restore version {older}?")
    dialog.get_by_role("button", name="Restore").click()

    expect(app.get_by_role("status")).to_contain_text(
        f"Version {older} restored as version {newer + 1}."
    )
    now = live(admin_server)
    assert (now["version"], now["config"]["hold_days"]) == (newer + 1, 3)
    assert first["version"] < older


def test_discarding_unsaved_changes_keeps_the_program(admin_server: AdminServer, page: Any) -> None:
    before = live(admin_server)
    app = open_admin(page, admin_server, HOST, path="program")

    app.get_by_label("Program name").fill("Something else")
    app.locator(".savebar").get_by_role("button", name="Discard").click()

    expect(app.get_by_label("Program name")).to_have_value(before["config"]["name"])
    expect(app.locator(".savebar")).to_be_hidden()
    assert live(admin_server)["version"] == before["version"]


def test_leaving_a_form_with_unsaved_changes_asks_first(
    admin_server: AdminServer, page: Any
) -> None:
    app = open_admin(page, admin_server, HOST, path="program")
    app.get_by_label("Program name").fill("Half-typed")

    app.get_by_role("link", name="Payouts").click()
    dialog = app.get_by_role("dialog", name="Leave without saving?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(app.get_by_role("heading", name="Program", level=1)).to_be_visible()
    app.get_by_role("link", name="Payouts").click()
    app.get_by_role("dialog").get_by_role("button", name="Leave and discard").click()

    expect(app.get_by_role("heading", name="Payouts", level=1)).to_be_visible()
    assert live(admin_server)["config"]["name"] != "Half-typed"


def test_enrol_an_advocate_and_see_a_bad_email_beside_its_field(
    admin_server: AdminServer, page: Any
) -> None:
    app = open_admin(page, admin_server, HOST, path="advocates")

    app.get_by_label("Their email").fill("not-an-email")
    app.get_by_role("button", name="Enrol").click()
    expect(app.locator("#enrol-email-error")).not_to_be_empty()
    app.get_by_label("Their email").fill("dana@example.org")
    app.get_by_label("Their name (optional)").fill("Dana Gil")
    app.get_by_role("button", name="Enrol").click()

    expect(app.get_by_role("status")).to_contain_text("dana@example.org is enrolled.")
    expect(app.get_by_role("heading", name="Dana Gil")).to_be_visible()
    found = api(admin_server, HOST, "GET", "/advocates?q=dana").json()["advocates"]
    assert [(a["email"], a["name"]) for a in found] == [("dana@example.org", "Dana Gil")]


def test_grant_a_reward_then_block_and_unblock(admin_server: AdminServer, page: Any) -> None:
    app = open_admin(page, admin_server, HOST, path="advocates")
    app.get_by_label("Search advocates").fill("carlos@example.org")
    app.get_by_role("button", name="Search", exact=True).click()
    app.get_by_role("link", name="Carlos Díaz").click()

    app.get_by_label("Reward", exact=True).select_option("cash")
    app.get_by_label("Value").fill("5.00")
    app.locator("#reward-reason").fill("Sorry for the late parcel")
    app.get_by_role("button", name="Grant reward").click()
    app.get_by_role("dialog", name="Grant this reward?").get_by_role(
        "button", name="Grant reward"
    ).click()
    expect(app.get_by_role("status")).to_contain_text("Reward granted.")
    expect(app.locator(".adjustments")).to_contain_text("Sorry for the late parcel")

    app.locator("#block-reason").fill("Sharing codes on a coupon site")
    app.get_by_role("button", name="Block").click()
    app.get_by_role("dialog", name="Block Carlos Díaz?").get_by_role("button", name="Block").click()
    expect(app.get_by_role("status")).to_contain_text("Carlos Díaz is blocked.")
    expect(app.locator(".advocate .badge")).to_have_text("Blocked")
    carlos = api(admin_server, HOST, "GET", "/advocates?q=carlos").json()["advocates"][0]
    assert carlos["status"] == "blocked"

    app.get_by_role("button", name="Unblock").click()
    app.get_by_role("dialog").get_by_role("button", name="Unblock").click()
    expect(app.locator(".advocate .badge")).to_have_text("Active")
    detail = api(admin_server, HOST, "GET", f"/advocates/{carlos['id']}").json()
    assert [a["kind"] for a in detail["adjustments"]] == ["unblock", "block", "reward"]
    assert [(r["kind"], r["amount"]) for r in detail["rewards"]] == [("cash", "5.0000")]


def test_reject_a_flagged_referral(admin_server: AdminServer, page: Any) -> None:
    referral = int(admin_server.seeded[HOST]["flagged"])
    app = open_admin(page, admin_server, HOST, path="referrals")

    app.get_by_label("Note (optional)").fill("Same household")
    app.get_by_role("button", name=f"Reject #{referral}").click()
    dialog = app.get_by_role("dialog", name=f"Reject referral {referral}?")
    expect(dialog).to_contain_text("This cannot be undone.")
    dialog.get_by_role("button", name="Reject").click()

    expect(app.get_by_role("status")).to_contain_text(f"Referral {referral} rejected.")
    detail = api(admin_server, HOST, "GET", f"/referrals/{referral}").json()
    assert detail["referral"]["state"] == "rejected"
    assert detail["transitions"][-1]["note"] == "Same household"


def test_load_more_pages_through_advocates(admin_server: AdminServer, page: Any) -> None:
    for n in range(30):
        api(admin_server, HOST, "POST", "/advocates", json={"email": f"many{n}@example.org"})
    total = len(api(admin_server, HOST, "GET", "/advocates?limit=200").json()["advocates"])
    app = open_admin(page, admin_server, HOST, path="advocates")
    expect(app.locator("tbody tr")).to_have_count(25)

    app.get_by_role("button", name="Load more").click()

    expect(app.locator("tbody tr")).to_have_count(min(total, 50))


def test_settings_are_saved_and_a_bad_one_is_shown_beside_its_field(
    admin_server: AdminServer, page: Any
) -> None:
    app = open_admin(page, admin_server, HOST, path="settings")

    app.get_by_label("Link parameter").fill("Bad Param!")
    app.get_by_role("button", name="Save", exact=True).last.click()
    expect(app.locator("#settings-ref-param-error")).to_have_text(
        "must be 1-32 lower-case letters, digits, - or _"
    )
    app.get_by_label("Link parameter").fill("invite")
    app.get_by_label("Language of the words").select_option("es")
    app.locator("#copy-es-launcher").fill("¡Gana con tus amigos!")
    app.get_by_label("Cookie consent").select_option("ask")
    app.locator("form").get_by_role("button", name="Save", exact=True).click()

    expect(app.get_by_role("status")).to_contain_text("Settings saved.")
    saved = api(admin_server, HOST, "GET", "/settings").json()
    assert (saved["ref_param"], saved["consent"]) == ("invite", "ask")
    assert saved["copy"]["es"]["launcher"] == "¡Gana con tus amigos!"


def partner_program(server: AdminServer) -> None:
    reward = {"kind": "store_credit", "value": "5.00"}
    partners = [
        {"partner_id": "acme", "name": "Acme Yoga", "account_id": "acme-1", "reward": reward}
    ]
    save(server, partners=partners)


def test_enrol_a_partner_with_its_landing_text(admin_server: AdminServer, page: Any) -> None:
    partner_program(admin_server)
    app = open_admin(page, admin_server, HOST, path="settings")

    app.get_by_label("Landing text (en)").fill("Welcome, Acme Yoga members!")
    app.get_by_role("button", name="Enrol Acme Yoga").click()

    expect(app.get_by_role("status")).to_contain_text("Acme Yoga is enrolled.")
    partners = api(admin_server, HOST, "GET", "/partners").json()["partners"]
    assert [(p["partner_id"], p["enrolled"], p["landing"].get("en")) for p in partners] == [
        ("acme", True, "Welcome, Acme Yoga members!")
    ]


def test_the_contest_shows_its_leaderboard_and_prizes(admin_server: AdminServer, page: Any) -> None:
    now = datetime.now(UTC)
    contest = {
        "contest_id": "winter", "name": "Winter challenge", "top_n": 3,
        "starts_at": (now - timedelta(days=2)).isoformat(),
        "ends_at": (now + timedelta(days=20)).isoformat(),
        "prizes": [{"kind": "store_credit", "value": "50.00"}, {"kind": "points", "value": "500"}],
    }  # fmt: skip
    save(admin_server, contest=contest)
    board = api(admin_server, HOST, "GET", "/contests/winter/leaderboard").json()
    app = open_admin(page, admin_server, HOST, path="contests")

    expect(app.get_by_role("heading", name="Winter challenge")).to_be_visible()
    expect(app.locator(".prizes li")).to_have_text(["#1: €50.00 in store credit", "#2: 500 points"])
    expect(app.locator("tbody tr")).to_have_count(len(board["standings"]))
    app.get_by_role("button", name="Refresh").click()
    expect(app.get_by_role("heading", name="Winter challenge")).to_be_visible()


def test_lists_filter_by_what_is_chosen(admin_server: AdminServer, page: Any) -> None:
    app = open_admin(page, admin_server, HOST, path="deliveries")
    everything = api(admin_server, HOST, "GET", "/deliveries?limit=100").json()["deliveries"]

    app.get_by_label("Show").select_option("all")
    expect(app.locator("tbody tr")).to_have_count(len(everything))
    app.get_by_label("Show").select_option("done")
    expect(app.locator("tbody tr")).to_have_count(sum(d["status"] == "done" for d in everything))


def test_get_started_makes_a_test_advocate_when_there_is_none(
    admin_server: AdminServer, page: Any
) -> None:
    # The first page of advocates is empty, as in a store that has just installed.
    proxy_app(page, admin_server)
    page.route(
        f"{APP_ORIGIN}/admin/api/advocates?limit=1",
        lambda route: route.fulfill(status=200, content_type="application/json",
                                    body=json.dumps({"advocates": [], "next_cursor": None})),
    )  # fmt: skip
    app = open_admin(page, admin_server, HOST, path="start")

    app.get_by_role("button", name="Create a test advocate").click()

    expect(app.get_by_text("Test advocate created with code")).to_be_visible()
    made = api(admin_server, HOST, "GET", "/advocates?q=test-advocate@example.com").json()
    code = made["advocates"][0]["friend_code"]
    expect(app.get_by_label("Code the friend used")).to_have_value(code)
