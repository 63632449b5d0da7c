"""A contest's leaderboard in the widget, in real Chromium: a participant sees the ranks by
initials (an advocate who opted out is not named), and can take their own initials off it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOP, DemoServer, seeded_demo
from tests.browser.test_host_pages import serve, token


@pytest.fixture(scope="module")
def contest_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo server of its own whose program runs a contest, seeded with three advocates."""
    with seeded_demo(tmp_path_factory.mktemp("contest"), "tests.browser.contest_seed") as server:
        yield server


def page_for(server: DemoServer, customer: str) -> str:
    """A store page for the signed-in `customer`, the widget inline."""
    return f"""<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Tienda</title><link rel="icon" href="data:,">
</head><body><h1>Tienda</h1><referral-widget inline></referral-widget>
<script async src="/storefront/widget/loader.js" data-platform="sandbox" data-shop="{SHOP}"
 data-token="{token(server, customer)}" data-launcher="off"></script>
</body></html>"""


def test_a_participant_sees_the_leaderboard_by_initials_and_can_leave_it(
    contest_server: DemoServer, context: Any
):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    serve(page, contest_server, page_for(contest_server, "cy"))

    board = page.locator("referral-widget ol.lb li")
    expect(board).to_have_count(3)
    # Bea leads but asked not to be named; Cy is "Tú"; Ana by her initials.
    expect(board).to_have_text([
        "1. Un miembro3 amigos han comprado",
        "2. Tú2 amigos han comprado",
        "3. A. G.1 amigo ha comprado",
    ])  # fmt: skip
    expect(page.locator("referral-widget h3#rw-lb")).to_have_text("Carrera de diciembre")
    assert "Bea" not in page.locator("referral-widget").inner_text()
    assert "García" not in page.locator("referral-widget").inner_text()

    # Cy takes her initials off the board; Ana then sees her unnamed.
    show = page.get_by_label("Mostrar mis iniciales en la clasificación")
    expect(show).to_be_checked()
    show.uncheck()
    expect(show).not_to_be_checked()

    ana = context.new_page()
    serve(ana, contest_server, page_for(contest_server, "ana"), path="/host/ana")
    expect(ana.locator("referral-widget ol.lb li")).to_have_text([
        "1. Un miembro3 amigos han comprado",
        "2. Un miembro2 amigos han comprado",
        "3. Tú1 amigo ha comprado",
    ])  # fmt: skip
    assert errors == []
