"""A rewards budget per quarter, on Shopify: the merchant is warned at 80% (overview, alerts and
one `budget_warning` message for the quarter, to their notification address), and past the budget a new referral is held for review with the reason in words, never dropped;
a person approves it and it goes on to be rewarded."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import httpx

from connector.domain.program import Budget, BudgetPeriod
from connector.domain.program.presets import FIXED
from connector.services.base.runtime import Runtime
from connector.store.models import Message, Referral, Shop
from tests.admin.conftest import bearer
from tests.conftest import Clock
from tests.programs.journey import end_hold, enrol, paid_order, post_paid, process, save
from tests.support.fake_shopify import FakeShopify

QUARTERLY = replace(FIXED, hold_days=0, budget=Budget(Decimal("25.00"), BudgetPeriod.QUARTER))


async def _buy(app_client: httpx.AsyncClient, runtime: Runtime, fake: FakeShopify, clock: Clock,
               n: int, code: str) -> Referral:  # fmt: skip
    email = f"friend{n}@example.org"
    fake.add_customer(email, orders=1, customer_id=8800 + n)
    body = paid_order(5300 + n, clock.now, friend=8800 + n, email=email, total="40.00", code=code)
    await post_paid(app_client, body, f"wh-budget-{n}")
    assert await process(runtime) == {"done": 1}
    return await Referral.get(order_id=str(5300 + n))


async def test_the_budget_warns_at_80_percent_and_then_holds_referrals_for_review(
    runtime: Runtime, shop: Shop, app_client: httpx.AsyncClient, fake_shopify: FakeShopify,
    clock: Clock,
) -> None:  # fmt: skip
    # Given a program paying $10 store credit per referral, with a $25 budget a quarter
    await save(runtime, shop, QUARTERLY)
    ana = await enrol(runtime, shop, fake_shopify, "Ana", 7001)
    quarter = f"Q{(clock.now.month - 1) // 3 + 1} {clock.now.year}"
    starts = f"{clock.now.year}-{3 * ((clock.now.month - 1) // 3) + 1:02d}-01"
    # (the merchant's notification address, set on the Notifications page)
    notified = await app_client.put(
        "/admin/api/notifications", json={"merchant_email": "owner@shop.example"},
        headers=bearer(shop.domain),
    )  # fmt: skip
    assert notified.status_code == 200, notified.text

    async def warnings() -> list[tuple[str, str, str, dict[str, object]]]:
        rows = await Message.filter(shop=shop, kind="budget_warning").order_by("id")
        return [(m.key, m.recipient, m.status, m.context) for m in rows]

    async def attention() -> dict[str, object] | None:
        answer = await app_client.get("/admin/api/overview", headers=bearer(shop.domain))
        budget: dict[str, object] | None = answer.json()["attention"]["budget"]
        return budget

    async def alerts() -> list[tuple[str, str]]:
        answer = await app_client.get("/admin/api/alerts", headers=bearer(shop.domain))
        return [(a["kind"], a["message"]) for a in answer.json()["alerts"]]

    # When the first friend buys: $10 of $25 is used, nothing to say
    first = await _buy(app_client, runtime, fake_shopify, clock, 1, ana.friend_code)
    assert (first.state, first.reward_value) == ("pending", Decimal("10.00"))
    assert (await attention() or {})["level"] == "ok"
    assert await alerts() == []
    assert await warnings() == []

    # When the second buys: $20 is 80% of the budget, so the merchant is warned
    second = await _buy(app_client, runtime, fake_shopify, clock, 2, ana.friend_code)
    assert second.state == "pending"
    assert await attention() == {
        "period": quarter, "amount": "25.00", "currency": "USD", "used": "20.0000",
        "percent": 80, "level": "warning",
    }  # fmt: skip
    assert await alerts() == [
        ("budget_warning", f"The {quarter} rewards budget is 80% used: 20.0000 of 25.00 USD (80%)."),
    ]  # fmt: skip
    # And one message to the merchant, for this quarter, waits in the outbox
    warned = [(
        f"budget_warning.budget-quarter-{starts}.email.merchant", "owner@shop.example", "pending",
        {"spent": "20.00 USD", "budget": "25.00 USD", "period": quarter},
    )]  # fmt: skip
    assert await warnings() == warned

    # When the third buys: $30 would pass the budget, so the referral waits for a person
    third = await _buy(app_client, runtime, fake_shopify, clock, 3, ana.friend_code)
    assert (third.state, third.state_reason) == ("flagged", "budget")
    found = next(f for f in third.findings if f["reason"] == "budget")
    assert (found["verdict"], found["message"]) == (
        "flag",
        f"This referral's rewards (10.00 USD) would take the {quarter} budget of 25.00 USD past"
        " its limit (20.0000 USD used). The referral waits for a person to review it.",
    )
    queue = await app_client.get("/admin/api/review", headers=bearer(shop.domain))
    assert [r["id"] for r in queue.json()["referrals"]] == [third.id]
    # (the quarter's warning was written once: this referral added no second message)
    assert await warnings() == warned

    # And when the merchant approves it, it is rewarded like the others: held, not dropped
    approved = await app_client.post(
        f"/admin/api/referrals/{third.id}/approve", json={"note": "worth it"},
        headers=bearer(shop.domain),
    )  # fmt: skip
    assert approved.status_code == 200, approved.text
    assert await end_hold(runtime, clock, minutes=1) == (3, 3)
    states = [r.state for r in await Referral.filter(shop=shop).order_by("id")]
    assert states == ["rewarded", "rewarded", "rewarded"]
    assert (await attention() or {})["level"] == "reached"
    assert [kind for kind, _ in await alerts()] == ["budget_reached"]
