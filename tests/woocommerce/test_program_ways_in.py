"""The ways in on a WooCommerce store, end to end: an advocate picks a charity in the widget and
her friend's order gives to it (and to the program's public total); a partner enrolled from the
admin (through the plugin's admin token) with its landing text, whose code credits the partner;
the budget's warning and its review queue; a contest whose leaderboard participants see in the
widget."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx

from connector.domain.program import (
    Budget,
    BudgetPeriod,
    Program,
    RewardKind,
    RewardRule,
    program_to_dict,
)
from connector.domain.program.presets import CHARITY, CONTEST, FIXED, PARTNERSHIP
from connector.services.admin.access import sign_admin_token
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.services.referrals.programs import save_program
from connector.services.rewards.contests import finalise_contests
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.storefront.tokens import sign_token
from connector.store.models import Advocate, Message, Referral, Reward, Shop
from tests.conftest import Clock
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_end_to_end import gmt, send
from tests.woocommerce.test_routes import connected

STORE = "store.example"
QUERY = "?" + urlencode({"platform": "woocommerce", "shop": STORE})


def widget(clock: Clock, secret: str, customer: str | None = None) -> dict[str, str]:
    """The header the plugin's widget sends: a storefront token signed with the shop's key."""
    expires = int(clock.now.timestamp()) + 600
    return {"X-Referral-Token": sign_token(secret, STORE, customer, expires)}


async def on_program(
    runtime: Runtime, app_client: httpx.AsyncClient, preset: Program
) -> tuple[Shop, str, str]:
    """The connected store on `preset` in EUR: the shop, its webhook path and its secret."""
    path, secret = await connected(runtime, app_client)
    shop = await Shop.get(platform="woocommerce", domain=STORE)
    program: dict[str, Any] = {**program_to_dict(preset), "currency": "EUR"}
    await save_program(runtime, shop, program, actor="test")
    return shop, path, secret


async def _paid(
    app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, path: str, secret: str,
    clock: Clock, order_id: int, email: str, code: str, total: str,
) -> None:  # fmt: skip
    placed = clock.now - timedelta(hours=1)
    body = fake_woo.add_order(
        order_id, status="processing", email=email, customer_id=0, total=total,
        codes=[code.lower()], created=gmt(placed), modified=gmt(placed),
    )  # fmt: skip
    await send(app_client, path, secret, body, f"d{order_id}")


async def friend_buys_and_the_hold_passes(
    runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, path: str,
    secret: str, clock: Clock, order_id: int, code: str, total: str,
) -> None:  # fmt: skip
    """The advocate's code reaches the store; a guest friend pays `total` with it; the worker
    credits the order; the hold passes and the one reward is issued."""
    assert await create_pending_friend_codes(runtime) == 1
    await _paid(app_client, fake_woo, path, secret, clock, order_id, "fran@example.org", code, total)
    assert await build_worker(runtime).drain() == {"done": 1}
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 1
    assert await issue_due_rewards(runtime) == 1


async def test_an_advocate_picks_a_cause_in_the_widget_and_the_donation_goes_there(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given a connected store on the charity program and Ana, a signed-in customer, joined
    shop, path, secret = await on_program(woo_runtime, app_client, CHARITY)
    ana_id = fake_woo.add_customer("ana@example.org")
    joined = await app_client.post(
        "/storefront/api/join" + QUERY, json={}, headers=widget(clock, secret, ana_id)
    )
    assert joined.status_code == 200
    ana = await Advocate.get(shop_id=shop.id, customer_id=ana_id)

    # When Ana picks the ocean in the widget
    chosen = await app_client.post(
        "/storefront/api/choose" + QUERY,
        json={"cause": "ocean"},
        headers=widget(clock, secret, ana_id),
    )
    assert chosen.json()["dashboard"]["cause"] == "ocean"

    # And a guest friend pays 60 EUR with her code and the hold passes
    await friend_buys_and_the_hold_passes(
        woo_runtime, app_client, fake_woo, path, secret, clock, 9301, ana.friend_code, "60.00"
    )

    # Then 5 EUR is recorded for the ocean, and every shopper sees the program's total
    referral = await Referral.get(shop_id=shop.id)
    donation = await Reward.get(referral_id=referral.id, side="advocate")
    assert (donation.kind, donation.amount, donation.currency, donation.charity_cause) == (
        "charity_donation", Decimal("5.0000"), "EUR", "ocean",
    )  # fmt: skip
    assert (referral.state, donation.status) == ("rewarded", "recorded")
    config = await app_client.get("/storefront/api/config" + QUERY, headers=widget(clock, secret))
    assert config.json()["charity"]["donated"] == {"amount": "5.0000", "currency": "EUR"}


async def test_a_partner_enrolled_from_the_admin_greets_its_audience_and_earns(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given a connected store on the partnership program (Acme earns 10% in cash)
    shop, path, secret = await on_program(woo_runtime, app_client, PARTNERSHIP)

    # When the merchant enrols Acme on the WP admin page with its co-branded landing text
    admin = sign_admin_token(secret, STORE, "1", int(clock.now.timestamp()) + 600)
    landing = {"es": "Acme te regala un 15 %", "en": "Acme gives you 15% off"}
    enrolled = await app_client.post(
        "/admin/api/partners", json={"partner_id": "acme", "landing": landing},
        headers={"Authorization": f"Bearer {admin}"},
    )  # fmt: skip
    assert enrolled.status_code == 201, enrolled.text
    acme = await Advocate.get(shop_id=shop.id, partner_account="partner:acme")

    # Then a visitor through Acme's link is greeted with Acme's own words
    click = await app_client.post(
        "/storefront/api/click" + QUERY,
        json={"ref": acme.share_token},
        headers=widget(clock, secret),
    )
    assert click.json()["partner"] == {"name": "Acme Outdoor", "landing": landing}

    # When a friend claims the offer and pays 120 EUR with the code, and the hold passes
    claim = await app_client.post(
        "/storefront/api/claim" + QUERY, json={"ref": acme.share_token, "email": "lu@example.org"},
        headers=widget(clock, secret),
    )  # fmt: skip
    code = claim.json()["code"]
    assert await create_pending_friend_codes(woo_runtime) >= 1
    await _paid(app_client, fake_woo, path, secret, clock, 9401, "lu@example.org", code, "120.00")
    assert await build_worker(woo_runtime).drain() == {"done": 1}
    clock.advance(days=15)
    assert await approve_due_referrals(woo_runtime) == 1
    await issue_due_rewards(woo_runtime)

    # Then the partner's account is credited 10% (12 EUR), recorded for payout
    referral = await Referral.get(shop_id=shop.id)
    assert referral.advocate_id == acme.id  # type: ignore[attr-defined]
    reward = await Reward.get(referral_id=referral.id, side="partner")
    assert (reward.kind, reward.amount, reward.currency, reward.status) == (
        "cash", Decimal("12.0000"), "EUR", "recorded",
    )  # fmt: skip


async def test_past_the_monthly_budget_a_referral_waits_for_review_and_the_merchant_is_told(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given a 10 EUR coupon per referral and a 15 EUR budget a month, the merchant's address set
    program = replace(
        FIXED, hold_days=0, advocate_reward=RewardRule(RewardKind.FIXED_DISCOUNT, Decimal(10)),
        budget=Budget(Decimal(15), BudgetPeriod.MONTH),
    )  # fmt: skip
    shop, path, secret = await on_program(woo_runtime, app_client, program)
    admin = sign_admin_token(secret, STORE, "1", int(clock.now.timestamp()) + 600)
    merchant = {"Authorization": f"Bearer {admin}"}
    notified = await app_client.put(
        "/admin/api/notifications", json={"merchant_email": "owner@store.example"}, headers=merchant
    )
    assert notified.status_code == 200, notified.text
    ana = (await enrol_advocate(woo_runtime, shop, email="ana@example.org")).advocate

    # When two friends pay with her code
    for n in (1, 2):
        await _paid(app_client, fake_woo, path, secret, clock, 9600 + n, f"f{n}@example.org",
                    ana.friend_code, "50.00")  # fmt: skip
    assert await build_worker(woo_runtime).drain() == {"done": 2}

    # Then the first is pending; the second would pass the budget, so it waits for a person
    first, second = await Referral.filter(shop_id=shop.id).order_by("id")
    assert first.state == "pending"
    assert (second.state, second.state_reason) == ("flagged", "budget")
    alerts = await app_client.get("/admin/api/alerts", headers=merchant)
    month = f"{clock.now.year}-{clock.now.month:02d}"
    # (the held referral counts as used: approving it would spend it)
    assert [(a["kind"], a["message"]) for a in alerts.json()["alerts"]] == [(
        "budget_reached",
        f"The {month} rewards budget is spent: 20.0000 of 15 EUR (133%). New referrals wait for"
        " your review (approve them to go over the budget, or raise it on the Program page).",
    )]  # fmt: skip
    # And the merchant is sent one budget_warning for the month
    messages = await Message.filter(shop_id=shop.id, kind="budget_warning")
    assert [(m.key, m.recipient, m.context) for m in messages] == [(
        f"budget_warning.budget-month-{month}-01.email.merchant", "owner@store.example",
        {"spent": "20.00 EUR", "budget": "15.00 EUR", "period": month},
    )]  # fmt: skip

    # When the merchant finds it in the review queue and approves it: it is held, not dropped
    queue = await app_client.get("/admin/api/review", headers=merchant)
    assert [r["id"] for r in queue.json()["referrals"]] == [second.id]
    approved = await app_client.post(
        f"/admin/api/referrals/{second.id}/approve", json={"note": "over budget, on purpose"},
        headers=merchant,
    )  # fmt: skip
    assert approved.status_code == 200, approved.text
    clock.advance(minutes=1)
    assert await approve_due_referrals(woo_runtime) == 2
    assert await issue_due_rewards(woo_runtime) == 2

    # Then both are rewarded with a 10 EUR coupon in the store, and no second warning was written
    rewarded = await Referral.filter(shop_id=shop.id).order_by("id")
    assert [r.state for r in rewarded] == ["rewarded", "rewarded"]
    codes = [r.code for r in await Reward.filter(shop_id=shop.id).order_by("id")]
    coupons = {c["code"]: (c["discount_type"], c["amount"]) for c in fake_woo.coupons.values()}
    assert [coupons[str(code).lower()] for code in codes] == [("fixed_cart", "10.00")] * 2
    assert await Message.filter(shop_id=shop.id, kind="budget_warning").count() == 1


JUNE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # the contest preset runs through June 2026
# (advocate, day of June a friend of theirs pays): Bea reaches two before Ana's one and Cy's one
CONTEST_ORDERS = [("Bea Ruiz", 3), ("Bea Ruiz", 4), ("Ana García", 5), ("Cy Lee", 6)]


async def test_a_contests_participants_see_its_leaderboard_in_the_widget_and_the_top_win(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given a connected store running the June contest, and three customers who joined it
    clock.now = JUNE
    shop, path, secret = await on_program(woo_runtime, app_client, CONTEST)
    people: dict[str, tuple[str, Advocate]] = {}
    for name in ("Ana García", "Bea Ruiz", "Cy Lee"):
        email = f"{name.split()[0].lower()}@example.org"
        customer = fake_woo.add_customer(email)
        enrolled = await enrol_advocate(
            woo_runtime, shop, email=email, customer_id=customer, name=name
        )
        people[name] = (customer, enrolled.advocate)
    assert await create_pending_friend_codes(woo_runtime) == 3

    # When four friends pay with their codes during June, and the holds end
    for n, (name, day) in enumerate(CONTEST_ORDERS, start=1):
        clock.now = JUNE.replace(day=day, hour=10)
        await _paid(app_client, fake_woo, path, secret, clock, 9700 + n, f"c{n}@example.org",
                    people[name][1].friend_code, "50.00")  # fmt: skip
    assert await build_worker(woo_runtime).drain() == {"done": 4}
    clock.now = JUNE.replace(day=21)
    assert await approve_due_referrals(woo_runtime) == 4
    await issue_due_rewards(woo_runtime)

    # And Bea asks the widget not to name her on the board
    bea = people["Bea Ruiz"][0]
    hidden = await app_client.post(
        "/storefront/api/choose" + QUERY, json={"leaderboard": False},
        headers=widget(clock, secret, bea),
    )  # fmt: skip
    assert (hidden.status_code, hidden.json()["contest"]["shown"]) == (200, False)

    # Then Ana's widget shows the board: initials only, Bea unnamed, Ana herself marked
    seen = await app_client.get(
        "/storefront/api/me" + QUERY, headers=widget(clock, secret, people["Ana García"][0])
    )
    contest = seen.json()["contest"]
    assert (contest["name"], contest["shown"]) == ("June Challenge", True)
    assert contest["rows"] == [
        {"rank": 1, "name": None, "referrals": 2, "me": False},
        {"rank": 2, "name": "A. G.", "referrals": 1, "me": True},
        {"rank": 3, "name": "C. L.", "referrals": 1, "me": False},
    ]
    assert "Ruiz" not in seen.text

    # When the window and its hold are over, the prizes are written once, for a person to pay
    clock.now = datetime(2026, 7, 15, tzinfo=UTC)
    assert [await finalise_contests(woo_runtime), await finalise_contests(woo_runtime)] == [3, 0]
    assert await issue_due_rewards(woo_runtime) == 3
    prizes = await Reward.filter(shop_id=shop.id, reason__startswith="contest").order_by("id")
    names = {who.id: name for name, (_, who) in people.items()}
    assert [
        (p.idempotency_key, names[p.advocate_id], p.kind, p.amount, p.currency, p.status)  # type: ignore[attr-defined]
        for p in prizes
    ] == [
        ("contest:june-2026:1", "Bea Ruiz", "cash", Decimal("500.0000"), "EUR", "recorded"),
        ("contest:june-2026:2", "Ana García", "cash", Decimal("250.0000"), "EUR", "recorded"),
        ("contest:june-2026:3", "Cy Lee", "cash", Decimal("100.0000"), "EUR", "recorded"),
    ]
