"""Fraud signals on WooCommerce, end to end: Ana's IP and browser come from the widget's join call
(with the plugin's token), her address from her own order, the blocklist from the WP admin
page's API. Each signal is tried matching and not matching; a match says what matched."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from connector.domain.program import CheckAction, FraudRules
from connector.domain.program.presets import FIXED
from connector.services.admin.access import sign_admin_token
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.store.models import Advocate, Referral
from tests.conftest import Clock
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_end_to_end import send
from tests.woocommerce.test_program_ways_in import QUERY, STORE, on_program, widget

ANA_BROWSER = "Mozilla/5.0 (Ana's laptop)"
HOME = {"address_1": "Carrer Gran 5", "city": "Girona", "postcode": "17001", "country": "ES"}
REVIEW = " The referral waits for a person to review it."
# signal -> (the friend order's fields that match Ana, the reason, the match's words, the miss's)
SIGNALS: dict[str, tuple[dict[str, Any], str, str, str]] = {
    "ip": ({"customer_ip_address": "127.0.0.1"}, "same_ip",
           "The order came from the IP address advocate {id} used: joining in the widget.",
           "The order's IP address is not one the advocate used."),
    "device": ({"customer_user_agent": ANA_BROWSER}, "same_user_agent",
               "The order came from the browser (user agent) advocate {id} used: joining in the"
               " widget.", "The order's browser (user agent) is not one the advocate used."),
    "shipping": ({"shipping": HOME}, "same_address",
                 "The order's shipping address is the one advocate {id} used: the billing address"
                 " of their order #7001.",
                 "The order's addresses are not ones the advocate's orders used."),
    "blocklist": ({"billing": {**HOME, "email": "fran@spam.test"}}, "blocklist",
                  "The friend's email domain spam.test is on the shop's blocklist.",
                  "Neither the friend nor the advocate is on the shop's blocklist."),
}  # fmt: skip


@pytest.mark.parametrize("matches", [True, False])
@pytest.mark.parametrize("signal", sorted(SIGNALS))
async def test_each_signal_matches_or_not_and_says_what_matched(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock,
    signal: str, matches: bool,
) -> None:  # fmt: skip
    # Given a connected store whose program holds every match for review (the blocklist blocks)
    flag_all = replace(FIXED, fraud=FraudRules(same_user_agent=CheckAction.FLAG))
    shop, path, secret = await on_program(woo_runtime, app_client, flag_all)
    admin = {"Authorization": "Bearer " + sign_admin_token(
        secret, STORE, "1", int(clock.now.timestamp()) + 600)}  # fmt: skip
    listed = await app_client.post(
        "/admin/api/blocklist", json={"kind": "domain", "value": "@Spam.test"}, headers=admin
    )
    assert listed.status_code == 201

    # And Ana, who joined in the widget from her laptop and once bought, billed to her home
    ana_id = fake_woo.add_customer("ana@example.org")
    joined = await app_client.post(
        "/storefront/api/join" + QUERY, json={},
        headers={**widget(clock, secret, ana_id), "User-Agent": ANA_BROWSER},
    )  # fmt: skip
    assert joined.status_code == 200
    ana = await Advocate.get(shop_id=shop.id, customer_id=ana_id)
    own = fake_woo.add_order(7001, email="ana@example.org", customer_id=int(ana_id))
    own.update(billing={**HOME, "email": "ana@example.org"}, customer_ip_address="192.0.2.9",
               shipping={"address_1": "Plaça Nova 1", "postcode": "17004", "country": "ES"},
               customer_user_agent="Mozilla/5.0 (Ana's old phone)")  # fmt: skip
    await send(app_client, path, secret, own, "d-own")

    # When a friend buys with her code, with or without Ana's signal
    changes, reason, hit, miss = SIGNALS[signal]
    friend = fake_woo.add_order(9501, email="fran@example.org", codes=[ana.friend_code.lower()])
    friend.update(changes if matches else {})
    await send(app_client, path, secret, friend, "d-friend")
    assert await build_worker(woo_runtime).drain() == {"done": 2}

    # Then a match holds (or blocks) the referral and names what matched; a miss passes
    referral = await Referral.get(shop_id=shop.id, order_id="9501")
    found = next(f for f in referral.findings if f["reason"] == reason)
    if not matches:
        assert (referral.state, found["verdict"], found["message"]) == ("pending", "pass", miss)
    elif signal == "blocklist":
        assert (referral.state, found["message"]) == (
            "rejected", hit + " The referral is blocked."
        )
    else:
        assert (referral.state, referral.state_reason) == ("flagged", reason)
        assert (found["verdict"], found["message"]) == ("flag", hit.format(id=ana.id) + REVIEW)
