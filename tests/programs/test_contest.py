"""Contest program: a June leaderboard, ties broken by time then id, shown to its participants in
the widget (through the App Proxy: initials only, an opt-out unnamed), cash prizes written once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from connector.domain.program.presets import CONTEST
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.rewards.contests import finalise_contests, leaderboard
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Referral, Reward, Shop
from tests.conftest import Clock
from tests.programs.journey import (
    credit,
    end_hold,
    enrol,
    friend_code_input,
    matched,
    new_customers,
    paid_order,
    post_paid,
    process,
    rewarded_by,
    save,
    sent,
    transitions,
)
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify

JUNE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ENDS = datetime(2026, 7, 1, tzinfo=UTC)  # the preset's window is June 2026
CUSTOMERS = {"Ana": 7001, "Bea": 7002, "Cy": 7003, "Dan": 7004}
# (advocate, friend customer id, day of June it is placed): Bea reaches two referrals before
# Ana does; Cy and Dan each have one, placed at the same moment, so the smaller id ranks first.
ORDERS = [
    ("Ana", 8801, 2), ("Bea", 8802, 3), ("Bea", 8803, 4), ("Ana", 8804, 5), ("Cy", 8805, 6),
    ("Dan", 8806, 6),
]  # fmt: skip


async def test_contest_prizes_go_to_the_top_three_once_after_the_window(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given the June contest (top 3: $500, $250, $100 cash) and four advocates with codes
    clock.now = JUNE
    await save(runtime, shop, CONTEST)
    advocates = {n: await enrol(runtime, shop, fake_shopify, n, c) for n, c in CUSTOMERS.items()}
    assert await create_pending_friend_codes(runtime) == 4
    assert sent(fake_shopify, "discountCodeBasicCreate") == [
        friend_code_input(a.friend_code, JUNE, new_customers(fake_shopify), 0.1)
        for a in advocates.values()
    ]

    # When six friends buy with the advocates' codes during June
    deliveries = []
    for number, (name, friend, day) in enumerate(ORDERS, start=1):
        clock.now = JUNE.replace(day=day, hour=10)
        email = f"friend{number}@example.org"
        fake_shopify.add_customer(email, orders=1, customer_id=friend)
        body = paid_order(5000 + number, clock.now, friend=friend, email=email, total="50.00",
                          code=advocates[name].friend_code)  # fmt: skip
        deliveries.append(await post_paid(app_client, body, f"wh-contest-{number}"))
        assert await process(runtime) == {"done": 1}

    # Then each referral is pending and entered in the contest
    referrals = await Referral.filter(shop=shop).order_by("id")
    assert [r.state for r in referrals] == ["pending"] * 6
    assert [matched(r) for r in referrals] == [
        [("discount_code", advocates[name].friend_code, str(advocates[name].id))]
        for name, _, _ in ORDERS
    ]
    entries = [f["detail"] for r in referrals for f in r.findings if f["reason"] == "contest_entry"]
    assert entries == [{"contest_id": "june-2026"}] * 6

    # When the holds end, each advocate's $5 per referral is credited and the board is live
    assert await end_hold(runtime, clock, days=14) == (6, 6)
    assert sent(fake_shopify, "storeCreditAccountCredit") == [
        credit(CUSTOMERS[name], "5.00") for name, _, _ in ORDERS
    ]
    referrals = await Referral.filter(shop=shop).order_by("id")
    assert [await transitions(r) for r in referrals] == [rewarded_by(d) for d in deliveries]
    board = await leaderboard(runtime, shop)
    assert board is not None
    ids = {str(a.id): n for n, a in advocates.items()}
    assert [(s.rank, ids[s.advocate_id], s.count) for s in board[1]] == [
        (1, "Bea", 2), (2, "Ana", 2), (3, "Cy", 1),
    ]  # fmt: skip

    # And in the widget, Bea asks not to be named; Ana then sees the board by initials
    def signed_in(name: str) -> dict[str, str]:
        return proxy_query(clock.now, str(CUSTOMERS[name]), shop=shop.domain)

    hidden = await app_client.post(
        "/proxy/api/choose", params=signed_in("Bea"), json={"leaderboard": False}
    )
    assert (hidden.status_code, hidden.json()["contest"]["shown"]) == (200, False)
    seen = await app_client.get("/proxy/api/me", params=signed_in("Ana"))
    contest = seen.json()["contest"]
    assert (contest["name"], contest["ends_at"], contest["shown"]) == (
        "June Challenge", "2026-07-01T00:00:00+00:00", True,
    )  # fmt: skip
    assert contest["rows"] == [
        {"rank": 1, "name": None, "referrals": 2, "me": False},
        {"rank": 2, "name": "A.", "referrals": 2, "me": True},
        {"rank": 3, "name": "C.", "referrals": 1, "me": False},
    ]
    assert "Bea" not in seen.text

    # When finalising while orders from the window's end are still held, no prize is written
    clock.now = ENDS + timedelta(days=13)
    assert await finalise_contests(runtime) == 0
    assert await Reward.filter(shop=shop, reason__startswith="contest").count() == 0

    # When finalising after the window and its hold, twice, the prizes are written once
    clock.now = ENDS + timedelta(days=14)
    assert [await finalise_contests(runtime), await finalise_contests(runtime)] == [3, 0]
    calls = len(fake_shopify.calls)
    assert await issue_due_rewards(runtime) == 3
    prizes = (
        await Reward.filter(shop=shop, reason__startswith="contest")
        .order_by("id")
        .values_list("idempotency_key", "advocate_id", "kind", "amount", "currency", "status")
    )
    assert [(key, ids[str(who)], *rest) for key, who, *rest in prizes] == [
        ("contest:june-2026:1", "Bea", "cash", 500, "USD", "recorded"),
        ("contest:june-2026:2", "Ana", "cash", 250, "USD", "recorded"),
        ("contest:june-2026:3", "Cy", "cash", 100, "USD", "recorded"),
    ]  # fmt: skip
    # Cash is paid out by a person: nothing more was sent to the store.
    assert len(fake_shopify.calls) == calls
