"""Loyalty in real Chromium: a signed-in member buys in the demo store, sees the points in the
widget, redeems some for a 5 € code in the catalogue, and the code bound to them appears once
the store has it; their balance and history follow. Its own demo server, so the referral
journey's counts stay its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DemoServer, start_demo
from tests.browser.servers import stop
from tests.browser.test_journey import watch

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def loyalty_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo server of its own."""
    server, process = start_demo(tmp_path_factory.mktemp("loyalty-demo"))
    yield server
    stop(process)


def test_a_member_earns_on_her_order_and_redeems_points_in_the_widget(
    loyalty_demo: DemoServer, browser: Any, tmp_path: Path
) -> None:
    ana = browser.new_context(locale="es-ES", viewport={"width": 1200, "height": 1000})
    page = ana.new_page()
    errors = watch(page)
    page.goto(loyalty_demo.store)
    page.get_by_role("button", name="Entrar como Ana").click()

    # Ana buys one coffee (24 €) herself: 10 points a euro, and 50 for joining the program
    page.get_by_role("button", name="Añadir al carrito").click()
    page.locator("#email").fill("ana@example.com")
    page.get_by_role("button", name="Realizar pedido").click()
    expect(page.locator("p.done")).to_contain_text("realizado")

    # The widget shows her 290 points, her level, and what she can afford
    page.get_by_role("button", name="Invita y gana").click()
    widget = page.locator("referral-widget")
    expect(widget.locator("[data-stat=points]")).to_have_text("290 puntos")
    expect(widget.locator("[data-stat=tier]")).to_have_text("Nivel: Plata")
    expect(widget.locator("[data-stat=next]")).to_have_text("Te faltan 710 puntos para Oro")
    five = widget.locator('[data-k="redeem-five-off"]')
    expect(five).to_be_enabled()
    expect(widget.locator('[data-k="redeem-fifteen-percent"]')).to_be_disabled()
    history = widget.locator(".hi li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Ganados+240")

    # She redeems 200 points for 5 € off: the points go at once, the code once the store has it
    five.click()
    expect(widget.locator("[data-stat=points]")).to_have_text("90 puntos")
    reward = widget.locator(".rl li").filter(has_text=f"5,00{NBSP}€ de descuento")
    expect(reward).to_have_count(1)
    expect(reward.locator(".tag")).to_have_text("Lista para usar", timeout=15_000)
    expect(reward.locator(".rc")).to_have_text(re.compile(r"^Código: REWARD-[2-9A-HJ-NP-Z-]+$"))
    expect(history.nth(0)).to_contain_text("Canjeados-200")
    expect(five).to_be_disabled()  # 90 points are not enough for another

    # She tells the shop her birthday (the year is not kept) for its 100 birthday points
    widget.get_by_label("Tu cumpleaños: te regalamos 100 puntos ese día").fill("1990-05-14")
    widget.get_by_role("button", name="Guardar").click()
    expect(widget.locator("[data-stat=birthday]")).to_have_text(
        "Tu cumpleaños: 14 de mayo. Ese día te llegan los puntos."
    )

    page.screenshot(path=str(tmp_path / "loyalty.png"))
    assert errors == []
    ana.close()
