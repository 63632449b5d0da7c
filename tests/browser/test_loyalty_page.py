"""The Loyalty admin page in a real browser: the merchant turns points on, adds a reward to the
catalogue and a VIP tier, saves, and the signed-in member's widget (the storefront API, through
Shopify's App Proxy) offers that reward; a bad value is refused beside its field, nothing saved.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.admin_host import AdminServer, admin_page, api, open_admin
from tests.storefront.factories import proxy_query

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
ANA_CUSTOMER = "7001"  # the seeded Shopify shop's Ana


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a fresh English profile that records script errors; Shopify's CDN refused."""
    with admin_page(browser, height=1400) as made:
        yield made


def widget_config(server: AdminServer) -> dict[str, Any]:
    """What Ana's widget starts from, through the App Proxy Shopify signs."""
    query = proxy_query(
        datetime.now(UTC), ANA_CUSTOMER, shop=server.shop("shopify"),
        extra=[("locale", "es")],
    )  # fmt: skip
    answer = httpx.get(f"{server.base}/proxy/api/config", params=query, timeout=10)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_reward_added_on_the_loyalty_page_is_offered_in_the_members_widget(
    admin_server: AdminServer, page: Any, tmp_path: Path
) -> None:
    before = api(admin_server, "shopify", "GET", "/program").json()
    assert before["config"]["loyalty"] is None
    assert "loyalty" not in widget_config(admin_server)["me"]
    app = open_admin(page, admin_server, "shopify", path="loyalty")
    expect(app.get_by_role("heading", name="Loyalty", level=1)).to_be_visible()

    app.get_by_label("Members collect points").check()
    app.get_by_label("Points per currency unit spent").fill("2")
    app.get_by_label("Points for joining").fill("50")
    app.get_by_label("Points on their birthday").fill("200")
    app.get_by_role("button", name="Add a reward").click()
    app.locator("#l-loyalty-catalogue-0-name").fill("5 € off")
    app.locator("#l-loyalty-catalogue-0-points").fill("500")
    app.locator("#l-loyalty-catalogue-0-reward-kind").select_option(label="Fixed discount")
    app.locator("#l-loyalty-catalogue-0-reward-value").fill("5.00")
    # A second reward, then removed: only the first is saved.
    app.get_by_role("button", name="Add a reward").click()
    app.locator("#l-loyalty-catalogue-1-name").fill("Free shipping")
    app.get_by_role("button", name="Remove reward 2").click()
    app.get_by_role("button", name="Add a tier").click()
    app.locator("#l-loyalty-vip_tiers-0-name").fill("Gold")
    app.locator("#l-loyalty-vip_tiers-0-threshold").fill("1000")
    app.locator("#l-loyalty-vip_tiers-0-multiplier").fill("1.5")
    app.locator("#l-loyalty-vip_tiers-0-discount_percent").fill("10")
    app.locator("#l-loyalty-vip_tiers-0-perks").fill("Early access, Gift wrap")
    app.get_by_label("Tag in the store").fill("VIP Gold")
    app.locator("#loyalty-form").get_by_role("button", name="Save").click()

    expect(app.get_by_role("status")).to_contain_text(
        f"Loyalty saved: version {before['version'] + 1}."
    )
    loyalty = api(admin_server, "shopify", "GET", "/program").json()["config"]["loyalty"]
    assert (loyalty["points_per_unit"], loyalty["join_points"], loyalty["birthday_points"]) == (
        "2", 50, 200,
    )  # fmt: skip
    assert loyalty["catalogue"] == [{
        "item_id": "5-off", "name": "5 € off", "points": 500,
        "reward": {"kind": "fixed_amount_discount", "value": "5.00", "basis": "flat",
                   "expires_days": None, "maximum": None, "product_id": None,
                   "variant_id": None, "product_name": None},
    }]  # fmt: skip
    gold = loyalty["vip_tiers"][0]
    assert (gold["name"], gold["threshold"], gold["multiplier"]) == ("Gold", 1000, "1.5")
    assert (gold["discount_percent"], gold["perks"], gold["tag"]) == (
        "10", ["Early access", "Gift wrap"], "VIP Gold",
    )  # fmt: skip
    # The page shows what was saved, and the member's widget offers the new reward.
    expect(app.locator("#l-loyalty-catalogue-0-name")).to_have_value("5 € off")
    mine = widget_config(admin_server)["me"]["loyalty"]
    assert [(i["id"], i["name"], i["points"], i["affordable"]) for i in mine["catalogue"]] == [
        ("5-off", "5 € off", 500, False)
    ]
    assert mine["next_tier"] == {"name": "Gold", "threshold": 1000, "needed": 1000}
    assert mine["birthday_points"] == 200
    folder = Path(os.environ.get("ADMIN_SCREENSHOTS") or tmp_path)
    page.locator("iframe[name=app-iframe]").screenshot(path=folder / "loyalty-saved.png")
    assert page.errors == []


def test_a_bad_value_is_refused_beside_its_field_and_nothing_is_saved(
    admin_server: AdminServer, page: Any
) -> None:
    app = open_admin(page, admin_server, "woocommerce", path="loyalty")
    switch = app.get_by_label("Members collect points")
    switch.check()
    before = api(admin_server, "woocommerce", "GET", "/program").json()["version"]

    rate = app.get_by_label("Points per currency unit spent")
    rate.fill("0")
    app.get_by_role("button", name="Add a tier").click()
    app.locator("#l-loyalty-vip_tiers-0-name").fill("Silver")
    app.locator("#l-loyalty-vip_tiers-0-threshold").fill("a lot")
    app.locator(".savebar").get_by_role("button", name="Save").click()

    expect(app.locator("#l-loyalty-points_per_unit-error")).to_have_text(
        "must be a positive decimal, got '0'"
    )
    expect(rate).to_have_attribute("aria-invalid", "true")
    expect(rate).to_be_focused()
    expect(app.locator("#l-loyalty-vip_tiers-0-threshold-error")).to_have_text(
        "must be an integer, got 'a lot'"
    )
    expect(app.get_by_role("alert")).to_contain_text("Loyalty was not saved")
    assert api(admin_server, "woocommerce", "GET", "/program").json()["version"] == before

    rate.fill("1")
    app.locator("#l-loyalty-vip_tiers-0-threshold").fill("500")
    app.locator(".savebar").get_by_role("button", name="Save").click()
    expect(app.get_by_role("status")).to_contain_text(f"Loyalty saved: version {before + 1}.")
    saved = api(admin_server, "woocommerce", "GET", "/program").json()["config"]["loyalty"]
    assert (saved["points_per_unit"], saved["vip_tiers"][0]["threshold"]) == ("1", 500)
    assert page.errors == []
