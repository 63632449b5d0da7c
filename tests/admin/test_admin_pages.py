"""The admin pages' shell and files as served: the config the scripts start from, the language,
the App Bridge shell on Shopify only, the WooCommerce page's framing rule, and the files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import respx

from connector.routes.admin_ui import NAV_LABELS, PAGES, UI_DIR, Shell, render_shell, ui_locale
from connector.services.base.runtime import Runtime
from tests.conftest import TEST_API_KEY
from tests.shopify.factories import SHOP, installed_shop, session_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvcmVmZXJyYWwtdGVzdA"


def config_of(page: str) -> dict[str, str]:
    match = re.search(r'<script type="application/json" id="rc-config">(.*?)</script>', page)
    assert match, "the shell carries its config"
    found: dict[str, str] = json.loads(match.group(1))
    return found


@pytest.mark.parametrize(
    ("asked", "language"),
    [("es", "es"), ("es-ES", "es"), ("es_MX", "es"), ("en-GB", "en"), ("fr", "en"), (None, "en")],
)
def test_the_pages_language_follows_the_hosts_locale(asked: str | None, language: str) -> None:
    assert ui_locale(asked) == language


@pytest.mark.parametrize("path", ["/app", "/app/program", "/app/referrals"])
async def test_every_page_of_the_app_home_is_the_shell_in_the_admins_language(
    app_client: httpx.AsyncClient, runtime: Runtime, path: str
) -> None:
    await installed_shop(runtime)
    query = urlencode({"embedded": "1", "host": HOST, "shop": SHOP, "locale": "es-ES",
                       "id_token": session_token()})  # fmt: skip

    with respx.mock:  # a usable token is stored: nothing is asked of Shopify
        answer = await app_client.get(f"{path}?{query}")

    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    page = answer.text
    assert '<html lang="es" data-host="shopify">' in page
    assert config_of(page) == {
        "host": "shopify", "shop": SHOP, "locale": "es", "base": "/app", "api": "/admin/api",
        "appName": "Referral Connector",
        "themeEditor": f"https://{SHOP}/admin/themes/current/editor?context=apps"
        f"&activateAppId={TEST_API_KEY}/app-embed",
    }  # fmt: skip
    # App Bridge first and synchronous; the stylesheet before any content (no unstyled flash).
    assert page.index("app-bridge.js") < page.index("app.css") < page.index("<body>")
    nav = re.findall(r'<a href="(/app[^"]*)"[^>]*>([^<]+)</a>', page)
    assert nav == [("/app", "Resumen")] + [(f"/app/{p}", NAV_LABELS["es"][p]) for p in PAGES[1:]]


async def test_the_woocommerce_page_is_framed_only_by_its_store_and_loads_no_app_bridge(
    app_client: httpx.AsyncClient,
) -> None:
    answer = await app_client.get("/admin/woocommerce?shop=shop.example&locale=es_ES")

    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == "frame-ancestors https://shop.example"
    assert "cdn.shopify.com" not in answer.text
    assert "ui-nav-menu" not in answer.text
    assert config_of(answer.text)["host"] == "woocommerce"
    assert config_of(answer.text)["locale"] == "es"
    assert config_of(answer.text)["base"] == "/admin/woocommerce"


async def test_the_woocommerce_page_needs_the_shop(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/admin/woocommerce")

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "missing shop parameter: open this page from WP admin's Referrals menu"
    }


async def test_a_shop_name_that_is_not_a_host_frames_nowhere(app_client: httpx.AsyncClient) -> None:
    answer = await app_client.get("/admin/woocommerce?shop=evil.example%20https://x")

    assert answer.headers["content-security-policy"] == "frame-ancestors 'none'"


async def test_the_pages_files_are_served_with_their_type_and_etag(
    app_client: httpx.AsyncClient,
) -> None:
    script = await app_client.get("/admin/ui/app.js")
    again = await app_client.get(
        "/admin/ui/app.js", headers={"If-None-Match": script.headers["etag"]}
    )
    style = await app_client.get("/admin/ui/app.css")
    page = await app_client.get("/admin/ui/pages/program.js")

    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.content == (UI_DIR / "app.js").read_bytes()
    assert again.status_code == 304
    assert style.headers["content-type"] == "text/css; charset=utf-8"
    assert page.status_code == 200


@pytest.mark.parametrize(
    "name", ["../routes/admin_ui.py", "nope.js", "pages/a/b.js", "x.html", "%2e%2e/app.js"]
)
async def test_only_the_pages_files_are_served(app_client: httpx.AsyncClient, name: str) -> None:
    answer = await app_client.get(f"/admin/ui/{name}")

    assert answer.status_code == 404


def test_every_page_in_the_menu_has_its_module_and_both_languages() -> None:
    for page in PAGES:
        assert (UI_DIR / "pages" / f"{page}.js").is_file(), page
    assert set(NAV_LABELS["en"]) == set(NAV_LABELS["es"]) == set(PAGES)


def _keys(block: str) -> set[str]:
    return set(re.findall(r"^\s*'?([\w.]+)'?\s*:", block, re.MULTILINE)) | set(
        re.findall(r"[,{]\s*'?([\w.]+)'?\s*:\s*['\"]", block)
    )


@pytest.mark.parametrize(
    "path",
    sorted(p for p in UI_DIR.rglob("*.js") if "= words({" in p.read_text() or p.name == "i18n.js"),
)
def test_every_english_message_has_its_spanish_one(path: Path) -> None:
    text = path.read_text()
    # Each dictionary is `en: { ... }, es: { ... }`; compare their keys block by block.
    pairs = re.findall(r"^  en: \{(.*?)\n  \},\n  es: \{(.*?)\n  \},", text, re.DOTALL | re.M)
    assert pairs, f"{path.name} has no en/es dictionary"
    for english, spanish in pairs:
        assert _keys(english) == _keys(spanish)


def test_the_shell_escapes_what_it_is_given() -> None:
    shell = Shell(host="shopify", shop="a.myshopify.com", locale="en", base="/app",
                  app_name="<b>Refs</b>", api_key='k"1')  # fmt: skip

    page = render_shell(shell)

    assert "<title>&lt;b&gt;Refs&lt;/b&gt;</title>" in page
    assert 'content="k&quot;1"' in page
    assert "</script>" not in config_of(page)["appName"]
