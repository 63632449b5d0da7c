"""The admin pages' browser tests: a real server (`connector serve`, SQLite, seeded by
tests.browser.admin_seed) behind the two hosts a merchant opens them from.

- Shopify: a page at https://admin.shopify.com plays the admin and frames the app at its public
  URL (https://referrals.test), which Playwright's router hands to the real server. App Bridge's
  CDN is unreachable, as in the suite's offline runs (a test may stand a fake in for it).
- WooCommerce: a page at the store's origin plays WP admin's "Referrals" page and frames the
  connector's WooCommerce page with the plugin's signed token.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError

from connector.services.admin.access import sign_admin_token
from tests.browser.servers import START_TIMEOUT, _free_port, launch, stop
from tests.conftest import TEST_API_KEY, TEST_API_SECRET, TEST_KEY
from tests.shopify.factories import session_token
from tests.support.wordpress import PHP, render_admin_page

APP_ORIGIN = "https://referrals.test"
ADMIN_ORIGIN = "https://admin.shopify.com"
CDN = "https://cdn.shopify.com/**"


@dataclass(frozen=True)
class AdminServer:
    """The running server, its environment, and the ids the seed made."""

    base: str
    env: dict[str, str]
    seeded: dict[str, Any]

    def shop(self, host: str) -> str:
        """The seeded shop's domain on `host` ("shopify" or "woocommerce")."""
        return str(self.seeded[host]["shop"])


def _environment(tmp: Path, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "SHOPIFY_API_KEY": TEST_API_KEY,
        "SHOPIFY_API_SECRET": TEST_API_SECRET,
        "CONNECTOR_ENCRYPTION_KEYS": TEST_KEY,
        "DATABASE_URL": f"sqlite://{tmp / 'admin.sqlite3'}",
        "CONNECTOR_DATA_DIR": str(tmp / "data"),
        "CONNECTOR_LOG_LEVEL": "WARNING",
        "CONNECTOR_WORKER": "external",  # replays stay queued: what the page shows is stable
        "PUBLIC_URL": APP_ORIGIN,
    }
    for name in ("SHOPIFY_API_SECRET_PREVIOUS", "CONNECTOR_CONFIG"):
        env.pop(name, None)
    return env


@contextlib.contextmanager
def running_admin_server(tmp: Path, **extra_env: str) -> Iterator[AdminServer]:
    """Seed a database in `tmp` and serve it (`extra_env` added to the server's environment)."""
    port = _free_port()
    env = {**_environment(tmp, port), **extra_env}
    root = Path(__file__).resolve().parents[2]
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.browser.admin_seed"], env={**env, "PYTHONPATH": str(root)},
        cwd=tmp, capture_output=True, text=True, check=True, timeout=START_TIMEOUT * 2,
    )  # fmt: skip
    ids = json.loads(seeded.stdout.strip().splitlines()[-1])
    command = [sys.executable, "-m", "connector.cli", "serve", "--port", str(port)]
    process = launch(command, env, tmp, port)
    try:
        yield AdminServer(f"http://127.0.0.1:{port}", env, ids)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    """A seeded server for one test module (each module starts from the same data)."""
    with running_admin_server(tmp_path_factory.mktemp("admin")) as server:
        yield server


def proxy_app(page: Any, server: AdminServer) -> None:
    """Hand every request for the app's public URL to the real server (once per page; a route
    added after it takes precedence, which is how a test makes one call fail)."""
    if getattr(page, "proxied", False):
        return
    page.proxied = True

    def forward(route: Any) -> None:
        url = route.request.url.replace(APP_ORIGIN, server.base, 1)
        try:
            route.fulfill(response=route.fetch(url=url, max_redirects=0))
        except PlaywrightError:
            # The test ended (its page closed) while this request was on its way.
            with contextlib.suppress(PlaywrightError):
                route.abort()

    page.route(APP_ORIGIN + "/**", forward)


@contextlib.contextmanager
def admin_page(browser: Any, *, height: int = 1000) -> Iterator[Any]:
    """A page in a fresh English profile that records script errors in `page.errors`; Shopify's
    CDN refused."""
    context = browser.new_context(viewport={"width": 1280, "height": height}, locale="en-US")
    made = context.new_page()
    made.errors = []
    made.on("pageerror", lambda error: made.errors.append(str(error)))
    no_cdn(made)
    try:
        yield made
    finally:
        context.close()


def no_cdn(page: Any) -> list[str]:
    """Make Shopify's CDN unreachable (the suite is offline); returns the URLs that were asked."""
    asked: list[str] = []

    def refuse(route: Any) -> None:
        asked.append(route.request.url)
        route.abort("internetdisconnected")

    page.route(CDN, refuse)
    return asked


def shopify_app_url(server: AdminServer, *, locale: str = "en", path: str = "/app") -> str:
    """The URL Shopify's admin frames the app with: signed id_token, shop, host, locale."""
    token = session_token(shop=server.shop("shopify"), expires_in=3600)
    host = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvcmVmZXJyYWwtdGVzdA"
    query = urlencode(
        {
            "embedded": "1",
            "host": host,
            "shop": server.shop("shopify"),
            "locale": locale,
            "id_token": token,
        }
    )
    return f"{APP_ORIGIN}{path}?{query}"


def _frame_page(title: str, src: str, locale: str) -> str:
    """A host page (the admin around the app) that frames `src` full width."""
    return f"""<!doctype html><html lang="{locale}"><head><meta charset="utf-8">
<title>{title}</title><style>body{{margin:0;font-family:sans-serif}}
header{{height:48px;background:#1a1a1a;color:#fff;padding:12px}}
iframe{{border:0;width:100%;height:calc(100vh - 48px)}}</style></head>
<body><header>{title}</header>
<iframe name="app-iframe" title="Referral Connector" src="{src}"></iframe>
</body></html>"""


def open_admin(
    page: Any, server: AdminServer, host: str, *, locale: str = "en", path: str = ""
) -> Any:
    """Open the app's page `path` inside the host's admin; returns the app's frame."""
    proxy_app(page, server)
    if host == "shopify":
        outer = f"{ADMIN_ORIGIN}/store/referral-test/apps/referral-connector"
        src = shopify_app_url(server, locale=locale, path="/app" + (f"/{path}" if path else ""))
        html = _frame_page("Shopify admin", src, locale)
    else:
        outer, html = woocommerce_admin_page(server, locale=locale, path=path)
    page.route(outer, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(outer)
    return page.frame_locator("iframe[name=app-iframe]")


WP_ORIGIN = "https://store.example"
WP_PAGE = f"{WP_ORIGIN}/wp-admin/admin.php?page=referral-connector-admin"


def woocommerce_admin_page(
    server: AdminServer, *, locale: str, path: str, now: int | None = None
) -> tuple[str, str]:
    """WP admin's Referrals page (its URL and HTML): the plugin's own page function, run by
    php-cli with the store's webhook secret, inside a bare WP admin layout."""
    if PHP is None:
        pytest.skip("php-cli is not installed (CI installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        rendered = render_admin_page(
            Path(tmp), connector=APP_ORIGIN, shop=server.shop("woocommerce"),
            key=str(server.seeded["woocommerce"]["webhook_secret"]),
            now=int(time.time()) if now is None else now,
            locale="es_ES" if locale == "es" else "en_US", home=WP_ORIGIN,
        )  # fmt: skip
    body = rendered.html
    if path:  # a deep link, as the frame's own menu would reach
        body = body.replace("/admin/woocommerce?", f"/admin/woocommerce/{path}?", 1)
    html = f"""<!doctype html><html lang="{locale}"><head><meta charset="utf-8">
<title>Referrals &lsaquo; Store &mdash; WordPress</title>
<style>body{{margin:0;font-family:sans-serif;background:#f0f0f1}}
#adminmenu{{position:fixed;left:0;top:0;bottom:0;width:160px;background:#1d2327;color:#fff}}
#wpbody{{margin-left:160px;padding:0 20px}}</style></head>
<body class="wp-admin"><div id="adminmenu">WooCommerce › Referrals</div>
<div id="wpbody">{body}</div></body></html>"""
    return WP_PAGE, html


def woocommerce_token(server: AdminServer, *, expires_in: int = 900) -> str:
    """An admin token for the store, as the plugin signs one."""
    seeded = server.seeded["woocommerce"]
    expires = int(time.time()) + expires_in
    return sign_admin_token(str(seeded["webhook_secret"]), str(seeded["shop"]), "1", expires)


def api(server: AdminServer, host: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Call the admin API as the shop's staff would (to check what a page did)."""
    if host == "shopify":
        token = session_token(shop=server.shop("shopify"), expires_in=300)
    else:
        token = woocommerce_token(server, expires_in=300)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=10) as client:
        return client.request(method, f"{server.base}/admin/api{path}", headers=headers, **kwargs)
