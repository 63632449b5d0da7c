"""Birthday points: which birthdays are valid, and whose birthday a given UTC date is.

A member tells us a month and a day (never a year). Their points come once per calendar year,
on that day; a 29 February birthday is kept on 28 February in the years without one.
"""

from __future__ import annotations

import calendar
from datetime import date

LEAP_YEAR = 2024  # any leap year: the longest each month can be


def birthday_problem(month: object, day: object) -> str | None:
    """What is wrong with a birthday (month 1-12, a day that month has), or None."""
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        return "month must be a whole number from 1 to 12"
    longest = calendar.monthrange(LEAP_YEAR, month)[1]
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= longest:
        return f"day must be a whole number from 1 to {longest} for month {month}"
    return None


def birthdays_on(today: date) -> tuple[tuple[int, int], ...]:
    """The (month, day) birthdays kept on `today`: its own, and 29 February on 28 February of a
    year without a 29th."""
    days = [(today.month, today.day)]
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        days.append((2, 29))
    return tuple(days)


def birthday_key(member_id: int, year: int) -> str:
    """The idempotency key of a member's birthday points in one year."""
    return f"birthday:{member_id}:{year}"
