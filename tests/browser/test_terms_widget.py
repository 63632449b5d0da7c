"""The program's terms in the widget, in real Chromium: before joining, the shopper sees a box to
tick and a link to the terms page; joining without ticking it says so and joins nobody; ticked,
the join names the terms' version. When the merchant changes the terms while the page is open,
the join is refused, the widget shows the new terms unticked, and ticking them again joins."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from connector.settings import REPO_ROOT
from tests.browser.conftest import SHOP, DemoServer, start_demo
from tests.browser.servers import stop
from tests.browser.test_host_pages import host_page, open_panel, serve


def _terms(server: DemoServer, es: str, en: str) -> None:
    """The merchant saves the program with these terms (a new version)."""
    subprocess.run(
        [sys.executable, "-m", "tests.browser.terms_seed", str(server.data_dir), es, en],
        env={**server.env, "PYTHONPATH": str(REPO_ROOT)}, cwd=REPO_ROOT, check=True,
        capture_output=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def terms_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo server of its own whose program has terms in Spanish and English."""
    server, process = start_demo(tmp_path_factory.mktemp("terms"))
    try:
        _terms(server, "Una recompensa por amistad que compre.", "One reward per friend who buys.")
        yield server
    finally:
        stop(process)


def test_a_shopper_ticks_the_terms_to_join_and_ticks_them_again_when_they_change(
    terms_server: DemoServer, context: Any
) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    serve(page, terms_server, host_page(terms_server))
    open_panel(page)
    panel = page.get_by_role("dialog")

    # The terms are offered before joining, with their page in the shopper's language
    box = panel.get_by_label("Acepto las condiciones del programa")
    expect(box).not_to_be_checked()
    link = panel.get_by_role("link", name="Leer las condiciones")
    expect(link).to_have_attribute("href", f"{terms_server.base}/terms/sandbox/{SHOP}/es")
    expect(link).to_have_attribute("target", "_blank")

    # Joining without ticking the box says so; nobody joins
    panel.get_by_label("Tu correo electrónico").fill("ana@example.org")
    panel.get_by_role("button", name="Obtener mi enlace").click()
    expect(panel.get_by_role("alert")).to_have_text("Para unirte, acepta las condiciones del programa.")
    expect(box).to_be_focused()
    expect(panel.locator("[data-k=link]")).to_have_count(0)

    # The merchant changes the terms meanwhile: the ticked join is refused, the new ones shown
    _terms(terms_server, "Dos recompensas como máximo.", "Two rewards at most.")
    box.check()
    panel.get_by_role("button", name="Obtener mi enlace").click()
    expect(panel.get_by_role("alert")).to_have_text(
        "Las condiciones han cambiado: léelas y acéptalas de nuevo."
    )
    expect(panel.get_by_label("Acepto las condiciones del programa")).not_to_be_checked()

    # Ticked again, the join goes through and the shopper gets their link
    panel.get_by_label("Acepto las condiciones del programa").check()
    panel.get_by_role("button", name="Obtener mi enlace").click()
    expect(panel.locator("[data-k=link]")).to_have_value(re.compile(r"ref="))

    # And the terms page reads the new words
    terms = context.new_page()
    terms.goto(f"{terms_server.base}/terms/sandbox/{SHOP}/es")
    expect(terms.get_by_role("heading", level=1)).to_contain_text("Condiciones del programa")
    expect(terms.locator("main")).to_contain_text("Dos recompensas como máximo.")
    assert errors == []
