"""Birthday points: a member tells us their birthday in the widget, and on that day (UTC) each
year the program's `birthday_points` land in their ledger, with a `birthday` message.

The credit is one ledger entry keyed `birthday:{member}:{year}` (unique per shop in the
database), written under the member's row lock with its message in one transaction, so the job
may run any number of times a day, on any number of workers, and a member still gets one credit
a year. A member sets their birthday once from the widget (changing it there is refused), so
moving it to "today" cannot collect the points again and again.
"""

from __future__ import annotations

import logging

from tortoise.transactions import in_transaction

from connector.domain.rewards import loyalty as rules
from connector.domain.rewards.birthday import birthday_key, birthday_problem, birthdays_on
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import ACTIVE
from connector.services.referrals.programs import live_program
from connector.services.rewards.loyalty import append_entry, balance
from connector.services.rewards.vip import review_member, tell_member
from connector.store.models import Advocate, Shop, ShopStatus

log = logging.getLogger("connector.loyalty")


class BirthdayInvalid(ValueError):
    """The month and day are not a birthday."""


class BirthdayAlreadySet(ValueError):
    """The member told us their birthday before; the widget does not change it."""


async def set_birthday(shop: Shop, member: Advocate, month: object, day: object) -> Advocate:
    """Keep the member's birthday (month and day). Sending the same one again changes nothing;
    another one is refused once a birthday is set."""
    problem = birthday_problem(month, day)
    if problem is not None:
        raise BirthdayInvalid(problem)
    if member.birth_month is not None:
        if (member.birth_month, member.birth_day) == (month, day):
            return member
        raise BirthdayAlreadySet("your birthday is already set: ask the shop to change it")
    # Set only while unset, so two tabs racing cannot set two different birthdays.
    changed = await Advocate.filter(id=member.id, shop_id=shop.id, birth_month__isnull=True).update(
        birth_month=month, birth_day=day
    )
    await member.refresh_from_db(fields=["birth_month", "birth_day"])
    if not changed and (member.birth_month, member.birth_day) != (month, day):
        raise BirthdayAlreadySet("your birthday is already set: ask the shop to change it")
    return member


async def credit_birthdays(runtime: Runtime) -> int:
    """Give today's (UTC) birthday points to every active member born today, once a year each;
    return how many members were credited."""
    now = runtime.now()
    today = now.date()
    days = birthdays_on(today)
    credited = 0
    for shop in await Shop.filter(status=ShopStatus.ACTIVE):
        loyalty = (await live_program(runtime, shop)).program.loyalty
        if loyalty is None or loyalty.birthday_points <= 0:
            continue
        born: set[int] = set()
        for month, day in days:
            rows = await Advocate.filter(
                shop_id=shop.id, birth_month=month, birth_day=day, status=ACTIVE
            ).values_list("id")
            born.update(int(row[0]) for row in rows)
        for member_id in sorted(born):
            async with in_transaction() as tx:
                member = (
                    await Advocate.filter(id=member_id).using_db(tx).select_for_update().first()
                )
                if member is None or member.status != ACTIVE:
                    continue
                added = await append_entry(
                    tx, shop.id, member_id, kind=rules.EntryKind.EARN.value,
                    points=loyalty.birthday_points, reference="birthday",
                    idempotency_key=birthday_key(member_id, today.year),
                    expires_at=rules.expiry_for(loyalty, now), created_at=now,
                )  # fmt: skip
                if not added:
                    continue
                await review_member(runtime, tx, shop, loyalty, member_id)
                points = await balance(shop.id, member_id, tx)
                await tell_member(
                    tx, shop, member, "birthday", f"birthday-{member_id}-{today.year}", now,
                    {"points": loyalty.birthday_points, "balance": points},
                )  # fmt: skip
            credited += 1
            log.info("shop %s: member %s got %s birthday points", shop.domain, member_id,
                     loyalty.birthday_points)  # fmt: skip
    return credited
