"""The program's terms in the admin, in a real browser and in both hosts: the merchant writes them
in Spanish and English on the Program page (a missing language is marked beside its field), the
saved version is the terms' version, and an advocate's page says which terms they accepted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from connector.services.storefront.tokens import sign_token
from tests.browser.admin_host import AdminServer, admin_page, api, open_admin

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
ES, EN = "Una recompensa por amistad que compre.", "One reward per friend who buys."


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a fresh English profile that records script errors; Shopify's CDN refused."""
    with admin_page(browser) as made:
        yield made


@pytest.mark.parametrize("host", ["shopify", "woocommerce"])
def test_the_merchant_writes_the_terms_in_both_languages_on_the_program_page(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, path="program")
    before = api(admin_server, host, "GET", "/program").json()["version"]
    expect(app.locator("#terms-version")).to_have_text("No terms published yet.")

    # Spanish only: the English field is marked and nothing is saved
    app.get_by_label("Terms in Spanish").fill(ES)
    app.locator("#program-form").get_by_role("button", name="Save").click()
    english = app.get_by_label("Terms in English")
    expect(app.locator("#p-terms-en-error")).to_have_text(
        "write the terms in English too: shoppers read them in their own language"
    )
    expect(english).to_have_attribute("aria-invalid", "true")
    assert api(admin_server, host, "GET", "/program").json()["version"] == before

    # Both: saved as a new version, which is the terms' version, and the page says where they are
    english.fill(EN)
    app.locator(".savebar").get_by_role("button", name="Save").click()
    expect(app.get_by_role("status")).to_contain_text(f"Program saved: version {before + 1}.")
    saved = api(admin_server, host, "GET", "/program").json()
    assert saved["config"]["terms"] == {"es": ES, "en": EN, "version": before + 1}
    expect(app.locator("#terms-version")).to_have_text(
        f"Version {before + 1} of the terms is in force: {saved['terms_urls']['es']}"
    )
    assert page.errors == []


def test_an_advocates_page_says_which_terms_they_accepted(
    admin_server: AdminServer, page: Any
) -> None:
    # Given terms on the store's program, and a customer who joins in the widget accepting them
    host = "woocommerce"
    live = api(admin_server, host, "GET", "/program").json()
    saved = api(admin_server, host, "PUT", "/program",
                json={**live["config"], "terms": {"es": ES, "en": EN}}).json()  # fmt: skip
    # (the terms' version: this save's, or an earlier one's when those words were saved before)
    version = saved["config"]["terms"]["version"]
    seeded = admin_server.seeded[host]
    shop = str(seeded["shop"])
    token = sign_token(str(seeded["webhook_secret"]), shop, "4242", int(time.time()) + 600)
    joined = httpx.post(
        f"{admin_server.base}/storefront/api/join?platform=woocommerce&shop={shop}",
        json={"terms_version": version}, headers={"X-Referral-Token": token}, timeout=10,
    )  # fmt: skip
    assert joined.status_code == 200, joined.text
    code = joined.json()["advocate"]["code"]

    # When the merchant finds them in the admin
    app = open_admin(page, admin_server, host, path="advocates")
    app.get_by_label("Search advocates").fill(code)
    app.get_by_role("button", name="Search", exact=True).click()
    app.locator("tbody tr a").first.click()

    # Then their page names the version of the terms they accepted
    expect(app.locator("[data-k=terms]")).to_contain_text(f"Version {version}, ")
    assert page.errors == []
