"""The dashboard's answer: a period's KPIs (services.analytics), top advocates, contest standings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from connector.services.analytics.kpis import GRANULARITIES, MAX_DAYS, Period, report
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import live_program
from connector.services.rewards.contests import leaderboard
from connector.store.models import Advocate, Shop

TOP = 10
DEFAULT_DAYS = 30


class PeriodRefused(ValueError):
    """A period the dashboard cannot show: its message says why."""


def period_of(today: date, start: date | None, end: date | None) -> Period:
    """The asked period; the last 30 days to today by default. PeriodRefused when it is wrong."""
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise PeriodRefused(f"the period starts ({start}) after it ends ({end})")
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodRefused(f"a period covers at most {MAX_DAYS} days")
    return Period(start, end)


async def top_advocates(shop: Shop) -> list[dict[str, Any]]:
    """The advocates with the most live referrals (not rejected or reversed), most first; among
    equals, the newest first (both descending, so one index walk answers it)."""
    rows = await (
        Advocate.filter(shop_id=shop.id, live_referrals__gt=0)
        .order_by("-live_referrals", "-id")
        .limit(TOP)
        .values("id", "name", "partner_name", "friend_code", "live_referrals")
    )
    return [
        {"id": r["id"], "name": r["partner_name"] or r["name"], "code": r["friend_code"],
         "referrals": r["live_referrals"]}
        for r in rows
    ]  # fmt: skip


async def contest(runtime: Runtime, shop: Shop) -> dict[str, Any] | None:
    """The live contest's name and its top standings; None without a contest."""
    found = await leaderboard(runtime, shop)
    if found is None:
        return None
    definition, standings = found
    names = dict(
        await Advocate.filter(
            shop_id=shop.id, id__in=[int(s.advocate_id) for s in standings[:TOP]]
        ).values_list("id", "name")
    )
    return {
        "id": definition.contest_id,
        "name": definition.name,
        "standings": [
            {"rank": s.rank, "advocate_id": int(s.advocate_id),
             "name": names.get(int(s.advocate_id), ""), "referrals": s.count}
            for s in standings[:TOP]
        ],
    }  # fmt: skip


async def dashboard(
    runtime: Runtime, shop: Shop, period: Period, granularity: str, version: int | None
) -> dict[str, Any]:
    """Everything the dashboard page shows for one period, in the program's currency."""
    if granularity not in GRANULARITIES:
        raise PeriodRefused(f"granularity is one of {', '.join(GRANULARITIES)}")
    answer = await report(shop.id, period, granularity, version)
    answer["currency"] = (await live_program(runtime, shop)).program.currency
    answer["top_advocates"] = await top_advocates(shop)
    answer["contest"] = await contest(runtime, shop)
    return answer
