"""The public terms page of a shop's referral program, per locale: readable HTML, every word the
merchant wrote escaped.

`GET /terms/{platform}/{shop}/{locale}` (locale `es` or `en`). The widget links it beside the
box a shopper ticks to join, and every message the connector sends links it in its footer.
"""

from __future__ import annotations

import re
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from connector.services.base.runtime import Runtime
from connector.services.storefront import api
from connector.services.storefront.terms import LOCALES, TermsPage

PLATFORMS = ("shopify", "woocommerce", "sandbox")
_WORDS = {
    "en": {
        "title": "Terms of the {shop} referral program",
        "version": "Version {version}, in force since {date}.",
        "none": "{shop} has not published terms for its referral program.",
        "no_shop": "There is no referral program at this address.",
    },
    "es": {
        "title": "Condiciones del programa de referidos de {shop}",
        "version": "Versión {version}, en vigor desde el {date}.",
        "none": "{shop} no ha publicado condiciones para su programa de referidos.",
        "no_shop": "No hay ningún programa de referidos en esta dirección.",
    },
}
_STYLE = (
    "body{font:16px/1.6 system-ui,sans-serif;color:#1c1c1c;max-width:680px;margin:40px auto;"
    "padding:0 16px}h1{font-size:24px;line-height:1.3}.meta{color:#555;font-size:14px}"
)


def _html(locale: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    page = (
        f'<!doctype html><html lang="{escape(locale)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    headers = {
        "Cache-Control": "public, max-age=300",
        # Nothing but our own inline style: a merchant's words can never run as markup.
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(page, status_code=status, headers=headers)


def _paragraphs(text: str) -> str:
    """The merchant's text as paragraphs (a blank line between them), lines kept, all escaped."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    return "".join("<p>" + escape(p).replace("\n", "<br>") + "</p>" for p in parts)


def _body(page: TermsPage) -> str:
    words = _WORDS[page.locale]
    if not page.text:
        return f"<p>{escape(words['none'].format(shop=page.shop_name))}</p>"
    meta = ""
    if page.since is not None:
        line = words["version"].format(version=page.version, date=page.since.date().isoformat())
        meta = f'<p class="meta">{escape(line)}</p>'
    return meta + _paragraphs(page.text)


async def terms(request: Request) -> HTMLResponse:
    """The page: 404 (in words) for a locale we do not write in or a shop we do not serve."""
    runtime: Runtime = request.app.state.runtime
    platform, domain = request.path_params["platform"], request.path_params["shop"]
    locale = request.path_params["locale"]
    if locale not in LOCALES:
        words = _WORDS["en"]
        known = " or ".join(LOCALES)
        body = f"<p>{escape(f'There are no terms in {locale!r}: the pages are in {known}.')}</p>"
        return _html("en", words["title"].format(shop=domain), body, 404)
    words = _WORDS[locale]
    if platform not in PLATFORMS:
        return _html(locale, words["no_shop"], "", 404)
    try:
        page = await api.terms(runtime, platform, domain, locale)
    except api.ShopUnknown:
        return _html(locale, words["no_shop"], "", 404)
    return _html(locale, words["title"].format(shop=page.shop_name), _body(page))


routes = [Route("/terms/{platform}/{shop}/{locale}", terms, methods=["GET"])]
