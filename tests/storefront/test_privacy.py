"""Knowing an advocate's code or email reveals none of their email, stats or rewards."""

from __future__ import annotations

from urllib.parse import urlencode

from connector.store.models import Advocate, OfferClaim
from tests.storefront.factories import (
    ANA_CUSTOMER,
    ANA_EMAIL,
    FRIEND_EMAIL,
    REWARD_CODE,
    SANDBOX,
    SHOPIFY_SHOP,
    STORE_URL,
    advocate_with_history,
    proxy_query,
    sandbox_shop,
    shopify_shop,
    token_headers,
)

# What must never reach anyone but Ana herself.
PRIVATE = (ANA_EMAIL, ANA_CUSTOMER, REWARD_CODE, FRIEND_EMAIL, "clicks", "rewards", "friends")
OFFER = {
    "kind": "percentage_discount", "value": "10", "currency": "EUR", "basis": "flat",
    "product": None,
}  # fmt: skip


def assert_private(body: str) -> None:
    leaked = [secret for secret in PRIVATE if secret.lower() in body.lower()]
    assert leaked == []


def without_copy(config: dict[str, object]) -> str:
    """A config answer minus the widget's messages (which name "friends" and "rewards")."""
    return str({k: v for k, v in config.items() if k != "copy"})


async def test_a_code_and_an_email_reveal_only_the_public_offer_link_and_code(
    runtime, app_client, clock
):
    shop = await sandbox_shop(runtime)
    ana = await advocate_with_history(runtime, shop, clock.now)
    guest = token_headers(runtime)
    api = "/storefront/api/"
    query = "?" + urlencode(SANDBOX)
    public = {"code": ana.code, "link": f"{STORE_URL}?ref={ana.code}"}

    click = await app_client.post(api + "click" + query, json={"ref": ana.code}, headers=guest)
    by_email = await app_client.post(api + "join" + query, json={"email": ANA_EMAIL}, headers=guest)
    by_other_case = await app_client.post(
        api + "join" + query, json={"email": " Ana@Example.COM "}, headers=guest
    )
    claim = await app_client.post(
        api + "claim" + query, json={"ref": ana.code, "email": ANA_EMAIL}, headers=guest
    )
    config = await app_client.get(api + "config" + query, headers=guest)
    me = await app_client.get(api + "me" + query, headers=guest)

    assert click.json() == {"offer": OFFER, "code": ana.code, "claim": False}
    assert by_email.json() == by_other_case.json() == {"advocate": public, "dashboard": None}
    assert claim.json() == {"code": ana.code}
    assert config.json()["me"] is None
    assert config.json()["customer"] is False
    assert (me.status_code, me.json()) == (401, {"error": "not_signed_in"})
    for response in (click, by_email, by_other_case, claim, me):
        assert_private(response.text)
    assert_private(without_copy(config.json()))
    # Joining with her email made no second advocate and changed nothing of hers.
    assert await Advocate.filter(shop=shop).count() == 1
    assert await OfferClaim.filter(shop=shop).count() == 0


async def test_a_claim_with_the_advocates_email_answers_like_any_other(runtime, app_client, clock):
    shop = await sandbox_shop(runtime)
    ana = await advocate_with_history(runtime, shop, clock.now)
    guest = token_headers(runtime)
    query = "?" + urlencode(SANDBOX)

    hers = await app_client.post(
        "/storefront/api/claim" + query, json={"ref": ana.code, "email": ANA_EMAIL}, headers=guest
    )
    others = await app_client.post(
        "/storefront/api/claim" + query, json={"ref": ana.code, "email": "x@example.com"},
        headers=guest,
    )  # fmt: skip

    assert (hers.status_code, hers.json()) == (others.status_code, others.json())


async def test_another_signed_in_customer_sees_no_dashboard(runtime, app_client, clock):
    shop = await shopify_shop(runtime)
    await advocate_with_history(runtime, shop, clock.now)

    config = await app_client.get("/proxy/api/config", params=proxy_query(clock.now, "7002"))
    me = await app_client.get("/proxy/api/me", params=proxy_query(clock.now, "7002"))

    assert (config.json()["customer"], config.json()["me"]) == (True, None)
    assert (me.status_code, me.json()) == (404, {"error": "not_an_advocate"})
    assert_private(without_copy(config.json()))


async def test_only_the_signed_in_advocate_sees_her_dashboard(runtime, app_client, clock):
    shop = await shopify_shop(runtime)
    ana = await advocate_with_history(runtime, shop, clock.now)

    me = await app_client.get("/proxy/api/me", params=proxy_query(clock.now, ANA_CUSTOMER))

    assert me.json() == {
        "advocate": {"code": ana.code, "link": f"https://{SHOPIFY_SHOP}/?ref={ana.code}"},
        "dashboard": {
            "clicks": 2,
            "friends": 1,
            "pending": 0,
            "rewards": [
                {
                    "kind": "fixed_amount_discount",
                    "amount": "10.0000",
                    "currency": "EUR",
                    "points": None,
                    "product": None,
                    "code": REWARD_CODE,
                    "status": "issued",
                    "created_at": clock.now.isoformat(),
                }
            ],
        },
        "whatsapp": {"available": False, "opted_in": False, "phone": None},
    }
    assert ANA_EMAIL not in me.text
    assert FRIEND_EMAIL not in me.text
