"""The advocate's choices in the widget: the charity their donations go to and whether a contest's
leaderboard names them; the program's total donated; the leaderboard as participants see it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from connector.domain.program import Contest
from connector.domain.program.presets import CHARITY, CONTEST
from connector.services.base.runtime import Runtime
from connector.services.referrals import advocates
from connector.services.storefront.api import initials
from connector.store.models import Advocate, Referral, Reward, Shop
from tests.programs.journey import save
from tests.storefront.factories import ANA_CUSTOMER, proxy_query, shopify_shop


async def _member(runtime: Runtime, shop: Shop, name: str, customer: str) -> Advocate:
    enrolled = await advocates.enrol_advocate(
        runtime, shop, customer_id=customer, email=f"{customer}@example.org", name=name
    )
    return enrolled.advocate


async def _donation(shop: Shop, who: Advocate, key: str, amount: str, status: str, now) -> None:
    await Reward.create(
        shop=shop, advocate=who, idempotency_key=key, side="advocate", kind="charity_donation",
        amount=Decimal(amount), currency="USD", charity_cause="ocean", status=status,
        created_at=now, updated_at=now,
    )  # fmt: skip


async def test_an_advocate_chooses_a_cause_and_everyone_sees_the_total_donated(
    runtime, app_client, clock
):
    # Given a charity program with $5 + $7.50 given (and a taken-back $100 that does not count)
    shop = await shopify_shop(runtime)
    await save(runtime, shop, CHARITY)
    ana = await _member(runtime, shop, "Ana García", ANA_CUSTOMER)
    await _donation(shop, ana, "d1", "5.00", "recorded", clock.now)
    await _donation(shop, ana, "d2", "7.50", "paid", clock.now)
    await _donation(shop, ana, "d3", "100.00", "deactivated", clock.now)

    # When a visitor who is not signed in opens the widget
    anonymous = await app_client.get("/proxy/api/config", params=proxy_query(clock.now))

    # Then they see the causes and the total donated, and no dashboard
    assert anonymous.json()["charity"] == {
        "causes": [
            {"id": "ocean", "name": "Ocean Cleanup"},
            {"id": "trees", "name": "One Tree Planted"},
        ],
        "default": "trees",
        "donated": {"amount": "12.5000", "currency": "USD"},
    }
    assert anonymous.json()["me"] is None

    # When Ana (signed in) picks the ocean
    signed = proxy_query(clock.now, ANA_CUSTOMER)
    before = (await app_client.get("/proxy/api/me", params=signed)).json()
    chosen = await app_client.post("/proxy/api/choose", params=signed, json={"cause": "ocean"})

    # Then her dashboard says so and her donations now go there
    assert before["dashboard"]["cause"] is None
    assert chosen.status_code == 200
    assert chosen.json()["dashboard"]["cause"] == "ocean"
    assert (await Advocate.get(id=ana.id)).charity_cause == "ocean"


async def test_a_cause_not_in_the_program_is_refused_and_nothing_changes(
    runtime, app_client, clock
):
    shop = await shopify_shop(runtime)
    await save(runtime, shop, CHARITY)
    ana = await _member(runtime, shop, "Ana", ANA_CUSTOMER)
    signed = proxy_query(clock.now, ANA_CUSTOMER)

    wrong = await app_client.post("/proxy/api/choose", params=signed, json={"cause": "whales"})
    not_bool = await app_client.post("/proxy/api/choose", params=signed, json={"leaderboard": 1})
    anonymous = await app_client.post(
        "/proxy/api/choose", params=proxy_query(clock.now), json={"cause": "ocean"}
    )
    stranger = await app_client.post(
        "/proxy/api/choose", params=proxy_query(clock.now, "7999"), json={"cause": "ocean"}
    )

    assert (wrong.status_code, wrong.json()) == (422, {"error": "invalid_cause"})
    assert (not_bool.status_code, not_bool.json()) == (422, {"error": "invalid_leaderboard"})
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": "not_signed_in"})
    assert (stranger.status_code, stranger.json()) == (404, {"error": "not_an_advocate"})
    assert (await Advocate.get(id=ana.id)).charity_cause is None


async def _qualified(shop: Shop, who: Advocate, order: int, at: datetime) -> None:
    await Referral.create(
        shop=shop, advocate=who, qualifying_key=f"order:{order}", order_id=str(order),
        state="approved", program_version=1, currency="USD", created_at=at, updated_at=at,
        placed_at=at,
    )  # fmt: skip


async def test_participants_see_the_leaderboard_by_initials_and_an_opt_out_is_not_named(
    runtime, app_client, clock
):
    # Given a contest running now; Bea has two qualified referrals, Ana one, Cy none
    start = clock.now - timedelta(days=3)
    contest = Contest("now", "Spring Challenge", start, clock.now + timedelta(days=20), top_n=3)
    shop = await shopify_shop(runtime)
    await save(runtime, shop, replace(CONTEST, contest=contest))
    ana = await _member(runtime, shop, "Ana García", ANA_CUSTOMER)
    bea = await _member(runtime, shop, "Bea de la Fuente", "7002")
    await _member(runtime, shop, "Cy", "7003")
    await _qualified(shop, bea, 1, start + timedelta(hours=1))
    await _qualified(shop, bea, 2, start + timedelta(hours=2))
    await _qualified(shop, ana, 3, start + timedelta(hours=3))

    # When Ana opens her dashboard
    ana_query = proxy_query(clock.now, ANA_CUSTOMER)
    seen = (await app_client.get("/proxy/api/me", params=ana_query)).json()["contest"]

    # Then she sees the board with initials only, herself marked
    assert seen == {
        "name": "Spring Challenge",
        "ends_at": contest.ends_at.isoformat(),
        "shown": True,
        "rows": [
            {"rank": 1, "name": "B. D. L.", "referrals": 2, "me": False},
            {"rank": 2, "name": "A. G.", "referrals": 1, "me": True},
        ],
    }
    assert "Bea" not in str(seen)
    assert "García" not in str(seen)

    # When Bea asks not to be named
    bea_query = proxy_query(clock.now, "7002")
    hidden = await app_client.post(
        "/proxy/api/choose", params=bea_query, json={"leaderboard": False}
    )

    # Then her rank stays, unnamed, for Ana; and Bea sees that she is hidden
    assert hidden.json()["contest"]["shown"] is False
    again = (await app_client.get("/proxy/api/me", params=ana_query)).json()["contest"]["rows"]
    assert again[0] == {"rank": 1, "name": None, "referrals": 2, "me": False}
    assert (await Advocate.get(id=bea.id)).leaderboard_hidden is True

    # And a visitor who is not a participant is shown no board at all
    anonymous = (await app_client.get("/proxy/api/config", params=proxy_query(clock.now))).json()
    assert anonymous["me"] is None
    assert "contest" not in anonymous


def test_initials_keep_letters_and_digits_only():
    assert [initials(n) for n in ("Ana García", "  bo ", "", "José María de Luz", "-x")] == [
        "A. G.", "B.", "", "J. M. D.", "",
    ]  # fmt: skip
