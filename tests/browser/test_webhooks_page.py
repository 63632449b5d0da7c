"""The Webhooks page in a real browser: add an endpoint (its secret shown once), a refused URL
said beside the field, its deliveries, switched off and removed; checked through the admin API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.admin_host import AdminServer, admin_page, api, open_admin

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
# An address, not a name: the server under test resolves nothing (tests use no network).
URL = "https://93.184.216.34/referral-events"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with admin_page(browser) as made:
        yield made


def test_an_endpoint_is_added_shown_once_switched_off_and_removed(
    admin_server: AdminServer, page: Any
) -> None:
    app = open_admin(page, admin_server, "shopify", path="webhooks")
    expect(app.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    expect(app.get_by_text("No endpoint yet.")).to_be_visible()

    # A private address is refused beside the field, and nothing is registered
    app.get_by_label("HTTPS URL").fill("https://10.1.2.3/hook")
    app.get_by_role("button", name="Add endpoint").click()
    expect(app.locator("#wh-url-error")).to_have_text(
        "we do not send to https://10.1.2.3/hook: 10.1.2.3 is a private address"
    )
    assert api(admin_server, "shopify", "GET", "/webhooks").json()["endpoints"] == []

    # A public one is added: its secret is shown this once
    app.get_by_label("HTTPS URL").fill(URL)
    app.get_by_label("A referral was reversed").uncheck()
    app.get_by_role("button", name="Add endpoint").click()
    expect(app.locator("code.secret")).to_have_text(re.compile(r"^whsec_\S{40,}$"))
    [endpoint] = api(admin_server, "shopify", "GET", "/webhooks").json()["endpoints"]
    assert (endpoint["url"], endpoint["secret"]) == (URL, None)
    assert endpoint["events"] == ["advocate.joined", "referral.credited", "reward.issued"]
    card = app.locator(f"[data-endpoint='{endpoint['id']}']")
    card.get_by_role("button", name="Deliveries").click()
    expect(card.get_by_text("No event has been sent to this endpoint yet.")).to_be_visible()

    # Switched off, then removed
    card.get_by_role("button", name="Switch off").click()
    expect(app.locator(f"[data-endpoint='{endpoint['id']}'] .badge")).to_have_text("Off")
    assert api(admin_server, "shopify", "GET", "/webhooks").json()["endpoints"][0]["active"] is False
    app.locator(f"[data-endpoint='{endpoint['id']}']").get_by_role("button", name="Remove").click()
    app.get_by_role("dialog").get_by_role("button", name="Remove").click()
    expect(app.get_by_text("No endpoint yet.")).to_be_visible()
    assert api(admin_server, "shopify", "GET", "/webhooks").json()["endpoints"] == []
    assert page.errors == []


def test_the_webhooks_page_in_spanish(admin_server: AdminServer, page: Any) -> None:
    app = open_admin(page, admin_server, "shopify", locale="es", path="webhooks")

    expect(app.get_by_role("heading", name="Añadir un destino")).to_be_visible()
    expect(app.get_by_label("Se acreditó un referido")).to_be_checked()
