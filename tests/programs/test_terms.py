"""Terms, on Shopify end to end: the merchant writes them (es and en) on the Program page, where
they are versioned with the program; the widget (through the App Proxy) offers them before
joining and a join must accept the version in force; the advocate's record keeps what they
accepted and when (the admin shows it); the public page and every message link them; and the
advocate's friend then buys with her code as on any program."""

from __future__ import annotations

from typing import Any

import httpx

from connector.services.base.runtime import Runtime
from connector.services.notifications.sender import compose
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.store.models import Advocate, Message, Referral, Shop
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.programs.journey import (
    friend_code_input,
    new_customers,
    paid_order,
    post_paid,
    process,
    sent,
)
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify

ANA = 7001
TERMS = {
    "es": "Las recompensas se dan tras el plazo de devolución.\n\nUna por pedido <b>pagado</b>.",
    "en": "Rewards are given after the return window.\n\nOne per <b>paid</b> order.",
}


async def _save(app_client: httpx.AsyncClient, shop: Shop, **changes: Any) -> dict[str, Any]:
    """Save the live program with `changes` through the Program page's API; the saved answer."""
    live = (await app_client.get("/admin/api/program", headers=bearer(shop.domain))).json()
    config = {**live["config"], **changes}
    saved = await app_client.put("/admin/api/program", json=config, headers=bearer(shop.domain))
    assert saved.status_code == 200, saved.text
    answer: dict[str, Any] = saved.json()
    return answer


async def test_a_shopper_accepts_the_terms_in_force_to_join_and_the_record_keeps_them(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient, fake_shopify: FakeShopify,
    clock: Clock,
) -> None:  # fmt: skip
    # Given the merchant wrote the terms on the Program page, then changed something else
    first = await _save(app_client, shop, terms={**TERMS, "version": 99})
    version = first["version"]
    assert first["config"]["terms"] == {**TERMS, "version": version}  # the server numbers them
    later = await _save(app_client, shop, hold_days=10)
    assert (later["version"], later["config"]["terms"]["version"]) == (version + 1, version)
    url = f"{runtime.settings.public_url}/terms/shopify/{shop.domain}/es"

    # When Ana, signed in, opens the widget in Spanish, the terms are offered before joining
    ana = proxy_query(clock.now, str(ANA), shop=shop.domain)
    spanish = proxy_query(clock.now, str(ANA), shop=shop.domain, extra=[("locale", "es")])
    config = await app_client.get("/proxy/api/config", params=spanish)
    assert config.json()["terms"] == {"version": version, "url": url}

    # Then a join that accepts none, or names other terms, is refused and shown the current ones
    refused = await app_client.post("/proxy/api/join", params=ana, json={"locale": "es"})
    assert (refused.status_code, refused.json()) == (422, {
        "error": "terms_not_accepted",
        "message": f"Accept the program's terms (version {version}) to join: show them again.",
        "terms": {"version": version, "url": url},
    })  # fmt: skip
    stale = await app_client.post(
        "/proxy/api/join", params=ana, json={"locale": "es", "terms_version": version + 5}
    )
    assert (stale.status_code, stale.json()["error"], stale.json()["terms"]) == (
        409, "terms_outdated", {"version": version, "url": url},
    )  # fmt: skip
    bad = await app_client.post("/proxy/api/join", params=ana, json={"terms_version": "v1"})
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid_terms_version")
    assert await Advocate.filter(shop=shop).count() == 0

    # When she ticks the box: she joins, and her record keeps the version and the moment
    joined = await app_client.post(
        "/proxy/api/join", params=ana, json={"locale": "es", "terms_version": version}
    )
    assert joined.status_code == 200, joined.text
    advocate = await Advocate.get(shop=shop, customer_id=str(ANA))
    assert (advocate.terms_version, advocate.terms_accepted_at) == (version, clock.now)

    # Then the merchant sees on her page which terms she accepted, and when
    detail = await app_client.get(f"/admin/api/advocates/{advocate.id}", headers=bearer(shop.domain))
    assert detail.json()["terms"] == {"version": version, "accepted_at": clock.now.isoformat()}

    # And Bea, not signed in, joins with her email: her record and her welcome message too
    guest = proxy_query(clock.now, shop=shop.domain)
    bea = await app_client.post("/proxy/api/join", params=guest, json={
        "email": "bea@example.org", "locale": "es", "terms_version": version,
    })  # fmt: skip
    assert bea.status_code == 200, bea.text
    bea_row = await Advocate.get(shop=shop, email="bea@example.org")
    assert (bea_row.terms_version, bea_row.terms_accepted_at) == (version, clock.now)
    # (the message links the terms page in her language, in its text and HTML parts)
    welcome = await Message.get(shop=shop, kind="welcome", advocate_id=bea_row.id)
    rendered = compose(runtime, shop, welcome)
    assert rendered.text.endswith(f"Condiciones del programa: {url}\n")
    assert f'<a href="{url}" style="color:#6d7175">Condiciones del programa</a>' in rendered.html

    # And the page reads as the merchant wrote it, in paragraphs, their markup shown, not run
    page = await app_client.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<p>Las recompensas se dan tras el plazo de devolución.</p>" in page.text
    assert "<p>Una por pedido &lt;b&gt;pagado&lt;/b&gt;.</p>" in page.text
    assert f"Versión {version}, en vigor desde el {clock.now.date().isoformat()}." in page.text
    english = await app_client.get(url.replace("/es", "/en"))
    assert "<p>One per order &lt;b&gt;paid&lt;/b&gt;.</p>" not in english.text
    assert "<p>One per &lt;b&gt;paid&lt;/b&gt; order.</p>" in english.text

    # When her code reaches the store and a friend buys with it, the referral is hers as always
    assert await create_pending_friend_codes(runtime) == 2
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        friend_code_input(who.friend_code, clock.now, new_customers(fake_shopify), 0.1,
                          minimumRequirement={"subtotal": {"greaterThanOrEqualToSubtotal": "25.00"}})
        for who in (advocate, bea_row)
    ]
    fake_shopify.add_customer("lu@example.org", orders=1, customer_id=8801)
    body = paid_order(5501, clock.now, friend=8801, email="lu@example.org", total="40.00",
                      code=advocate.friend_code)  # fmt: skip
    await post_paid(app_client, body, "wh-terms-1")
    assert await process(runtime) == {"done": 1}
    referral = await Referral.get(shop=shop, order_id="5501")
    assert (referral.state, referral.advocate_id) == ("pending", advocate.id)  # type: ignore[attr-defined]

    # When the merchant rewrites the terms, they take the new version; the old one is refused
    newer = await _save(app_client, shop, terms={**TERMS, "en": "Rewards after 10 days."})
    assert newer["config"]["terms"]["version"] == newer["version"] == version + 2
    bo = proxy_query(clock.now, "7002", shop=shop.domain)
    again = await app_client.post("/proxy/api/join", params=bo, json={"terms_version": version})
    assert (again.status_code, again.json()["terms"]["version"]) == (409, version + 2)
    # (Ana keeps the version she accepted)
    assert (await Advocate.get(id=advocate.id)).terms_version == version


async def test_terms_need_both_languages_and_the_page_names_what_is_missing(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient
) -> None:
    # When the merchant writes the terms in Spanish only, the save names the English field
    live = (await app_client.get("/admin/api/program", headers=bearer(shop.domain))).json()
    config = {**live["config"], "terms": {"es": "Una recompensa por pedido."}}
    saved = await app_client.put("/admin/api/program", json=config, headers=bearer(shop.domain))
    assert saved.status_code == 422
    assert [(f["path"], f["message"]) for f in saved.json()["fields"]] == [
        ("terms.en", "write the terms in English too: shoppers read them in their own language"),
    ]

    # And without terms the page says so; a locale we do not write in, or no shop, is a 404
    base = f"/terms/shopify/{shop.domain}"
    none = await app_client.get(f"{base}/en")
    assert (none.status_code, "has not published terms" in none.text) == (200, True)
    french = await app_client.get(f"{base}/fr")
    assert french.status_code == 404
    assert "There are no terms in &#x27;fr&#x27;: the pages are in es or en." in french.text
    nobody = await app_client.get("/terms/shopify/nobody.myshopify.com/es")
    assert (nobody.status_code, "No hay ningún programa" in nobody.text) == (404, True)
