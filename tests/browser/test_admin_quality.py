"""What a merchant notices in the admin pages: every page drawn (one screenshot each), keyboard
reach with a visible focus, AA contrast, labels on every field, errors in words, and App Bridge
used when Shopify's admin provides it.

Set ADMIN_SCREENSHOTS to a folder to keep the screenshots (the README's come from here).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from connector.routes.admin_ui import NAV_LABELS, PAGES
from tests.browser.admin_host import (
    APP_ORIGIN,
    CDN,
    AdminServer,
    admin_page,
    open_admin,
    proxy_app,
)
from tests.shopify.factories import session_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with admin_page(browser, height=900) as made:
        yield made


def loaded(app: Any, page_name: str, language: str = "en") -> None:
    """Wait until the page's heading is there and its content replaced the loading line."""
    heading = NAV_LABELS[language][page_name]
    expect(app.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(app.locator("#rc-main .loading")).to_have_count(0)


@pytest.mark.parametrize("host", ["shopify", "woocommerce"])
@pytest.mark.parametrize("name", PAGES)
def test_screenshot_of_every_page(
    admin_server: AdminServer, page: Any, name: str, host: str, tmp_path: Path
) -> None:
    app = open_admin(page, admin_server, host, path="" if name == "overview" else name)
    loaded(app, name)

    # Drawn, without an error, nothing wider than the frame, and every field labelled.
    expect(app.locator(".notice-error")).to_have_count(0)
    frame = page.frame(name="app-iframe")
    assert frame.evaluate("document.documentElement.scrollWidth <= innerWidth")
    unlabelled = frame.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length)
                && !el.getAttribute('aria-label'))
        .map((el) => el.id || el.name || el.outerHTML.slice(0, 60))""")
    assert unlabelled == []
    folder = Path(os.environ.get("ADMIN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = page.locator("iframe[name=app-iframe]").screenshot(path=folder / f"{host}-{name}.png")
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.errors == []


def focus_ring(app: Any) -> dict[str, str]:
    return dict(
        app.locator(":focus").evaluate(
            "(el) => { const s = getComputedStyle(el); return {tag: el.tagName, "
            "text: el.textContent.trim(), outline: s.outlineStyle, width: s.outlineWidth}; }"
        )
    )


def test_the_menu_and_a_form_are_reachable_by_keyboard_with_a_visible_focus(
    admin_server: AdminServer, page: Any
) -> None:
    app = open_admin(page, admin_server, "shopify", path="program")
    loaded(app, "program")
    app.locator("body").focus()

    seen = []
    for _ in range(len(PAGES) + 1):  # the language picker, then every page of the menu
        page.keyboard.press("Tab")
        seen.append(focus_ring(app))
    names = [s["text"] for s in seen if s["tag"] == "A"]
    assert names[: len(PAGES)] == [NAV_LABELS["en"][p] for p in PAGES]
    assert all(s["outline"] == "solid" and s["width"] == "2px" for s in seen)

    # Enter on a menu link opens its page; the form's first field is reached by Tab.
    app.get_by_role("link", name="Payouts").focus()
    page.keyboard.press("Enter")
    loaded(app, "payouts")


CONTRAST = """() => {
  const rgb = (t) => t.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  const bg = (el) => { for (let n = el; n; n = n.parentElement) {
      const c = getComputedStyle(n).backgroundColor;
      if (c && !c.endsWith(', 0)') && c !== 'transparent') return rgb(c); }
    return [255, 255, 255]; };
  const out = {};
  for (const [name, selector] of [['text', 'h1'], ['hint', '.hint'], ['label', 'label'],
      ['menu', '.tabs a'], ['primary', '.btn.primary'], ['button', '.btn:not(.primary)'],
      ['error', '.field-error'], ['badge', '.badge'], ['link', 'a[href^="https"]']]) {
    const el = document.querySelector(selector);
    if (!el) { out[name] = null; continue; }
    const s = getComputedStyle(el);
    out[name] = Math.round(ratio(rgb(s.color), bg(el)) * 100) / 100;
  }
  return out;
}"""


def test_text_meets_aa_contrast(admin_server: AdminServer, page: Any) -> None:
    app = open_admin(page, admin_server, "shopify", path="program")
    loaded(app, "program")
    app.get_by_label("Days to wait before rewarding").fill("-1")
    app.locator("#program-form").get_by_role("button", name="Save").click()
    expect(app.locator("#p-hold_days-error")).to_be_visible()
    frame = page.frame(name="app-iframe")

    ratios = frame.evaluate(CONTRAST)

    low = {name: r for name, r in ratios.items() if r is not None and r < 4.5}
    assert low == {}
    assert None not in (ratios["text"], ratios["hint"], ratios["primary"], ratios["error"])


def test_an_api_failure_is_said_in_words_never_as_a_status(
    admin_server: AdminServer, page: Any
) -> None:
    proxy_app(page, admin_server)
    page.route(
        f"{APP_ORIGIN}/admin/api/payouts*",
        lambda route: route.fulfill(status=500, content_type="text/html", body="<h1>500</h1>"),
    )

    app = open_admin(page, admin_server, "shopify", path="payouts")

    alert = app.get_by_role("alert")
    expect(alert).to_have_text("Something went wrong on our side. Try again in a minute.")
    expect(alert).not_to_contain_text("500")


def test_an_expired_session_says_so_and_offers_a_reload(
    admin_server: AdminServer, page: Any
) -> None:
    proxy_app(page, admin_server)
    page.route(
        f"{APP_ORIGIN}/admin/api/program*",
        lambda route: route.fulfill(
            status=401, content_type="application/json",
            body='{"error": "invalid session token", "reason": "invalid_session"}',
        ),
    )  # fmt: skip

    app = open_admin(page, admin_server, "shopify", path="program")

    expect(app.get_by_role("alert")).to_contain_text(
        "Your session has expired. Reload the page to continue."
    )
    expect(app.get_by_role("button", name="Reload the page")).to_be_visible()


def test_an_empty_page_says_what_to_do_next(admin_server: AdminServer, page: Any) -> None:
    app = open_admin(page, admin_server, "shopify", path="contests")

    expect(app.get_by_text("Your program has no contest.")).to_be_visible()
    app.get_by_role("button", name="Get started").click()
    loaded(app, "start")


FAKE_APP_BRIDGE = """
window.__shown = [];
window.shopify = {
  idToken: async () => window.__token,
  toast: { show: (message) => window.__shown.push(['toast', message]) },
  saveBar: { show: (id) => window.__shown.push(['save-bar', id]),
             hide: (id) => window.__shown.push(['hide', id]) },
};
"""


def fake_app_bridge(page: Any, server: AdminServer) -> None:
    """Shopify's admin provides App Bridge: a stand-in records what the pages ask of it."""
    token = session_token(shop=server.shop("shopify"), expires_in=600)
    script = f"window.__token = {token!r};" + FAKE_APP_BRIDGE
    page.unroute(CDN)
    page.route(
        "https://cdn.shopify.com/shopifycloud/app-bridge.js",
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=script),
    )


def test_with_app_bridge_the_admin_draws_the_menu_title_and_toasts(
    admin_server: AdminServer, page: Any
) -> None:
    fake_app_bridge(page, admin_server)

    app = open_admin(page, admin_server, "shopify", path="deliveries")
    loaded(app, "deliveries")
    frame = page.frame(name="app-iframe")

    # The admin's own menu replaces ours; the title bar carries the page's name.
    expect(app.locator("nav.tabs")).to_have_count(0)
    assert frame.evaluate("document.querySelector('ui-title-bar').getAttribute('title')") == (
        "Deliveries"
    )
    assert frame.evaluate("[...document.querySelectorAll('ui-nav-menu a')].length") == len(PAGES)
    dead = int(admin_server.seeded["shopify"]["dead"])
    app.get_by_role("button", name=f"Replay {dead}").click()
    app.get_by_role("dialog").get_by_role("button", name="Replay").click()
    expect(app.get_by_text("Queued again", exact=True)).to_be_visible()
    assert ["toast", f"Delivery {dead} queued again."] in frame.evaluate("window.__shown")
    # Switching the language renames the admin's menu too.
    app.get_by_label("Language").select_option("es")
    expect(app.get_by_role("heading", name="Entregas", level=1)).to_be_visible()
    assert frame.evaluate(
        "[...document.querySelectorAll('ui-nav-menu a')].map((a) => a.textContent)"
    ) == [NAV_LABELS["es"][p] for p in PAGES]


def test_with_app_bridge_unsaved_changes_raise_the_admins_save_bar(
    admin_server: AdminServer, page: Any
) -> None:
    fake_app_bridge(page, admin_server)
    app = open_admin(page, admin_server, "shopify", path="program")
    loaded(app, "program")
    frame = page.frame(name="app-iframe")
    before = frame.evaluate("window.__shown.length")

    app.get_by_label("Days to wait before rewarding").fill("5")

    assert frame.evaluate("window.__shown")[before:][:1] == [["save-bar", "rc-save-bar"]]
    expect(app.locator(".savebar")).to_be_hidden()
    # The admin's Save button (App Bridge draws it from the ui-save-bar's buttons).
    frame.evaluate("document.querySelector('ui-save-bar button[variant=primary]').click()")
    expect(app.get_by_role("status")).to_contain_text("Program saved: version")
    expect(app.get_by_role("heading", name="Program", level=1)).to_be_visible()
    token = session_token(shop=admin_server.shop("shopify"), expires_in=60)
    saved = httpx.get(f"{admin_server.base}/admin/api/program",
                      headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
    assert saved["config"]["hold_days"] == 5
    assert ["hide", "rc-save-bar"] in frame.evaluate("window.__shown")
