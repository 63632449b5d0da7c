"""The overview's referral counts are a tally kept with every change, equal to a count of rows."""

from __future__ import annotations

import httpx
import pytest
from tortoise.functions import Count

from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.store.models import Referral, Shop
from tests.admin.conftest import bearer, deliver_order
from tests.conftest import Clock
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import order

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


async def counted(shop: Shop) -> dict[str, int]:
    rows = await (
        Referral.filter(shop_id=shop.id).annotate(n=Count("id")).group_by("state")
        .values_list("state", "n")
    )  # fmt: skip
    return {str(state): int(n) for state, n in rows}


async def test_the_tally_follows_every_change_of_state(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop,
    fake_shopify: FakeShopify, clock: Clock,
) -> None:  # fmt: skip
    ana = (await enrol_advocate(runtime, program_shop, email="ana@example.org", name="Ana")).advocate
    for n, email in enumerate(("a@example.org", "quick@mailinator.com", "b@example.org")):
        fake_shopify.add_customer(email, orders=1, customer_id=7700000000 + n)
        body = order(9000 + n, codes=(ana.friend_code,), email=email, customer_id=7700000000 + n)
        await deliver_order(app_client, runtime, body, f"wh-{n}")
    flagged = await Referral.get(order_id="9001")
    rejected = await Referral.get(order_id="9002")
    await app_client.post(f"/admin/api/referrals/{flagged.id}/approve", headers=bearer())
    await app_client.post(f"/admin/api/referrals/{rejected.id}/reject", headers=bearer())
    clock.advance(days=15)
    await approve_due_referrals(runtime)

    answer = await app_client.get("/admin/api/overview", headers=bearer())

    tally = answer.json()["counts"]["referrals"]
    assert {state: n for state, n in tally.items() if n} == await counted(program_shop)
    assert (tally["approved"], tally["rejected"], tally["flagged"]) == (2, 1, 0)
