"""The demo store under /demo: a fake shop page with a product, the widget, a cart and checkout.

Mounted only by `connector demo`. The page behaves like a Shopify storefront towards the widget
(`/demo/discount/CODE`, `/demo/cart/update.js`), signs its widget token the way the WooCommerce
loader plugin does, and "Place order" makes the sandbox store send a signed orders/paid webhook
into our own inbox, which the real worker then processes.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from string import Template
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from connector import jsonsafe
from connector.services import demo
from connector.services.base.runtime import Runtime
from connector.services.pipeline.ingest import receive
from connector.services.storefront.assets import resolve_locale
from connector.settings import REPO_ROOT
from platforms.base import DiscountKind
from platforms.sandbox.adapter import SandboxAdapter, order_payload

CART = "demo_cart"
CUSTOMER = "demo_customer"
LANG = "demo_lang"
CONSENT = "demo_consent"
FIRST_ORDER_ID = 5001
log = logging.getLogger("connector.demo")

STATIC = REPO_ROOT / "connector" / "static"
# The page's words per language, and the page itself with $placeholders (string.Template) that
# `page` fills in, every value escaped.
TEXT: dict[str, dict[str, str]] = json.loads(
    (STATIC / "demo-text.json").read_text(encoding="utf-8")
)

PAGE = Template((STATIC / "demo.html").read_text(encoding="utf-8"))


@dataclass
class Cart:
    """The demo cart, kept in a cookie like a store's cart token."""

    quantity: int = 0
    code: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, request: Request) -> Cart:
        """The request's cart (an unreadable cookie is an empty cart)."""
        try:
            raw = jsonsafe.loads(request.cookies.get(CART, "{}"))
            return cls(
                int(raw.get("quantity", 0)),
                raw.get("code") or None,
                {str(k): str(v) for k, v in dict(raw.get("attributes") or {}).items()},
            )
        except (ValueError, TypeError, AttributeError):
            return cls()

    def saved(self, response: Response) -> Response:
        """`response` carrying this cart."""
        value = json.dumps(self.__dict__, separators=(",", ":"))
        response.set_cookie(CART, value, path="/demo", samesite="lax", httponly=True)
        return response


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _sandbox(runtime: Runtime) -> SandboxAdapter:
    adapter = runtime.adapter(demo.PLATFORM)
    if not isinstance(adapter, SandboxAdapter):
        raise TypeError("the demo needs the sandbox adapter")
    return adapter


def _lang(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG) or "es"
    return resolve_locale(wanted, TEXT)


def _money(amount: Decimal, lang: str) -> str:
    text = f"{amount:.2f}"
    return f"{text.replace('.', ',')} €" if lang == "es" else f"€{text}"


def _discount(runtime: Runtime, cart: Cart, subtotal: Decimal) -> Decimal | None:
    """What the cart's code takes off, as the sandbox store has it; None if the code is unknown."""
    found = _sandbox(runtime).shop(demo.SHOP).discounts.get((cart.code or "").casefold())
    if found is None or not found.active:
        return None
    spec = found.spec
    if spec.kind is DiscountKind.PERCENTAGE:
        return (subtotal * spec.value / 100).quantize(Decimal("0.01"))
    if spec.kind is DiscountKind.FIXED_AMOUNT:
        return min(spec.value, subtotal)
    return Decimal("0")


def _cart_html(runtime: Runtime, cart: Cart, lang: str, text: dict[str, str]) -> str:
    e = html.escape
    if cart.quantity == 0:
        return f"<p>{e(text['empty'])}</p>" + _code_html(runtime, cart, text)
    subtotal = demo.PRODUCT_PRICE * cart.quantity
    discount = _discount(runtime, cart, subtotal) or Decimal("0")
    rows = [
        (f"{cart.quantity} × {text['product']}", _money(subtotal, lang)),
        (text["discount"], "−" + _money(discount, lang)),
        (text["total"], _money(subtotal - discount, lang)),
    ]
    items = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in rows)
    return (
        f"<dl>{items}</dl>{_code_html(runtime, cart, text)}"
        '<form method="post" action="/demo/checkout">'
        f'<label for="email">{e(text["email"])}</label>'
        '<input id="email" name="email" type="email" autocomplete="email" required>'
        f"<button>{e(text['order'])}</button></form>"
    )


def _code_html(runtime: Runtime, cart: Cart, text: dict[str, str]) -> str:
    e = html.escape
    parts = []
    if cart.code:
        known = _discount(runtime, cart, Decimal("1")) is not None
        line = text["code"] if known else text["no_code"].replace("{code}", cart.code)
        parts.append(
            f'<p data-code="{e(cart.code)}">{e(line)}: <strong>{e(cart.code)}</strong></p>'
        )
    ref = cart.attributes.get("referral_code")
    if ref:
        parts.append(f'<p data-referral="{e(ref)}">{e(text["referral"])}: {e(ref)}</p>')
    return "".join(parts)


async def page(request: Request) -> Response:
    """The demo store's page."""
    runtime = _runtime(request)
    lang = _lang(request)
    text = TEXT[lang]
    customer = request.cookies.get(CUSTOMER) or None
    consented = request.cookies.get(CONSENT) == "1"
    ordered = request.query_params.get("order", "")
    e = html.escape
    body = PAGE.substitute(
        lang=lang,
        title=e(text["title"]),
        account="logout" if customer else "login",
        account_label=e(text["sign_out"] if customer else text["sign_in"]),
        who=f"<span>{e(text['signed_in'])}</span>" if customer else "",
        intro=e(text["intro"]),
        ordered=f'<p class="done" role="status">{e(text["ordered"].replace("{name}", ordered))}</p>'
        if ordered
        else "",
        product=e(text["product"]),
        blurb=e(text["blurb"]),
        price=e(_money(demo.PRODUCT_PRICE, lang)),
        add=e(text["add"]),
        cart=e(text["cart"]),
        lines=_cart_html(runtime, Cart.of(request), lang, text),
        consent=""
        if consented
        else f'<div id="consent" class="consent" role="region" aria-label="cookies">'
        f'<p>{e(text["consent"])}</p><button id="accept">{e(text["accept"])}</button></div>',
        consent_cookie=CONSENT,
        consent_mode="granted" if consented else "ask",
        shop=e(demo.SHOP),
        token=e(demo.page_token(runtime, customer)),
    )
    response = HTMLResponse(body, headers={"Cache-Control": "no-store"})
    if request.query_params.get("lang"):
        response.set_cookie(LANG, lang, path="/demo", samesite="lax")
    return response


def _back(request: Request, query: str = "") -> RedirectResponse:
    return RedirectResponse("/demo/" + query, status_code=303)


async def to_page(request: Request) -> Response:
    """/demo without the slash."""
    return _back(request)


async def sign_in(request: Request) -> Response:
    """Sign in as the demo customer, Ana."""
    response = _back(request)
    response.set_cookie(CUSTOMER, demo.ANA.customer_id, path="/demo", samesite="lax", httponly=True)
    return response


async def sign_out(request: Request) -> Response:
    """Sign out."""
    response = _back(request)
    response.delete_cookie(CUSTOMER, path="/demo")
    return response


async def discount_link(request: Request) -> Response:
    """Like Shopify's /discount/CODE: put the code on the cart, then go to the store."""
    # Let the store catch up first (a new advocate's code), as a real store already would have.
    await demo.advance(_runtime(request))
    cart = Cart.of(request)
    cart.code = request.path_params["code"][:64]
    return cart.saved(_back(request))


def _cart_json(cart: Cart) -> dict[str, Any]:
    return {
        "item_count": cart.quantity,
        "attributes": cart.attributes,
        "discount_codes": [{"code": cart.code}] if cart.code else [],
    }


async def cart_json(request: Request) -> Response:
    """Like Shopify's /cart.js."""
    return JSONResponse(_cart_json(Cart.of(request)))


async def cart_update(request: Request) -> Response:
    """Like Shopify's /cart/update.js: merge cart attributes."""
    cart = Cart.of(request)
    try:
        data = jsonsafe.loads(await request.body() or b"{}")
        attributes = dict(data.get("attributes") or {})
    except (ValueError, TypeError, AttributeError):
        return JSONResponse({"error": "invalid JSON"}, status_code=400)
    cart.attributes.update({str(k)[:64]: str(v)[:255] for k, v in attributes.items()})
    return cart.saved(JSONResponse(_cart_json(cart)))


async def cart_add(request: Request) -> Response:
    """Add one of the product to the cart."""
    cart = Cart.of(request)
    cart.quantity = min(cart.quantity + 1, 9)
    return cart.saved(_back(request))


async def checkout(request: Request) -> Response:
    """Place the sandbox order and send its signed orders/paid webhook into our own inbox."""
    runtime = _runtime(request)
    cart = Cart.of(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    email = (form.get("email") or [""])[0].strip()[:320]
    if cart.quantity == 0 or "@" not in email:
        return _back(request)
    sandbox = _sandbox(runtime)
    store = sandbox.shop(demo.SHOP)
    subtotal = demo.PRODUCT_PRICE * cart.quantity
    discount = _discount(runtime, cart, subtotal)
    customer = request.cookies.get(CUSTOMER)
    order_id = await demo.next_order_id(FIRST_ORDER_ID, len(store.orders))
    payload = order_payload(
        order_id,
        email=email,
        customer_id=int(customer) if customer and customer.isdigit() else None,
        total=str(subtotal - (discount or Decimal("0"))),
        currency=demo.CURRENCY,
        codes=[cart.code] if cart.code and discount is not None else [],
        attributes=cart.attributes,
    )
    store.add_order(payload)
    secret = runtime.webhook_secrets(demo.PLATFORM)[0]
    headers, body = sandbox.webhook(
        secret, demo.SHOP, "orders/paid", payload, delivery_id=f"demo-{order_id}"
    )
    received = await receive(runtime, demo.PLATFORM, headers, body)
    if not received.stored:
        log.warning(
            "demo order %s: its webhook was already in the inbox, so it counts once", order_id
        )
    await demo.advance(runtime)
    response = _back(request, "?order=" + quote(str(payload["name"])))
    response.delete_cookie(CART, path="/demo")
    return response


routes: list[BaseRoute] = [
    Route("/demo", to_page, methods=["GET"]),
    Route("/demo/", page, methods=["GET"]),
    Route("/demo/login", sign_in, methods=["POST"]),
    Route("/demo/logout", sign_out, methods=["POST"]),
    Route("/demo/discount/{code}", discount_link, methods=["GET"]),
    Route("/demo/cart.js", cart_json, methods=["GET"]),
    Route("/demo/cart/update.js", cart_update, methods=["POST"]),
    Route("/demo/cart/add", cart_add, methods=["POST"]),
    Route("/demo/checkout", checkout, methods=["POST"]),
]
