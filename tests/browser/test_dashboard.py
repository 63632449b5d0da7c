"""The Dashboard page in a real browser: a period picked, its figures beside the previous
period's, the charts, each figure explained on hover and on keyboard focus, in English and
Spanish, in both admins. It also takes the README's screenshot: into the test's temporary folder,
or over widgets/admin-dashboard.png when UPDATE_SCREENSHOTS=1.

The seeded shop (tests.browser.admin_seed) had two orders of 120.00 EUR through Ana's code: one
rewarded with 10.00 EUR cash, one held for review (a throwaway email).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.admin_host import AdminServer, admin_page, api, open_admin

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "widgets" / "admin-dashboard.png"
START = "2026-11-01"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with admin_page(browser, height=1400) as made:
        yield made


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def pick_period(app: Any, *, granularity: str = "Week", show: str = "Show") -> None:
    """Choose custom dates from START to today, bucketed by `granularity`, and show them."""
    app.locator("#db-preset").select_option("custom")
    app.locator("#db-start").fill(START)
    app.locator("#db-end").fill(today())
    app.locator("#db-granularity").select_option(label=granularity)
    app.get_by_role("button", name=show).click()


def stat(app: Any, name: str) -> Any:
    return app.locator(f"[data-figure={name}] .stat")


@pytest.mark.parametrize("host", ["shopify", "woocommerce"])
def test_the_dashboard_shows_the_periods_figures_as_the_api_counts_them(
    admin_server: AdminServer, page: Any, host: str
) -> None:
    app = open_admin(page, admin_server, host, path="dashboard")
    expect(app.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    pick_period(app)

    asked = api(admin_server, host, "GET", f"/analytics?start={START}&end={today()}").json()
    figures = {name: figure["value"] for name, figure in asked["figures"].items()}
    expect(app.locator(".period-line")).to_contain_text("Nov 1, 2026")
    expect(stat(app, "rewards_issued")).to_have_text(str(figures["rewards_issued"]))
    expect(stat(app, "orders")).to_have_text(str(figures["orders"]))
    steps = app.locator(".funnel .step")
    expect(steps).to_have_count(7)
    for step in asked["funnel"]:
        expect(app.locator(f"[data-step={step['step']}] .step-count")).to_have_text(
            str(step["count"])
        )
    expect(app.get_by_role("img", name="Referred revenue and all revenue per week")).to_be_visible()
    assert page.errors == []


def focus_until_shown(figure: Any) -> None:
    """Focus a figure until its tooltip shows. Under a loaded machine the focus was twice seen
    gone before the check (the page otherwise right, the cause not found), so focusing is
    retried for a few seconds; a tooltip that never shows still fails."""
    for _ in range(5):
        figure.focus()
        try:
            expect(figure.get_by_role("tooltip")).to_be_visible(timeout=1000)
            return
        except AssertionError:
            continue
    expect(figure.get_by_role("tooltip")).to_be_visible()


def test_the_shopify_shops_figures_are_exact_and_explained(
    admin_server: AdminServer, page: Any, tmp_path: Path
) -> None:
    app = open_admin(page, admin_server, "shopify", path="dashboard")
    pick_period(app)

    # Two referred orders of 120.00 EUR, one 10.00 EUR cash reward: ROI (240 - 10) / 10.
    expect(stat(app, "referred_revenue")).to_have_text("€240.00")
    expect(stat(app, "revenue")).to_have_text("€240.00")
    expect(stat(app, "reward_cost")).to_have_text("€10.00")
    expect(stat(app, "roi")).to_have_text("23")
    expect(stat(app, "referred_share")).to_have_text("100%")
    expect(app.locator("[data-figure=referred_revenue] .hint")).to_contain_text("Before: €0.00")
    expect(app.locator("[data-step=credited] .step-count")).to_have_text("1")
    expect(app.locator("[data-check=disposable_email]")).to_contain_text("1 (50%)")
    expect(app.locator("[data-row=average_order_value] td").first).to_have_text("€120.00")

    # Each figure says what it is on focus (keyboard) and on hover (mouse).
    roi = app.locator("[data-figure=roi] .explained")
    focus_until_shown(roi)
    expect(roi.get_by_role("tooltip")).to_have_text(
        "Referred revenue less the reward cost, divided by the reward cost: "
        "3.0 means 3 earned for every 1 spent."
    )
    page.mouse.move(0, 0)
    app.locator("[data-step=link_clicks] .explained").hover()
    expect(app.locator("[data-step=link_clicks] .tip")).to_have_text(
        "Visits to the store through an advocate’s link."
    )
    app.locator("body").click(position={"x": 5, "y": 5})

    keep = os.environ.get("UPDATE_SCREENSHOTS") == "1"
    shot = page.locator("iframe[name=app-iframe]").screenshot(
        path=README_SCREENSHOT if keep else tmp_path / "admin-dashboard.png"
    )
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.errors == []


def test_the_dashboard_in_spanish(admin_server: AdminServer, page: Any) -> None:
    app = open_admin(page, admin_server, "shopify", locale="es", path="dashboard")
    expect(app.get_by_role("heading", name="Panel de resultados", level=1)).to_be_visible()

    pick_period(app, granularity="Semana", show="Mostrar")

    expect(app.locator("[data-figure=referred_revenue] .stat-label")).to_contain_text(
        "Ingresos referidos"
    )
    expect(stat(app, "referred_revenue")).to_have_text("240,00\u00a0€")
    expect(app.get_by_role("heading", name="Clientes referidos frente al resto")).to_be_visible()
    assert page.errors == []


def test_a_custom_period_that_ends_before_it_starts_is_refused_in_words(
    admin_server: AdminServer, page: Any
) -> None:
    app = open_admin(page, admin_server, "shopify", path="dashboard")
    expect(app.locator(".funnel")).to_be_visible()
    app.locator("#db-preset").select_option("custom")
    app.locator("#db-start").fill("2026-11-20")
    app.locator("#db-end").fill("2026-11-10")
    app.get_by_role("button", name="Show").click()

    expect(app.get_by_role("alert")).to_have_text("Choose a start date on or before the end date.")


def test_the_period_downloads_as_csv(admin_server: AdminServer, page: Any, tmp_path: Path) -> None:
    app = open_admin(page, admin_server, "shopify", path="dashboard")
    pick_period(app)
    # The export is of the period shown: wait until the chosen one replaced the default.
    expect(app.locator(".period-line")).to_contain_text("Nov 1, 2026")

    with page.expect_download() as waiting:
        app.locator("[data-export=kpis]").click()
    saved = tmp_path / "kpis.csv"
    waiting.value.save_as(saved)

    lines = saved.read_text().splitlines()
    assert waiting.value.suggested_filename == "kpis.csv"
    assert lines[0].startswith("day,orders,referred_orders,widget_views,joins,shares,")
    assert lines[1].startswith(f"{START},")
    assert any(line.startswith("2026-11-20,2,2,") for line in lines)
    expect(app.get_by_role("status")).to_contain_text("kpis.csv downloaded.")
