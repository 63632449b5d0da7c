"""The merchant's admin pages: one front-end (vanilla JS modules and CSS, no build step) for
Shopify's App Home and the WooCommerce "Referrals" page in WP admin.

The pages live in `connector/static/admin/` and talk only to `/admin/api`. This module renders
the shell document (the config the scripts start from, the stylesheet in the head so nothing
shows unstyled) and serves the files. Shopify's App Bridge is loaded from its CDN in the
Shopify shell, but nothing depends on it: without it the pages keep their own navigation,
toasts and save bar, and take the session token from the page's URL.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from platforms.shopify.auth import APP_BRIDGE_URL

UI_DIR = Path(__file__).resolve().parent.parent / "static" / "admin"
UI_PREFIX = "/admin/ui"
WOOCOMMERCE_PAGE = "/admin/woocommerce"
LOCALES = ("en", "es")
# The pages, in the order of the menu (the first is the home).
PAGES = (
    "overview", "dashboard", "start", "program", "loyalty", "advocates", "referrals", "payouts", "contests",
    "fraud", "deliveries", "webhooks", "notifications", "settings",
)  # fmt: skip
NAV_LABELS = {
    "en": {
        "overview": "Overview", "dashboard": "Dashboard", "start": "Get started",
        "program": "Program", "loyalty": "Loyalty", "advocates": "Advocates", "referrals": "Referrals",
        "payouts": "Payouts", "contests": "Contests", "fraud": "Blocklist", "deliveries": "Deliveries",
        "webhooks": "Webhooks", "notifications": "Notifications", "settings": "Settings",
    },
    "es": {
        "overview": "Resumen", "dashboard": "Panel de resultados", "start": "Primeros pasos",
        "program": "Programa", "loyalty": "Fidelidad", "advocates": "Embajadores", "referrals": "Referidos",
        "payouts": "Pagos", "contests": "Concursos", "fraud": "Lista de bloqueo", "deliveries": "Entregas",
        "webhooks": "Webhooks", "notifications": "Notificaciones", "settings": "Ajustes",
    },
}  # fmt: skip
LOADING = {"en": "Loading…", "es": "Cargando…"}
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_SAFE_NAME = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)?\.(js|css)$")


def ui_locale(requested: str | None) -> str:
    """The pages' language for a host's locale ("es-ES", "es_ES", "es" -> "es"; else English)."""
    language = (requested or "").replace("_", "-").split("-")[0].lower()
    return language if language in LOCALES else "en"


@dataclass(frozen=True)
class Shell:
    """What one host tells the pages: who hosts them, for which shop, where the pages live."""

    host: str  # "shopify" or "woocommerce"
    shop: str
    locale: str
    base: str  # the path the page names are under ("/app" or "/admin/woocommerce")
    app_name: str
    api_key: str = ""  # Shopify's client id: App Bridge and the theme editor link need it
    embed_handle: str = "app-embed"

    def config(self) -> dict[str, str]:
        """The JSON the scripts start from."""
        theme_editor = ""
        if self.host == "shopify" and self.api_key:
            theme_editor = (
                f"https://{self.shop}/admin/themes/current/editor?context=apps"
                f"&activateAppId={self.api_key}/{self.embed_handle}"
            )
        return {
            "host": self.host, "shop": self.shop, "locale": self.locale, "base": self.base,
            "api": "/admin/api", "appName": self.app_name, "themeEditor": theme_editor,
        }  # fmt: skip


def _asset_version() -> str:
    """A hash of every file, so the shell's URLs change when any page changes."""
    digest = hashlib.sha256()
    for path in sorted(UI_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(UI_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def render_shell(shell: Shell) -> str:
    """The document every admin page starts from."""
    e = html.escape
    lang = shell.locale
    labels = NAV_LABELS[lang]
    version = _asset_version()
    head_extra = ""
    nav_menu = ""
    if shell.host == "shopify":
        # App Bridge must be the first script, loaded synchronously (Shopify's rule).
        head_extra = (
            f'<meta name="shopify-api-key" content="{e(shell.api_key)}">\n'
            f'<script src="{APP_BRIDGE_URL}"></script>\n'
        )
        links = "".join(
            f'<a href="{e(shell.base)}/{page}">{e(labels[page])}</a>' for page in PAGES[1:]
        )
        nav_menu = (
            f'<ui-nav-menu><a href="{e(shell.base)}" rel="home">{e(labels["overview"])}</a>'
            f"{links}</ui-nav-menu>\n"
        )
    config = json.dumps(shell.config(), ensure_ascii=False).replace("</", "<\\/")
    return (
        f'<!doctype html>\n<html lang="{lang}" data-host="{e(shell.host)}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{head_extra}"
        f'<link rel="stylesheet" href="{UI_PREFIX}/app.css?v={version}">\n'
        f"<title>{e(shell.app_name)}</title>\n"
        f'<script type="application/json" id="rc-config">{config}</script>\n'
        f'<script type="module" src="{UI_PREFIX}/app.js?v={version}"></script>\n'
        "</head>\n<body>\n"
        f"{nav_menu}"
        f'<div id="app" aria-busy="true"><p class="loading">{e(LOADING[lang])}</p></div>\n'
        "</body>\n</html>\n"
    )


def shell_response(shell: Shell, headers: dict[str, str] | None = None) -> HTMLResponse:
    """The shell as an answer that is never cached (it carries the shop and locale)."""
    response = HTMLResponse(render_shell(shell), headers=headers)
    response.headers["Cache-Control"] = "no-store"
    return response


async def asset(request: Request) -> Response:
    """One file of the pages, with an ETag (the shell's `?v=` changes when a file does)."""
    name = request.path_params["name"]
    path = UI_DIR / name
    if not _SAFE_NAME.match(name) or not path.is_file():
        return JSONResponse({"error": f"no admin page file {name!r}"}, status_code=404)
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=TYPES[path.suffix], headers=headers)


def _woocommerce_ancestor(shop: str) -> str:
    """The WP admin origin allowed to frame the page: the shop's own host (shop names carry no
    scheme, so https, as the plugin's settings require)."""
    host = shop.split("/", 1)[0]
    return f"https://{host}" if re.fullmatch(r"[a-z0-9.-]+(:\d+)?", host) else "'none'"


async def woocommerce_page(request: Request) -> Response:
    """The page WP admin frames (the plugin's "Referrals" menu page). The token that proves who
    may see the shop's data travels in the URL's fragment, never to this server."""
    shop = request.query_params.get("shop", "").strip().lower()
    if not shop:
        return JSONResponse(
            {"error": "missing shop parameter: open this page from WP admin's Referrals menu"},
            status_code=400,
        )
    settings = request.app.state.runtime.settings
    shell = Shell(
        host="woocommerce", shop=shop, locale=ui_locale(request.query_params.get("locale")),
        base=WOOCOMMERCE_PAGE, app_name=settings.app_name,
    )  # fmt: skip
    csp = f"frame-ancestors {_woocommerce_ancestor(shop)}"
    return shell_response(shell, {"Content-Security-Policy": csp})


routes = [
    Route(UI_PREFIX + "/{name:path}", asset, methods=["GET"]),
    Route(WOOCOMMERCE_PAGE, woocommerce_page, methods=["GET"]),
    Route(WOOCOMMERCE_PAGE + "/{page}", woocommerce_page, methods=["GET"]),
]
