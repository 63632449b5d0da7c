"""Fraud signals on Shopify, end to end: Ana's IP and browser come from the widget's join call
(through the App Proxy) and her address from her own order; the merchant's blocklist comes from
the admin. Each signal is tried matching and not matching, and a match says what matched."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from connector.domain.program import CheckAction, FraudRules
from connector.domain.program.presets import FIXED
from connector.services.base.runtime import Runtime
from connector.store.models import Advocate, Referral, Shop
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.programs.journey import paid_order, post_paid, process, save
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify

ANA, FRIEND = 7001, 8801
ANA_BROWSER = "Mozilla/5.0 (Ana's phone)"
# The test client's address, as the widget's calls reach the app.
ANA_IP = "127.0.0.1"
HOME = {"address1": "Calle Luna 3, 2º", "city": "Sevilla", "zip": "41001", "country_code": "ES"}
OTHER = {"address1": "Rua Sol 9", "city": "Lisboa", "zip": "1100-001", "country_code": "PT"}
FLAG_ALL = replace(FIXED, fraud=FraudRules(same_user_agent=CheckAction.FLAG))


async def _ana(runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient, clock: Clock) -> Advocate:
    """Ana joins in the widget (signed in through the App Proxy) from her phone."""
    await save(runtime, shop, FLAG_ALL)
    joined = await app_client.post(
        "/proxy/api/join", params=proxy_query(clock.now, str(ANA), shop=shop.domain), json={},
        headers={"User-Agent": ANA_BROWSER},
    )  # fmt: skip
    assert joined.status_code == 200
    return await Advocate.get(shop=shop, customer_id=str(ANA))


async def _friend_buys(
    app_client: httpx.AsyncClient, runtime: Runtime, fake: FakeShopify, clock: Clock,
    code: str, **changes: Any,
) -> Referral:  # fmt: skip
    fake.add_customer("lu@example.org", orders=1, customer_id=FRIEND)
    body = paid_order(5101, clock.now, friend=FRIEND, email="lu@example.org", total="60.00",
                      code=code)  # fmt: skip
    body.update(changes)
    await post_paid(app_client, body, "wh-fraud-friend")
    assert await process(runtime) == {"done": 1}
    return await Referral.get(order_id="5101")


def _finding(referral: Referral, reason: str) -> tuple[str, str]:
    found = next(f for f in referral.findings if f["reason"] == reason)
    return found["verdict"], found["message"]


REVIEW = " The referral waits for a person to review it."
DEVICE = {
    "ip": (
        "same_ip",
        {"browser_ip": ANA_IP, "client_details": {"browser_ip": ANA_IP}},
        "The order came from the IP address advocate {id} used: joining in the widget.",
        "The order's IP address is not one the advocate used.",
    ),
    "device": (
        "same_user_agent",
        {"client_details": {"browser_ip": "203.0.113.7", "user_agent": ANA_BROWSER}},
        "The order came from the browser (user agent) advocate {id} used: joining in the widget.",
        "The order's browser (user agent) is not one the advocate used.",
    ),
}


@pytest.mark.parametrize("matches", [True, False])
@pytest.mark.parametrize("signal", sorted(DEVICE))
async def test_the_friends_ip_and_browser_are_compared_with_the_advocates_widget_calls(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient, fake_shopify: FakeShopify,
    clock: Clock, signal: str, matches: bool,
) -> None:  # fmt: skip
    # Given Ana joined in the widget from her phone
    ana = await _ana(runtime, shop, app_client, clock)
    reason, same, hit, miss = DEVICE[signal]

    # When a friend buys with her code, from her network/phone or not
    referral = await _friend_buys(
        app_client, runtime, fake_shopify, clock, ana.friend_code, **(same if matches else {})
    )

    # Then a match holds the referral for review and says what matched; a miss passes
    if matches:
        assert (referral.state, referral.state_reason) == ("flagged", reason)
        assert _finding(referral, reason) == ("flag", hit.format(id=ana.id) + REVIEW)
    else:
        assert referral.state == "pending"
        assert _finding(referral, reason) == ("pass", miss)


@pytest.mark.parametrize("role", ["shipping_address", "billing_address", None])
async def test_the_friends_addresses_are_compared_with_the_advocates_own_orders(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient, fake_shopify: FakeShopify,
    clock: Clock, role: str | None,
) -> None:  # fmt: skip
    # Given Ana, who once bought for herself, shipping to her home
    ana = await _ana(runtime, shop, app_client, clock)
    own = paid_order(5001, clock.now, friend=ANA, email="ana@example.org", total="30.00")
    own.update(name="#1001", shipping_address=HOME, billing_address=HOME, browser_ip=None,
               client_details={"browser_ip": "192.0.2.50", "user_agent": ANA_BROWSER})
    await post_paid(app_client, own, "wh-fraud-own")
    assert await process(runtime) == {"done": 1}

    # When a friend buys with her code, shipping or billing to Ana's home, or neither
    changes: dict[str, Any] = {"shipping_address": OTHER, "billing_address": OTHER}
    if role is not None:
        changes[role] = {**HOME, "address1": "  calle LUNA 3 2º", "city": "SEVILLA"}
    referral = await _friend_buys(
        app_client, runtime, fake_shopify, clock, ana.friend_code, **changes
    )

    # Then the finding names which address matched and which order of Ana's used it
    if role is None:
        assert referral.state == "pending"
        assert _finding(referral, "same_address") == (
            "pass", "The order's addresses are not ones the advocate's orders used.",
        )  # fmt: skip
        return
    which = role.split("_")[0]
    assert (referral.state, referral.state_reason) == ("flagged", "same_address")
    assert _finding(referral, "same_address") == (
        "flag",
        f"The order's {which} address is the one advocate {ana.id} used: the shipping address"
        " of their order #1001." + REVIEW,
    )


@pytest.mark.parametrize(
    ("kind", "value", "listed", "whose"),
    [
        ("email", "LU@example.org", True, "friend"),
        ("domain", "example.org", True, "friend"),
        ("customer", str(FRIEND), True, "friend"),
        ("ip", "203.0.113.7", True, "friend"),
        ("address", "Calle Mayor 12, 28013", True, "friend"),
        ("customer", str(ANA), True, "advocate"),
        ("email", "someone@else.test", False, "friend"),
        ("ip", "198.51.100.1", False, "friend"),
    ],
)
async def test_a_blocklist_entry_from_the_admin_stops_the_referral_and_says_which(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient, fake_shopify: FakeShopify,
    clock: Clock, kind: str, value: str, listed: bool, whose: str,
) -> None:  # fmt: skip
    # Given Ana, and an entry the merchant added in the admin
    ana = await _ana(runtime, shop, app_client, clock)
    added = await app_client.post(
        "/admin/api/blocklist", json={"kind": kind, "value": value, "note": "chargebacks"},
        headers=bearer(shop.domain),
    )  # fmt: skip
    assert added.status_code == 201, added.text

    # When a friend (Madrid, 203.0.113.7) buys with her code
    referral = await _friend_buys(app_client, runtime, fake_shopify, clock, ana.friend_code)

    # Then a listed friend (or advocate) is refused, the finding quoting the entry
    if not listed:
        assert referral.state == "pending"
        assert _finding(referral, "blocklist") == (
            "pass", "Neither the friend nor the advocate is on the shop's blocklist.",
        )  # fmt: skip
        return
    label = added.json()["entry"]["label"]
    words = {"email": "email", "domain": "email domain", "customer": "customer id",
             "ip": "IP address", "address": "address"}[kind]  # fmt: skip
    assert (referral.state, referral.state_reason) == ("rejected", "blocklist")
    assert _finding(referral, "blocklist") == (
        "block", f"The {whose}'s {words} {label} is on the shop's blocklist. The referral is blocked.",
    )  # fmt: skip
