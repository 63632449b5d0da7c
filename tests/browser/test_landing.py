"""The friend's landing in each store's own terms: Shopify's discount link, cart attributes and
Customer Privacy API; WooCommerce's Store API (the Nonce from GET /cart) and a consent setting."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOP, DemoServer
from tests.browser.test_host_pages import serve, token

SHOPIFY_CONSENT = """
<script>
window.Shopify = {
  routes: { root: "/demo/" },
  loadFeatures: function (features, done) {
    window.loadedFeatures = features;
    window.Shopify.customerPrivacy = { marketingAllowed: function () { return %s; } };
    done();
  },
};
</script>"""


@pytest.fixture(scope="module")
def code(demo_server: DemoServer) -> str:
    """An advocate's friend code, made through the storefront API."""
    query = urlencode({"platform": "sandbox", "shop": SHOP})
    joined = httpx.post(
        f"{demo_server.base}/storefront/api/join?{query}",
        json={"email": "landing@example.com"},
        headers={"X-Referral-Token": token(demo_server)},
    )
    return str(joined.json()["advocate"]["code"])


def landing_page(server: DemoServer, head: str, attributes: str) -> str:
    """A store page with `head` before the loader, which carries `attributes`."""
    return f"""<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Store</title><link rel="icon" href="data:,">
{head}</head><body><h1>Store</h1>
<script async src="/storefront/widget/loader.js" data-platform="sandbox" data-shop="{SHOP}"
 data-token="{token(server)}" {attributes}></script>
</body></html>"""


def stored(page: Any) -> Any:
    return page.evaluate("JSON.parse(localStorage.getItem('rw_ref'))")


def test_shopify_without_marketing_consent_applies_the_code_but_stores_nothing(
    demo_server, context, code
):
    page = context.new_page()
    html = landing_page(demo_server, SHOPIFY_CONSENT % "false", 'data-cart="shopify"')

    serve(page, demo_server, html, path=f"/host/store?ref={code}")

    expect(page.locator("referral-widget section.bn")).to_contain_text(
        f"Descuento aplicado con el código {code}."
    )
    cart = page.evaluate("fetch('/demo/cart.js').then((r) => r.json())")
    assert cart["discount_codes"] == [{"code": code}]
    assert cart["attributes"]["referral_code"] == code
    assert cart["attributes"]["referral_at"].endswith("Z")
    assert page.evaluate("window.loadedFeatures") == [
        {"name": "consent-tracking-api", "version": "0.1"}
    ]
    assert stored(page) is None
    assert "rw_ref" not in page.evaluate("document.cookie")


def test_shopify_stores_the_referral_once_the_visitor_consents(demo_server, context, code):
    page = context.new_page()
    html = landing_page(demo_server, SHOPIFY_CONSENT % "false", 'data-cart="shopify"')
    serve(page, demo_server, html, path=f"/host/store?ref={code}")
    expect(page.locator("referral-widget section.bn")).to_contain_text("Descuento aplicado")
    assert stored(page) is None

    page.evaluate(
        "document.dispatchEvent(new CustomEvent('visitorConsentCollected',"
        " {detail: {marketingAllowed: true}}))"
    )

    assert stored(page)["r"] == code


def test_shopify_with_consent_stores_the_referral_at_once(demo_server, context, code):
    page = context.new_page()
    html = landing_page(demo_server, SHOPIFY_CONSENT % "true", 'data-cart="shopify"')

    serve(page, demo_server, html, path=f"/host/store?ref={code}")

    expect(page.locator("referral-widget section.bn")).to_contain_text("Descuento aplicado")
    assert (stored(page)["r"], stored(page)["c"]) == (code, code)


def test_woocommerce_applies_the_coupon_with_the_nonce_from_the_cart(demo_server, context, code):
    page = context.new_page()
    calls: list[tuple[str, str, dict[str, str], str | None]] = []

    def store_api(route: Any) -> None:
        request = route.request
        calls.append((request.method, request.url, request.headers, request.post_data))
        headers = {"Nonce": "nonce-7f3a"} if request.url.endswith("/cart") else {}
        route.fulfill(status=200, content_type="application/json", body="{}", headers=headers)

    page.route(demo_server.base + "/wp-json/wc/store/v1/**", store_api)
    attributes = (
        'data-cart="woocommerce" data-consent="granted" '
        f'data-store-api="{demo_server.base}/wp-json/wc/store/v1/"'
    )
    serve(page, demo_server, landing_page(demo_server, "", attributes), f"/host/store?ref={code}")

    expect(page.locator("referral-widget section.bn")).to_contain_text(
        f"Descuento aplicado con el código {code}."
    )
    assert [(method, url.rsplit("/v1/", 1)[1]) for method, url, _, _ in calls] == [
        ("GET", "cart"),
        ("POST", "cart/apply-coupon"),
    ]
    _, _, headers, body = calls[1]
    assert headers["nonce"] == "nonce-7f3a"
    assert json.loads(body or "") == {"code": code}
    assert f"rw_ref={code}" in page.evaluate("document.cookie")
    assert stored(page)["r"] == code


def test_woocommerce_without_the_consent_setting_stores_nothing(demo_server, context, code):
    page = context.new_page()
    page.route(
        demo_server.base + "/wp-json/wc/store/v1/**",
        lambda route: route.fulfill(status=200, content_type="application/json", body="{}"),
    )
    attributes = f'data-cart="woocommerce" data-store-api="{demo_server.base}/wp-json/wc/store/v1/"'

    serve(page, demo_server, landing_page(demo_server, "", attributes), f"/host/store?ref={code}")

    expect(page.locator("referral-widget section.bn")).to_contain_text("Descuento aplicado")
    assert stored(page) is None
    assert "rw_ref" not in page.evaluate("document.cookie")
