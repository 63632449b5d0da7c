"""The widget on host pages it does not control: hostile CSS, keyboard only, two languages, and an
API that fails. Host pages are served at the demo server's origin by Playwright's router; the
widget's files and API calls go to the real server."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from connector.services.storefront.tokens import sandbox_key, sign_token
from connector.settings import load_settings
from tests.browser.conftest import SHOP, DemoServer

NBSP = "\u00a0"
AGGRESSIVE_CSS = """
html { font-size: 40px !important; }
* {
  all: unset !important; display: block !important; position: static !important;
  font: italic 900 40px/3 "Comic Sans MS", cursive !important; color: #f00 !important;
  background: #ff0 !important; padding: 20px !important; margin: 20px !important;
  border: 5px dotted #00f !important; letter-spacing: 5px !important;
  text-transform: uppercase !important; box-sizing: content-box !important;
  transform: rotate(3deg) !important; opacity: .5 !important; visibility: visible !important;
}
referral-widget { display: none !important; width: 10px !important; }
button, input, a { width: 50px !important; height: 50px !important; }
:root { --unrelated: 1; }
"""
# Where the launcher and panel sit and what they look like, read inside the shadow root.
MEASURE = """() => {
  const root = document.querySelector('referral-widget').shadowRoot;
  const out = {};
  for (const [name, selector] of [['launcher', '.ln'], ['panel', '.pn'], ['email', '#rw-e'],
                                  ['join', '.pri'], ['title', 'h2']]) {
    const el = root.querySelector(selector);
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    out[name] = {
      width: r.width, height: r.height,
      right: document.documentElement.clientWidth - r.right,
      bottom: document.documentElement.clientHeight - r.bottom,
      font: s.font, color: s.color, background: s.backgroundColor, padding: s.padding,
      border: s.border, radius: s.borderRadius, transform: s.transform, opacity: s.opacity,
      letterSpacing: s.letterSpacing, textTransform: s.textTransform,
    };
  }
  return out;
}"""


def token(server: DemoServer, customer: str | None = None) -> str:
    """A widget token for the demo shop, as the loader plugin would render one."""
    key = sandbox_key(load_settings(server.env), SHOP)
    return sign_token(key, SHOP, customer, int(time.time()) + 3600)


def host_page(server: DemoServer, *, lang: str = "es", css: str = "", body: str = "") -> str:
    """A third-party page: its own link, button and script, then the loader."""
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Host</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><style>{css}</style></head>
<body>
<h1>Host page</h1>
<a href="#top">Host link</a>
<button id="host-button" type="button">Count <span id="count">0</span></button>
{body}
<script>
document.getElementById("host-button").addEventListener("click", function () {{
  var count = document.getElementById("count");
  count.textContent = String(Number(count.textContent) + 1);
}});
</script>
<script async src="/storefront/widget/loader.js" data-platform="sandbox" data-shop="{SHOP}"
 data-token="{token(server)}" data-cart="shopify" data-root="/demo/" data-consent="ask"></script>
</body></html>"""


def serve(page: Any, server: DemoServer, html: str, path: str = "/host/page") -> None:
    """Open `html` as if the host served it at `path` on the demo server's origin."""
    url = server.base + path
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(url)


def open_panel(page: Any, name: str = "Invita y gana") -> None:
    page.get_by_role("button", name=name).click()
    expect(page.get_by_role("dialog")).to_be_visible()


def test_the_widget_keeps_its_look_on_a_page_with_aggressive_global_css(demo_server, context):
    looks = []
    for css in ("", AGGRESSIVE_CSS):
        page = context.new_page()
        serve(page, demo_server, host_page(demo_server, css=css))
        open_panel(page)
        looks.append(page.evaluate(MEASURE))
        page.close()

    plain, hostile = looks
    assert hostile == plain
    assert plain["launcher"]["font"].startswith("600 15px")
    assert plain["launcher"]["background"] == "rgb(11, 92, 99)"
    assert (plain["launcher"]["right"], plain["launcher"]["bottom"]) == (20, 20)


def test_css_custom_properties_theme_the_widget(demo_server, context):
    page = context.new_page()
    theme = "referral-widget { --rw-accent: #4a148c; --rw-radius: 2px; }"

    serve(page, demo_server, host_page(demo_server, css=theme))
    open_panel(page)

    looks = page.evaluate(MEASURE)
    assert looks["launcher"]["background"] == "rgb(74, 20, 140)"
    assert looks["panel"]["radius"] == "2px"


def focused(page: Any) -> str:
    """What has focus: `host:<id or tag>`, or `widget:<data-k>` inside the shadow root."""
    return str(
        page.evaluate("""() => {
      const a = document.activeElement;
      if (a && a.tagName === 'REFERRAL-WIDGET') {
        const inner = a.shadowRoot.activeElement;
        return 'widget:' + (inner ? inner.getAttribute('data-k') : '');
      }
      return 'host:' + (a ? (a.id || a.tagName.toLowerCase()) : '');
    }""")
    )


def test_keyboard_only_join_copy_and_close(demo_server, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo_server.base)
    page = context.new_page()
    serve(page, demo_server, host_page(demo_server))
    launcher = page.get_by_role("button", name="Invita y gana")
    expect(launcher).to_be_visible()

    tabs = 0
    while focused(page) != "widget:launcher" and tabs < 6:
        page.keyboard.press("Tab")
        tabs += 1
    assert (tabs, launcher.get_attribute("aria-expanded")) == (3, "false")

    page.keyboard.press("Enter")
    assert (focused(page), launcher.get_attribute("aria-expanded")) == ("widget:email", "true")

    page.keyboard.type("not-an-email")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Escribe un correo electrónico válido.")
    assert focused(page) == "widget:email"
    assert page.get_by_label("Tu correo electrónico").get_attribute("aria-invalid") == "true"

    page.keyboard.press("Control+A")
    page.keyboard.type("keyboard@example.com")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Tu enlace personal")).to_have_value(re.compile(r"\?ref=FRIEND-"))
    assert focused(page) == "widget:copy"

    page.keyboard.press("Enter")
    expect(page.locator("referral-widget [aria-live=polite]")).to_have_text("Enlace copiado")
    link = page.get_by_label("Tu enlace personal").input_value()
    assert page.evaluate("navigator.clipboard.readText()") == link

    # Tab stays inside the open dialog, both ways.
    seen = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.add(focused(page))
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        seen.add(focused(page))
    assert {s.split(":")[0] for s in seen} == {"widget"}
    assert {"widget:close", "widget:whatsapp", "widget:sms"} <= seen

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert (focused(page), launcher.get_attribute("aria-expanded")) == ("widget:launcher", "false")


def test_spanish_from_the_page_language(demo_server, context):
    page = context.new_page()

    serve(page, demo_server, host_page(demo_server, lang="es-ES"))
    open_panel(page)

    expect(page.get_by_role("heading", name="Invita a tus amigos")).to_be_visible()
    expect(page.locator("referral-widget .lead")).to_have_text(
        f"Regala un 10{NBSP}% de descuento a tus amigos y gana 10,00{NBSP}€ de descuento "
        "por cada amigo que compre."
    )
    expect(page.get_by_role("button", name="Obtener mi enlace")).to_be_visible()


def test_money_follows_the_pages_region(demo_server, context):
    page = context.new_page()

    serve(page, demo_server, host_page(demo_server, lang="es-MX"))
    open_panel(page)

    expect(page.locator("referral-widget .lead")).to_have_text(
        "Regala un 10% de descuento a tus amigos y gana EUR 10.00 de descuento "
        "por cada amigo que compre."
    )


def test_english_from_the_nearest_lang_attribute(demo_server, context):
    page = context.new_page()
    inline = '<div lang="en-US"><referral-widget inline></referral-widget></div>'

    serve(page, demo_server, host_page(demo_server, lang="es", body=inline))

    region = page.get_by_role("region", name="Invite your friends")
    expect(region).to_be_visible()
    expect(region.locator(".lead")).to_have_text(
        "Give your friends 10% off and get €10.00 off for every friend who buys."
    )
    expect(region.get_by_role("button", name="Get my link")).to_be_visible()
    expect(page.get_by_role("button", name="Refer & earn")).to_be_visible()


@pytest.mark.parametrize("failure", ["http_500", "network_error"])
def test_a_failing_api_leaves_the_host_page_working(demo_server, context, failure):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    failed: list[str] = []

    def fail(route: Any) -> None:
        failed.append(route.request.url)
        if failure == "http_500":
            route.fulfill(status=500, content_type="text/html", body="<h1>Internal error</h1>")
        else:
            route.abort("failed")

    page.route(demo_server.base + "/storefront/api/**", fail)
    event = "requestfailed" if failure == "network_error" else "requestfinished"
    with page.expect_event(event, lambda request: "/storefront/api/config" in request.url):
        serve(page, demo_server, host_page(demo_server), path="/host/page?ref=FRIEND-2345")

    for _ in range(3):
        page.get_by_role("button", name="Count").click()

    expect(page.locator("#count")).to_have_text("3")
    assert page.evaluate("ReferralWidget('open'), ReferralWidget('nonsense', 1), 'still here'") == (
        "still here"
    )
    assert page.locator("referral-widget .ln").is_visible() is False
    assert [url.split("?")[0].rsplit("/", 1)[1] for url in failed] == ["config"]
    assert errors == []


def test_on_a_phone_the_panel_is_a_bottom_sheet(demo_server, browser):
    phone = browser.new_context(
        viewport={"width": 375, "height": 700}, is_mobile=True, has_touch=True, locale="es-ES"
    )
    page = phone.new_page()

    serve(page, demo_server, host_page(demo_server))
    open_panel(page)

    box = page.locator("referral-widget .pn").bounding_box()
    assert (box["x"], box["width"], box["y"] + box["height"]) == (0, 375, 700)
    phone.close()


CONTRAST = """() => {
  const root = document.querySelector('referral-widget').shadowRoot;
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const panel = rgb(getComputedStyle(root.querySelector('.pn')).backgroundColor);
  const out = {};
  for (const [name, selector, own] of [['launcher', '.ln', true], ['join', '.pri', true],
      ['lead', '.lead', false], ['label', 'label', false], ['fine print', '.fine', false],
      ['error', '.err', false]]) {
    const s = getComputedStyle(root.querySelector(selector));
    out[name] = Math.round(ratio(rgb(s.color), own ? rgb(s.backgroundColor) : panel) * 100) / 100;
  }
  return out;
}"""


def test_text_has_at_least_aa_contrast(demo_server, context):
    page = context.new_page()
    serve(page, demo_server, host_page(demo_server))
    open_panel(page)
    page.get_by_role("button", name="Obtener mi enlace").click()
    expect(page.get_by_role("alert")).to_have_text("Escribe un correo electrónico válido.")

    ratios = page.evaluate(CONTRAST)

    assert ratios == {
        "launcher": 7.71,
        "join": 7.71,
        "lead": 17.04,
        "label": 17.04,
        "fine print": 7.46,
        "error": 6.54,
    }


def test_the_only_global_is_the_queue(demo_server, context):
    page = context.new_page()
    before = "<script>window.__before = Object.keys(window);</script>"

    serve(page, demo_server, host_page(demo_server, body=before))
    expect(page.get_by_role("button", name="Invita y gana")).to_be_visible()

    added = page.evaluate(
        "Object.keys(window).filter((k) => !window.__before.includes(k) && k !== '__before')"
    )
    assert added == ["ReferralWidget"]
    assert page.evaluate("customElements.get('referral-widget') !== undefined") is True


def test_loading_the_loader_and_the_widget_twice_changes_nothing(demo_server, context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    second_loader = (
        f'<script async src="/storefront/widget/loader.js" data-platform="sandbox" '
        f'data-shop="{SHOP}" data-token="{token(demo_server)}"></script>'
    )

    serve(page, demo_server, host_page(demo_server, body=second_loader))
    expect(page.get_by_role("button", name="Invita y gana")).to_be_visible()
    # The second loader added no second widget script.
    assert page.locator('script[src$="/widget.js"]').count() == 1
    page.evaluate("""() => new Promise((done) => {
        const again = document.createElement('script');
        again.src = [...document.scripts].map((s) => s.src).find((s) => s.endsWith('widget.js'));
        again.onload = done;
        document.head.append(again);
    })""")

    assert page.locator('script[src$="/widget.js"]').count() == 2
    assert page.locator("referral-widget").count() == 1
    expect(page.get_by_role("button", name="Invita y gana")).to_have_count(1)
    assert errors == []
