"""Every KPI's exact value after a known set of orders, clicks and refunds sent as webhooks."""

from __future__ import annotations

import httpx
import pytest

from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.store.models import Shop
from tests.admin.conftest import bearer
from tests.analytics.helpers import kpis, send, shop_order, values
from tests.conftest import Clock
from tests.shopify.factories import SHOP as SHOP_DOMAIN
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
PERIOD = {"start": "2026-11-01", "end": "2027-01-31"}


async def test_every_kpi_has_its_exact_value(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop,
    fake_shopify: FakeShopify, clock: Clock,
) -> None:  # fmt: skip
    # Given Ana, two visits through her link, and five paid orders: two friends she referred
    # (one of them with a disposable address, flagged), Lucía's second order eleven days after
    # her first, and two customers who came on their own, one of whom gets 10.00 back.
    ana = (
        await enrol_advocate(runtime, program_shop, email="ana@example.org", name="Ana")
    ).advocate
    for _ in range(2):
        visit = await app_client.post(
            "/proxy/api/click", params=proxy_query(clock.now, shop=SHOP_DOMAIN),
            json={"ref": ana.friend_code},
        )  # fmt: skip
        assert visit.status_code == 200
    fake_shopify.add_customer("lucia@example.org", orders=1, customer_id=7701)
    fake_shopify.add_customer("quick@mailinator.com", orders=1, customer_id=7702)
    code = (ana.friend_code,)
    orders = [
        shop_order(9001, 7701, "lucia@example.org", "100.00", "2026-11-20T15:00:00Z", codes=code),
        shop_order(9002, 7701, "lucia@example.org", "50.00", "2026-12-01T12:00:00Z"),
        shop_order(9003, 7702, "quick@mailinator.com", "60.00", "2026-11-21T09:00:00Z", codes=code),
        shop_order(9101, 7801, "marta@example.org", "80.00", "2026-11-20T18:00:00Z"),
        shop_order(9102, 7802, "pablo@example.org", "40.00", "2026-11-22T10:00:00Z"),
    ]
    for body in orders:
        assert await send(app_client, runtime, body, f"wh-{body['id']}") == {"done": 1}
    # A duplicate delivery and a replay of the same news change nothing.
    assert await send(app_client, runtime, orders[3], "wh-9101") == {}
    assert await send(app_client, runtime, orders[3], "wh-9101-again") == {"done": 1}
    before_refund = values(await kpis(app_client, **PERIOD))
    refund = shop_order(9102, 7802, "pablo@example.org", "40.00", "2026-11-22T10:00:00Z",
                        refunded="10.00", updated="2026-11-25T10:00:00Z")  # fmt: skip
    assert await send(app_client, runtime, refund, "wh-9102-refund", "orders/updated") == {
        "done": 1
    }
    clock.advance(days=15)
    await approve_due_referrals(runtime)

    # When the merchant asks for the period
    body = await kpis(app_client, **PERIOD)

    # Then every figure is exact: the refund lowered revenue by 10.00
    assert before_refund["revenue"] == "330.00"
    assert values(body) == {
        "orders": 5,
        "revenue": "320.00",
        "refunded": "10.00",
        "referrals": 2,
        "referred_orders": 2,
        "referred_revenue": "160.00",
        "referred_share": "0.5000",
        "rewards_issued": 1,
        "reward_cost": "10.00",
        "roi": "15.0000",
        "cost_per_customer": "5.00",
        "new_referred_customers": 2,
        "reversed": 0,
        "widget_views": 0,
        "joins": 1,
        "shares": 0,
        "link_clicks": 2,
        "claims": 0,
        "first_orders": 2,
        "credited": 1,
    }
    # and referred customers against the others
    assert body["customers"] == {
        "referred": {
            "customers": 2, "repeat_customers": 1, "repeat_rate": "0.5000", "orders": 3,
            "revenue": "210.00", "average_order_value": "70.00",
            "orders_per_customer_30d": "1.5000", "revenue_per_customer_30d": "105.00",
            "orders_per_customer_90d": "1.5000", "revenue_per_customer_90d": "105.00",
            "orders_per_customer_365d": "1.5000", "revenue_per_customer_365d": "105.00",
        },
        "other": {
            "customers": 2, "repeat_customers": 0, "repeat_rate": "0.0000", "orders": 2,
            "revenue": "110.00", "average_order_value": "55.00",
            "orders_per_customer_30d": "1.0000", "revenue_per_customer_30d": "55.00",
            "orders_per_customer_90d": "1.0000", "revenue_per_customer_90d": "55.00",
            "orders_per_customer_365d": "1.0000", "revenue_per_customer_365d": "55.00",
        },
    }  # fmt: skip
    assert body["quality"] == [
        {"check": "disposable_email", "flagged": 1, "rejected": 0,
         "flagged_share": "0.5000", "rejected_share": "0.0000"},
    ]  # fmt: skip
    assert [(s["step"], s["count"], s["conversion"]) for s in body["funnel"]] == [
        ("widget_views", 0, None), ("joins", 1, None), ("shares", 0, "0.0000"),
        ("link_clicks", 2, None), ("claims", 0, "0.0000"), ("first_orders", 2, None),
        ("credited", 1, "0.5000"),
    ]  # fmt: skip
    assert body["channels"]["referrals"] == [{"channel": "discount_code", "count": 2}]
    assert body["top_advocates"] == [
        {"id": ana.id, "name": "Ana", "code": ana.friend_code, "referrals": 2}
    ]
    assert body["currency"] == "EUR"
    # and the figures per version are the version's: all of these came under version 1
    assert values(await kpis(app_client, **PERIOD, version="1"))["referred_revenue"] == "160.00"
    assert values(await kpis(app_client, **PERIOD, version="2"))["referrals"] == 0


async def test_the_previous_period_sits_beside_the_period(
    app_client: httpx.AsyncClient, runtime: Runtime, program_shop: Shop
) -> None:
    for n, (day, total) in enumerate((("2026-11-10", "30.00"), ("2026-11-20", "45.00"))):
        body = shop_order(9500 + n, 7900 + n, f"c{n}@example.org", total, f"{day}T12:00:00Z")
        await send(app_client, runtime, body, f"wh-p-{n}")

    body = await kpis(app_client, start="2026-11-16", end="2026-11-25", granularity="week")

    assert body["previous_period"] == {"start": "2026-11-06", "end": "2026-11-15"}
    assert body["figures"]["revenue"] == {"value": "45.00", "previous": "30.00", "change": "0.5000"}
    assert [(p["start"], p["revenue"]) for p in body["series"]] == [
        ("2026-11-16", "45.00"), ("2026-11-23", "0.00"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-01"}, "start must be a day as YYYY-MM-DD, not '2026-13-01'"),
        ({"start": "2026-11-20", "end": "2026-11-10"},
         "the period starts (2026-11-20) after it ends (2026-11-10)"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "a period covers at most 1098 days"),
        ({"version": "0"}, "version must be a program version number, not '0'"),
    ],
)  # fmt: skip
async def test_a_wrong_period_is_a_400_that_says_why(
    app_client: httpx.AsyncClient, program_shop: Shop, params: dict[str, str], message: str
) -> None:
    answer = await app_client.get("/admin/api/analytics", params=params, headers=bearer())

    assert answer.status_code == 400
    assert answer.json()["error"] == message
