"""The Notifications page in a real browser: edit a message, preview it with the shop's data,
switch the texts' language, send a test to a real SMTP server, and read the page in Spanish.

The server runs with SMTP_URL pointing at an aiosmtpd server in this process, so "send me a
test" is checked by the message that arrives, and every change through the admin API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.browser.admin_host import AdminServer, admin_page, api, open_admin, running_admin_server
from tests.browser.servers import _free_port
from tests.support.mailbox import Mailbox

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on a loopback port, in a thread of this process."""
    box = Mailbox()
    box.port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[AdminServer]:
    """The seeded admin server, sending mail to the test's SMTP server."""
    url = f"smtp://127.0.0.1:{mailbox.port}?starttls=off"
    tmp = tmp_path_factory.mktemp("notifications")
    with running_admin_server(tmp, SMTP_URL=url, SMTP_FROM="hola@tienda.example") as running:
        yield running


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh English page that records script errors; Shopify's CDN refused."""
    with admin_page(browser, height=1400) as made:
        yield made


def _kinds(server: AdminServer, host: str) -> dict[str, Any]:
    answer = api(server, host, "GET", "/notifications")
    return {k["name"]: k for k in answer.json()["kinds"]}


@pytest.mark.parametrize("host", ["shopify", "woocommerce"])
def test_edit_preview_switch_language_and_send_a_test(
    server: AdminServer, mailbox: Mailbox, page: Any, host: str
) -> None:
    app = open_admin(page, server, host, path="notifications")
    expect(app.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(app.locator("#email-state")).to_have_text("Email is on.")

    # Edit "Reward earned" in English: the placeholders are listed, a click adds one.
    app.get_by_role("button", name="Edit Reward earned").click()
    expect(app.locator("#notif-editor-title")).to_have_text("Editing: Reward earned")
    expect(app.locator("#notif-placeholders")).to_contain_text("{{ reward }}")
    subject = app.get_by_label("Subject", exact=True)
    subject.fill("Your {{ reward }} is waiting at {{ shop_name }}")
    body = app.get_by_label("Body", exact=True)
    body.fill("Hi {{ first_name }}! ")
    app.locator("#notif-placeholders").get_by_role("button", name="{{ code }}").click()

    # The preview renders the draft with the shop's own data (its newest advocate's name).
    app.get_by_role("button", name="Preview", exact=True).click()
    expect(app.locator("#notif-preview-subject")).to_have_text(
        re.compile(r"^Subject: Your 10\.00 EUR store credit is waiting at .+$")
    )
    html = app.frame_locator("#notif-preview-html")
    expect(html.locator("body")).to_contain_text("Hi Carlos!")

    # Switch the texts to Spanish: the editor shows the Spanish text of the same message.
    app.get_by_label("Language of the texts").select_option("es")
    expect(subject).to_have_value("Has ganado una recompensa en {{ shop_name }}")
    app.get_by_label("Send a test to").fill(f"owner-{host}@tienda.example")
    app.get_by_role("button", name="Send me a test").click()
    expect(app.get_by_text(f"Test sent to owner-{host}@tienda.example.")).to_be_visible()
    sent = [m for m in mailbox.received if m.rcpt_tos == [f"owner-{host}@tienda.example"]]
    assert len(sent) == 1
    assert sent[0].message["Subject"].startswith("[Test] Has ganado una recompensa en ")
    assert sent[0].message["From"].endswith("<hola@tienda.example>")

    # Switch welcome off and save: the English edit is kept, welcome is off.
    app.get_by_label("Send Welcome, with their link").uncheck()
    app.locator("#rc-main").get_by_role("button", name="Save", exact=True).click()
    expect(app.get_by_text("Notifications saved.")).to_be_visible()
    kinds = _kinds(server, host)
    assert kinds["welcome"]["on"] is False
    assert kinds["reward_earned"]["texts"]["en"] == {
        "subject": "Your {{ reward }} is waiting at {{ shop_name }}",
        "body": "Hi {{ first_name }}! {{ code }}",
        "custom": True,
    }
    assert kinds["reward_earned"]["texts"]["es"]["custom"] is False
    assert page.errors == []


def test_a_text_with_an_unknown_placeholder_is_refused_beside_the_field(
    server: AdminServer, page: Any
) -> None:
    app = open_admin(page, server, "shopify", path="notifications")
    app.get_by_role("button", name="Edit Ask to refer after a purchase").click()
    app.get_by_label("Body", exact=True).fill("Hi {{ nickname }}")
    app.get_by_role("button", name="Preview", exact=True).click()
    expect(app.locator("#notif-body-error")).to_contain_text("unknown placeholder nickname")
    app.locator("#rc-main").get_by_role("button", name="Save", exact=True).click()
    expect(app.get_by_role("alert").filter(has_text="were not saved")).to_contain_text(
        "The notifications were not saved: fix the fields marked below."
    )
    assert _kinds(server, "shopify")["purchase_ask"]["texts"]["en"]["custom"] is False


def test_the_page_reads_in_spanish_and_lists_the_outbox(server: AdminServer, page: Any) -> None:
    app = open_admin(page, server, "shopify", path="notifications", locale="es")
    expect(app.get_by_role("heading", name="Notificaciones", level=1)).to_be_visible()
    expect(app.get_by_role("heading", name="Mensajes", level=2)).to_be_visible()
    expect(app.get_by_role("button", name="Editar Recompensa ganada")).to_be_visible()
    expect(app.get_by_label("Idioma de los textos")).to_have_value("es")
    # The seed enrolled advocates: their welcome messages wait in the outbox (no worker runs).
    expect(app.locator("#outbox-title")).to_have_text("Enviados y en espera")
    expect(app.get_by_role("cell", name="Bienvenida, con su enlace").first).to_be_visible()
    assert page.errors == []
