"""The demo journey in real Chromium: join, share, the friend's landing applies the code, a sandbox
order, and the advocate sees the reward. It also takes the README's screenshot: into the test's
temporary folder, or over widgets/demo-screenshot.png when UPDATE_SCREENSHOTS=1, so a test run
never changes a tracked file."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import expect

from connector.settings import REPO_ROOT
from tests.browser.conftest import DemoServer

README_SCREENSHOT = REPO_ROOT / "widgets" / "demo-screenshot.png"
NBSP = "\u00a0"


def watch(page: Any) -> list[str]:
    """Collect the page's uncaught errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_join_share_land_order_and_the_advocate_sees_the_reward(
    demo_server: DemoServer, browser, tmp_path: Path
):
    ana = browser.new_context(locale="es-ES", viewport={"width": 1200, "height": 900})
    page = ana.new_page()
    ana_errors = watch(page)
    page.goto(demo_server.store)
    page.get_by_role("button", name="Entrar como Ana").click()

    # Signed in, Ana joins by opening the widget.
    page.get_by_role("button", name="Invita y gana").click()
    link_box = page.get_by_label("Tu enlace personal")
    expect(link_box).to_have_value(re.compile(r"/demo/\?ref=FRIEND-[2-9A-HJ-NP-Z]{4}$"))
    link = link_box.input_value()
    code = link.rsplit("=", 1)[1]
    assert link == f"{demo_server.store}?ref={code}"
    expect(page.locator("referral-widget .code strong")).to_have_text(code)
    whatsapp = page.get_by_role("link", name="WhatsApp")
    text = f"¡Hola! Te regalo un 10{NBSP}% de descuento en Tienda demo. Entra con mi enlace: {link}"
    assert whatsapp.get_attribute("href") == "https://wa.me/?text=" + quote(text, safe="!")
    assert page.get_by_role("link", name="Facebook").get_attribute("href") == (
        "https://www.facebook.com/sharer/sharer.php?u=" + quote(link, safe="")
    )
    expect(page.locator("referral-widget [data-stat=friends]")).to_have_text(
        "0 amigos han comprado"
    )

    # The friend, in a private window, follows the link.
    friend = browser.new_context(locale="es-ES", viewport={"width": 1200, "height": 900})
    shop = friend.new_page()
    friend_errors = watch(shop)
    shop.goto(link)
    banner = shop.locator("referral-widget section.bn")
    expect(banner).to_contain_text(
        f"Un amigo te ha invitado: un 10{NBSP}% de descuento en tu compra. "
        f"Descuento aplicado con el código {code}."
    )
    assert shop.url == demo_server.store
    assert shop.evaluate("localStorage.getItem('rw_ref')") is None
    shop.get_by_role("button", name="Aceptar").click()
    assert shop.evaluate("JSON.parse(localStorage.getItem('rw_ref')).c") == code

    shop.get_by_role("button", name="Añadir al carrito").click()
    expect(shop.locator(f'[data-code="{code}"]')).to_have_text(f"Código de descuento: {code}")
    expect(shop.locator(f'[data-referral="{code}"]')).to_have_text(f"Recomendación: {code}")
    expect(shop.locator("dl")).to_contain_text(f"Total21,60{NBSP}€")
    shop.locator("#email").fill("luis@example.com")
    shop.get_by_role("button", name="Realizar pedido").click()
    expect(shop.locator("p.done")).to_have_text("Pedido #S5001 realizado.")

    # Back in Ana's window: opening the widget again shows the credited reward.
    page.get_by_role("button", name="Cerrar", exact=True).click()
    page.get_by_role("button", name="Invita y gana").click()
    expect(page.locator("referral-widget [data-stat=friends]")).to_have_text("1 amigo ha comprado")
    expect(page.locator("referral-widget [data-stat=clicks]")).to_have_text("1 visita a tu enlace")
    reward = page.locator("referral-widget .rl li")
    expect(reward).to_have_count(1)
    expect(reward.locator("strong")).to_have_text(f"10,00{NBSP}€ de descuento")
    expect(reward.locator(".tag")).to_have_text("Lista para usar")
    expect(reward.locator(".rc")).to_have_text(re.compile(r"^Código: REWARD-[2-9A-HJ-NP-Z-]+$"))

    keep = os.environ.get("UPDATE_SCREENSHOTS") == "1"
    page.screenshot(path=str(README_SCREENSHOT if keep else tmp_path / "demo-screenshot.png"))
    assert ana_errors == []
    assert friend_errors == []
    ana.close()
    friend.close()


def test_the_demo_works_in_english(demo_server: DemoServer, context):
    page = context.new_page()

    page.goto(demo_server.store + "?lang=en")

    expect(page.get_by_role("button", name="Refer & earn")).to_be_visible()
    expect(page.get_by_role("heading", name="Colombian coffee, 250 g")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
