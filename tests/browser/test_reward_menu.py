"""A reward menu in the widget, in real Chromium: the advocate sees the choices of her earned
reward in her language, picks one, and the chosen reward appears ready once the store has it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DemoServer, seeded_demo
from tests.browser.test_host_pages import serve
from tests.browser.test_leaderboard import page_for

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def menu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo server of its own whose program has a reward menu, with Ana's reward awaiting."""
    with seeded_demo(tmp_path_factory.mktemp("menu"), "tests.browser.menu_seed") as server:
        yield server


def test_the_advocate_picks_her_reward_in_the_widget(menu_server: DemoServer, context: Any) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    serve(page, menu_server, page_for(menu_server, "ana"))

    # Her earned reward waits for her pick: both choices, in Spanish, and the default's date
    widget = page.locator("referral-widget")
    reward = widget.locator(".rl li").first
    expect(reward.locator(".tag")).to_have_text("Elige tu recompensa")
    expect(reward.locator(".ch button")).to_have_text([
        f"Saldo en la tienda · 10,00{NBSP}€ de saldo",
        f"Un código de descuento · 15,00{NBSP}€ de descuento",
    ])  # fmt: skip
    expect(reward.locator(".ch .fine")).to_have_text(
        re.compile(r"^¿Sin elegir el .+\? Recibes Saldo en la tienda\.$")
    )

    # She picks the discount code: the choices go, and the code appears once the store has it
    widget.locator('[data-k="pick-discount"]').click()
    expect(reward.locator(".ch")).to_have_count(0)
    expect(reward.locator("strong")).to_have_text(f"15,00{NBSP}€ de descuento")
    expect(reward.locator(".tag")).to_have_text("Lista para usar", timeout=15_000)
    expect(reward.locator(".rc")).to_have_text(re.compile(r"^Código: REWARD-[2-9A-HJ-NP-Z-]+$"))
    assert errors == []
