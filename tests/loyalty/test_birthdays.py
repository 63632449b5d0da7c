"""Birthday points: the member tells the shop their birthday in the widget (the App Proxy's
`birthday` call), and the hourly job credits the program's points on that day (UTC), once a
year, with a `birthday` message, whatever the number of runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import httpx
import pytest
from tortoise.exceptions import IntegrityError

from connector.domain.program.presets import LOYALTY
from connector.domain.rewards.birthday import birthday_problem, birthdays_on
from connector.services.base.runtime import Runtime
from connector.services.rewards.birthdays import credit_birthdays
from connector.store.models import Advocate, LedgerEntry, Message, Shop
from tests.conftest import Clock
from tests.loyalty.test_shopify_journey import MARTA, marta_order, widget
from tests.programs.journey import post_paid, process, save
from tests.shopify.factories import SHOP
from tests.storefront.factories import proxy_query
from tests.support.fake_shopify import FakeShopify

assert LOYALTY.loyalty is not None
BIRTHDAY_PROGRAM = replace(LOYALTY, loyalty=replace(LOYALTY.loyalty, birthday_points=200))


@pytest.mark.parametrize(
    ("month", "day", "problem"),
    [
        (2, 29, None),
        (12, 31, None),
        (4, 31, "day must be a whole number from 1 to 30 for month 4"),
        (13, 1, "month must be a whole number from 1 to 12"),
        (0, 1, "month must be a whole number from 1 to 12"),
        ("5", 1, "month must be a whole number from 1 to 12"),
        (5, True, "day must be a whole number from 1 to 31 for month 5"),
        (5, None, "day must be a whole number from 1 to 31 for month 5"),
    ],
)
def test_a_birthday_is_a_month_and_a_day_that_month_has(
    month: object, day: object, problem: str | None
) -> None:
    assert birthday_problem(month, day) == problem


def test_29_february_is_kept_on_28_february_in_other_years() -> None:
    assert birthdays_on(date(2027, 2, 28)) == ((2, 28), (2, 29))
    assert birthdays_on(date(2028, 2, 28)) == ((2, 28),)
    assert birthdays_on(date(2028, 2, 29)) == ((2, 29),)
    assert birthdays_on(date(2027, 3, 1)) == ((3, 1),)


async def birthday_entries(shop: Shop, member: Advocate) -> list[tuple[str, int, str]]:
    rows = await LedgerEntry.filter(shop=shop, advocate=member, reference="birthday").order_by("id")
    return [(r.kind, r.points, r.idempotency_key) for r in rows]


async def test_the_member_tells_their_birthday_and_gets_its_points_once_a_year(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    # Given a program with 200 birthday points, and Marta, a member since her first order, who
    # reads the widget in Spanish
    await save(runtime, shop, BIRTHDAY_PROGRAM)
    fake_shopify.add_customer("marta@example.org", customer_id=MARTA)
    await post_paid(app_client, marta_order(6001, clock), "wh-marta-1")
    assert await process(runtime) == {"done": 1}
    marta = await Advocate.get(shop=shop, customer_id=str(MARTA))
    await Advocate.filter(id=marta.id).update(locale="es")
    mine = (await widget(app_client, clock, "me")).json()["loyalty"]
    assert (mine["points"], mine["birthday_points"], mine["birthday"]) == (660, 200, None)
    tomorrow = (clock.now + timedelta(days=1)).date()

    # When she sends a day her month does not have, nothing is kept
    bad = await widget(app_client, clock, "birthday", month=4, day=31)
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid_birthday")
    await marta.refresh_from_db()
    assert (marta.birth_month, marta.birth_day) == (None, None)

    # When she tells tomorrow's date, it is kept (month and day), and sending it again is fine
    told = await widget(app_client, clock, "birthday", month=tomorrow.month, day=tomorrow.day)
    assert told.status_code == 200, told.text
    assert told.json()["loyalty"]["birthday"] == {"month": tomorrow.month, "day": tomorrow.day}
    again = await widget(app_client, clock, "birthday", month=tomorrow.month, day=tomorrow.day)
    assert again.status_code == 200
    # But moving it (to today, to collect the points at once) is refused
    today = clock.now.date()
    moved = await widget(app_client, clock, "birthday", month=today.month, day=today.day)
    assert (moved.status_code, moved.json()["error"]) == (409, "birthday_already_set")
    await marta.refresh_from_db()
    assert (marta.birth_month, marta.birth_day) == (tomorrow.month, tomorrow.day)

    # Then nothing is credited today, however often the job runs
    assert await credit_birthdays(runtime) == 0
    assert await birthday_entries(shop, marta) == []

    # When her birthday comes (UTC), the job credits 200 points once and tells her, in Spanish
    clock.advance(days=1)
    assert await credit_birthdays(runtime) == 1
    clock.advance(hours=1)
    assert await credit_birthdays(runtime) == 0
    key = f"birthday:{marta.id}:{tomorrow.year}"
    assert await birthday_entries(shop, marta) == [("earn", 200, key)]
    [message] = await Message.filter(shop=shop, kind="birthday")
    assert (message.recipient, message.locale, message.advocate_id) == (  # type: ignore[attr-defined]
        "marta@example.org", "es", marta.id,
    )  # fmt: skip
    assert (message.context["points"], message.context["balance"]) == (200, 860)
    me = (await widget(app_client, clock, "me")).json()["loyalty"]
    assert (me["points"], me["history"][0]["kind"], me["history"][0]["points"]) == (
        860,
        "earn",
        200,
    )

    # The database itself refuses a second credit under the same key
    with pytest.raises(IntegrityError):
        await LedgerEntry.create(
            shop=shop, advocate=marta, kind="earn", points=200, reference="birthday",
            idempotency_key=key, created_at=clock.now,
        )  # fmt: skip

    # When the next year's birthday comes, she gets the points again, keyed by that year
    next_year = tomorrow.replace(year=tomorrow.year + 1) if (tomorrow.month, tomorrow.day) != (
        2, 29) else date(tomorrow.year + 1, 2, 28)  # fmt: skip
    clock.advance(days=(next_year - tomorrow).days)
    assert await credit_birthdays(runtime) == 1
    assert [k for _, _, k in await birthday_entries(shop, marta)] == [
        key, f"birthday:{marta.id}:{next_year.year}",
    ]  # fmt: skip
    assert await Message.filter(shop=shop, kind="birthday").count() == 2


async def test_without_birthday_points_nobody_is_credited_and_a_guest_cannot_tell(
    runtime: Runtime,
    shop: Shop,
    app_client: httpx.AsyncClient,
    fake_shopify: FakeShopify,
    clock: Clock,
) -> None:
    await save(runtime, shop, LOYALTY)  # birthday_points 0
    fake_shopify.add_customer("marta@example.org", customer_id=MARTA)
    await post_paid(app_client, marta_order(6001, clock), "wh-marta-1")
    assert await process(runtime) == {"done": 1}
    guest = await app_client.post(
        "/proxy/api/birthday",
        params=proxy_query(clock.now, "", shop=SHOP),
        json={"month": 5, "day": 1},
    )
    assert (guest.status_code, guest.json()["error"]) == (401, "not_signed_in")
    today = clock.now.date()
    told = await widget(app_client, clock, "birthday", month=today.month, day=today.day)
    assert told.status_code == 200
    assert told.json()["loyalty"]["birthday_points"] == 0

    assert await credit_birthdays(runtime) == 0
    assert await LedgerEntry.filter(shop=shop, reference="birthday").count() == 0
