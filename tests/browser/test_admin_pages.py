"""The merchant's admin pages in a real browser, in each host a merchant opens them from: the
Shopify admin (a page at admin.shopify.com framing the App Home) and WP admin (the plugin's
Referrals page framing the connector). Shopify's CDN is unreachable throughout, so every walk
here also shows the pages work without App Bridge.

Each test opens a fresh page on the module's seeded server (tests.browser.admin_seed) and checks
what it did through the admin API, not only on the screen.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.admin_host import (
    WP_ORIGIN,
    AdminServer,
    admin_page,
    api,
    no_cdn,
    open_admin,
    proxy_app,
    woocommerce_admin_page,
    woocommerce_token,
)

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
HOSTS = ["shopify", "woocommerce"]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a fresh English profile that records script errors; Shopify's CDN refused."""
    with admin_page(browser) as made:
        yield made


def flagged_id(server: AdminServer, host: str) -> int:
    return int(server.seeded[host]["flagged"])


def test_the_shopify_admin_frames_the_app_and_app_bridge_is_not_needed(
    admin_server: AdminServer, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    asked = no_cdn(page)

    app = open_admin(page, admin_server, "shopify")

    expect(app.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(app.get_by_role("navigation", name="Referral program")).to_be_visible()
    assert "https://cdn.shopify.com/shopifycloud/app-bridge.js" in asked
    context.close()


@pytest.mark.parametrize("host", HOSTS)
def test_get_started_chooses_a_program_shows_the_widget_and_tries_an_order(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, path="start")
    expect(app.get_by_role("heading", name="Get started", level=1)).to_be_visible()

    # 1. A program in plain words, then launched.
    fixed = app.get_by_role("radio", name=re.compile(r"^A fixed reward"))
    expect(fixed).to_be_visible()
    expect(app.locator("label[for=preset-fixed] .preset-example")).to_have_text(
        "Example: Ana shares her link. Her friend Luis spends €50.00 and gets 10% off, "
        "and Ana gets €10.00 in store credit."
    )
    fixed.check()
    app.get_by_role("button", name="Use this program").click()
    expect(app.get_by_role("status")).to_contain_text("Program saved: version")
    live = api(admin_server, host, "GET", "/program").json()
    assert (live["config"]["name"], live["config"]["currency"]) == ("A fixed reward", "EUR")
    assert live["config"]["advocate_reward"] == {
        "kind": "store_credit", "value": "10.00", "basis": "flat", "expires_days": None,
        "maximum": None, "product_id": None, "variant_id": None, "product_name": None,
    }  # fmt: skip

    # 2. Where the widget appears.
    if host == "shopify":
        link = app.get_by_role("link", name="Open the theme editor")
        assert link.get_attribute("href") == (
            f"https://{admin_server.shop('shopify')}/admin/themes/current/editor?context=apps"
            "&activateAppId=test-api-key-0123456789/app-embed"
        )
        assert link.get_attribute("target") == "_top"
    else:
        expect(app.get_by_text("The widget appears by itself on every page")).to_be_visible()

    # 3. A test order through the simulator, with an advocate's code already filled in.
    expect(app.get_by_label("Code the friend used")).not_to_have_value("")
    app.get_by_label("Order subtotal (EUR)").fill("60.00")
    app.get_by_role("button", name="Simulate this order").click()
    answer = app.locator(".sim-answer")
    expect(answer.get_by_role("heading", name="What this order earns")).to_be_visible()
    expect(answer.locator(".rewards li").first).to_contain_text("10")
    expect(answer.locator(".why li").first).to_be_visible()
    assert page.errors == []


@pytest.mark.parametrize("host", HOSTS)
def test_saving_the_program_shows_the_apis_field_error_beside_the_field(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, path="program")
    hold = app.get_by_label("Days to wait before rewarding")
    before = api(admin_server, host, "GET", "/program").json()["version"]

    hold.fill("-1")
    expect(app.locator(".savebar")).to_be_visible()  # the save bar of unsaved changes
    app.locator("#program-form").get_by_role("button", name="Save").click()

    error = app.locator("#p-hold_days-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(hold).to_have_attribute("aria-invalid", "true")
    expect(hold).to_be_focused()
    expect(app.get_by_role("alert")).to_contain_text("The program was not saved")
    assert api(admin_server, host, "GET", "/program").json()["version"] == before

    hold.fill("7")
    app.locator(".savebar").get_by_role("button", name="Save").click()

    expect(app.get_by_role("status")).to_contain_text(f"Program saved: version {before + 1}.")
    saved = api(admin_server, host, "GET", "/program").json()
    assert (saved["version"], saved["config"]["hold_days"]) == (before + 1, 7)
    expect(app.locator(".version").first).to_contain_text(f"v{before + 1}")
    expect(app.locator(".savebar")).to_be_hidden()


@pytest.mark.parametrize("host", HOSTS)
def test_the_program_page_says_what_an_order_would_earn_under_the_unsaved_form(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, path="program")
    code = str(admin_server.seeded[host]["ana_code"])

    app.locator("#p-advocate_reward-value").fill("12.50")
    app.get_by_label("Code the friend used").fill(code)
    app.get_by_label("Order subtotal (EUR)").fill("80.00")
    app.get_by_role("button", name="Simulate this order").click()

    answer = app.locator(".sim-answer")
    expect(answer).to_contain_text("Judged under the form as it is now (not saved).")
    expect(answer.locator(".rewards")).to_contain_text("12.50")
    # Nothing was saved by simulating.
    assert (
        api(admin_server, host, "GET", "/program").json()["config"]["advocate_reward"]["value"]
        != "12.50"
    )


@pytest.mark.parametrize("host", HOSTS)
def test_find_an_advocate_and_grant_points(admin_server: AdminServer, page: Any, host: str) -> None:
    app = open_admin(page, admin_server, host, path="advocates")

    app.get_by_label("Search advocates").fill("bea")
    app.get_by_role("button", name="Search", exact=True).click()
    expect(app.locator("tbody tr")).to_have_count(1)
    app.get_by_role("link", name="Bea Ruiz").click()
    expect(app.get_by_role("heading", name="Bea Ruiz")).to_be_focused()

    app.get_by_label("Points (negative to remove)").fill("150")
    app.locator("#points-reason").fill("Welcome gift")
    app.get_by_role("button", name="Apply points").click()

    expect(app.get_by_role("status")).to_contain_text("Points updated: the balance is 150.")
    expect(app.locator(".stat.points")).to_have_text("150")
    expect(app.locator(".adjustments")).to_contain_text("Welcome gift")
    found = api(admin_server, host, "GET", "/advocates?q=bea").json()["advocates"][0]
    detail = api(admin_server, host, "GET", f"/advocates/{found['id']}").json()
    assert detail["points"] == 150
    assert [(a["kind"], a["points"], a["reason"]) for a in detail["adjustments"]] == [
        ("points", 150, "Welcome gift")
    ]


@pytest.mark.parametrize("host", HOSTS)
def test_approve_a_flagged_referral_with_a_note(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, path="referrals")
    referral = flagged_id(admin_server, host)
    item = app.locator(".review-item")
    expect(item).to_contain_text("Why it is in review: The friend used a throwaway email address")

    item.get_by_label("Note (optional)").fill("Checked with the customer by phone")
    item.get_by_role("button", name=f"Approve #{referral}").click()
    dialog = app.get_by_role("dialog", name=f"Approve referral {referral}?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Approve").click()

    expect(app.get_by_role("status")).to_contain_text(f"Referral {referral} approved.")
    expect(app.get_by_text("No referral waits for your review.")).to_be_visible()
    detail = api(admin_server, host, "GET", f"/referrals/{referral}").json()
    assert detail["referral"]["state"] == "pending"
    assert detail["transitions"][-1]["note"] == "Checked with the customer by phone"


@pytest.mark.parametrize("host", HOSTS)
def test_a_referrals_evidence_and_checks_in_plain_words(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, path="referrals")

    app.get_by_label("State").select_option("rewarded")
    app.get_by_role("button", name="Apply filters").click()
    expect(app.locator("tbody tr")).to_have_count(1)
    app.locator("tbody a").first.click()

    expect(app.locator("#referral-title")).to_contain_text("Rewarded")
    expect(app.locator(".explanation li").first).to_be_visible()
    expect(app.locator(".evidence li").first).to_be_visible()


@pytest.mark.parametrize("host", HOSTS)
def test_mark_a_payout_paid(admin_server: AdminServer, page: Any, host: str) -> None:
    app = open_admin(page, admin_server, host, path="payouts")
    payout = api(admin_server, host, "GET", "/payouts?status=recorded").json()["payouts"][0]
    number = payout["reward_id"]

    app.get_by_label("Payment reference (optional)").fill("BANK-2026-0042")
    app.get_by_role("button", name=f"Mark paid #{number}").click()
    dialog = app.get_by_role("dialog")
    expect(dialog).to_contain_text("Do this only after the money has left your account")
    dialog.get_by_role("button", name="Mark paid").click()

    expect(app.get_by_role("status")).to_contain_text(f"Payout {number} marked paid.")
    expect(app.get_by_text("Nothing to pay.")).to_be_visible()
    paid = api(admin_server, host, "GET", "/payouts?status=paid").json()["payouts"]
    assert [(p["reward_id"], p["reference"]) for p in paid] == [(number, "BANK-2026-0042")]


@pytest.mark.parametrize("host", HOSTS)
def test_the_payouts_csv_downloads_with_the_token(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, path="payouts")
    app.get_by_label("Show").select_option("")

    with page.expect_download() as download:
        app.get_by_role("button", name="Download CSV").click()

    assert download.value.suggested_filename == "payouts.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("reward_id,")


@pytest.mark.parametrize("host", HOSTS)
def test_replay_a_dead_delivery(admin_server: AdminServer, page: Any, host: str) -> None:
    app = open_admin(page, admin_server, host, path="deliveries")
    dead = int(admin_server.seeded[host]["dead"])

    app.get_by_role("button", name=f"Replay {dead}").click()
    app.get_by_role("dialog", name=f"Replay delivery {dead}?").get_by_role(
        "button", name="Replay"
    ).click()

    expect(app.get_by_role("status")).to_contain_text(f"Delivery {dead} queued again.")
    expect(app.get_by_text("Queued again", exact=True)).to_be_visible()
    pending = api(admin_server, host, "GET", "/deliveries?status=pending").json()["deliveries"]
    assert dead in [d["id"] for d in pending]


@pytest.mark.parametrize("host", HOSTS)
def test_switch_to_spanish(admin_server: AdminServer, page: Any, host: str) -> None:
    app = open_admin(page, admin_server, host, path="referrals")
    expect(app.get_by_role("heading", name="Referrals", level=1)).to_be_visible()

    app.get_by_label("Language").select_option("es")

    expect(app.get_by_role("heading", name="Referidos", level=1)).to_be_visible()
    expect(app.get_by_role("heading", name="Todos los referidos")).to_be_visible()
    expect(app.get_by_role("link", name="Primeros pasos")).to_be_visible()
    assert app.locator("html").get_attribute("lang") == "es"
    app.get_by_role("link", name="Pagos").click()
    expect(app.get_by_role("heading", name="Pagos", level=1)).to_be_visible()


@pytest.mark.parametrize("host", HOSTS)
def test_the_hosts_locale_opens_the_pages_in_spanish(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, locale="es")

    expect(app.get_by_role("heading", name="Resumen", level=1)).to_be_visible()
    expect(app.get_by_role("heading", name="Requiere tu atención")).to_be_visible()


def test_in_wp_admin_an_expired_token_is_replaced_by_the_page_around_the_frame(
    admin_server: AdminServer, page: Any
) -> None:
    # The page was rendered an hour ago: its token has expired by the time the frame calls.
    outer, html = woocommerce_admin_page(admin_server, locale="en", path="payouts",
                                         now=int(time.time()) - 3600)  # fmt: skip
    asked: list[str] = []

    def mint(route: Any) -> None:
        asked.append(route.request.url)
        fresh = woocommerce_token(admin_server)
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"success": True, "data": {"token": fresh}}))  # fmt: skip

    proxy_app(page, admin_server)
    page.route(f"{WP_ORIGIN}/wp-admin/admin-ajax.php*", mint)
    page.route(outer, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(outer)
    app = page.frame_locator("iframe[name=app-iframe]")

    expect(app.get_by_role("heading", name="Payouts", level=1)).to_be_visible()
    expect(app.get_by_role("button", name="Download CSV")).to_be_visible()
    expect(app.locator(".notice-error")).to_have_count(0)
    assert asked == [
        f"{WP_ORIGIN}/wp-admin/admin-ajax.php?action=refconn_admin_token&_wpnonce=n0nce"
    ]


def test_in_wp_admin_a_token_the_page_cannot_renew_says_to_reload(
    admin_server: AdminServer, page: Any
) -> None:
    outer, html = woocommerce_admin_page(admin_server, locale="es", path="payouts",
                                         now=int(time.time()) - 3600)  # fmt: skip
    proxy_app(page, admin_server)
    page.route(
        f"{WP_ORIGIN}/wp-admin/admin-ajax.php*",
        lambda route: route.fulfill(status=403, content_type="application/json",
                                    body='{"success": false, "data": null}'),
    )  # fmt: skip
    page.route(outer, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(outer)
    app = page.frame_locator("iframe[name=app-iframe]")

    expect(app.get_by_role("alert")).to_contain_text(
        "Tu sesión ha caducado. Recarga la página para continuar."
    )


@pytest.mark.parametrize("host", HOSTS)
def test_referrals_filter_by_date(admin_server: AdminServer, page: Any, host: str) -> None:
    app = open_admin(page, admin_server, host, path="referrals")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    everything = api(admin_server, host, "GET", "/referrals?limit=200").json()["referrals"]

    app.get_by_label("From").fill(today)
    app.get_by_label("To").fill(today)
    app.get_by_role("button", name="Apply filters").click()
    expect(app.locator("tbody tr")).to_have_count(len(everything))

    app.get_by_label("From").fill("2020-01-01")
    app.get_by_label("To").fill("2020-01-31")
    app.get_by_role("button", name="Apply filters").click()
    expect(app.get_by_text("No referrals match.")).to_be_visible()


@pytest.mark.parametrize("host", HOSTS)
def test_the_program_page_edits_the_advocate_rewards_amount_per_currency(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, path="program")
    before = api(admin_server, host, "GET", "/program").json()["version"]
    app.locator("#p-advocate_reward-on").check()
    app.locator("#p-advocate_reward-kind").select_option("store_credit")
    app.locator("#p-advocate_reward-value").fill("10")
    app.locator("#p-advocate_reward-basis").select_option("flat")
    amounts = app.locator("#p-advocate_reward-amounts")
    expect(app.get_by_text("A fixed amount in other currencies, e.g. EUR 9")).to_have_count(3)

    # A code that is not ISO and an amount below zero: the API's words beside the field
    amounts.fill("eur 9, GBP -1")
    app.locator("#program-form").get_by_role("button", name="Save").click()
    error = app.locator("#p-advocate_reward-amounts-error")
    expect(error).to_contain_text("three-letter ISO currency code such as EUR, got 'eur'")
    expect(error).to_contain_text("must be a positive amount, got '-1'")
    assert api(admin_server, host, "GET", "/program").json()["version"] == before

    amounts.fill("EUR 9, GBP 8.50")
    app.locator(".savebar").get_by_role("button", name="Save").click()
    expect(app.get_by_role("status")).to_contain_text(f"Program saved: version {before + 1}.")
    reward = api(admin_server, host, "GET", "/program").json()["config"]["advocate_reward"]
    assert (reward["kind"], reward["value"], reward["amounts"]) == (
        "store_credit", "10", {"EUR": "9", "GBP": "8.50"},
    )  # fmt: skip
    # Shown again as written when the page is opened anew
    app = open_admin(page, admin_server, host, path="program")
    expect(app.locator("#p-advocate_reward-amounts")).to_have_value("EUR 9, GBP 8.50")
    assert page.errors == []
