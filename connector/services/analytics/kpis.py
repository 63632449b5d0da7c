"""A period's KPIs from the rollups, with the previous period's beside them, and the series.

Every figure is defined once here from rollup sums (plausible's way: metrics by name, the
comparison a second read of the same shape), so the API, the dashboard and the KPI export show
the same numbers. A read sums the rows of the days asked, never the raw orders or referrals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from connector.services.analytics.figures import HORIZONS, OTHER, REFERRED, ZERO, Metric
from connector.store.models import RollupRow

GRANULARITIES = ("day", "week", "month")
MAX_DAYS = 3 * 366  # the longest period one read covers
Sums = dict[tuple[str, str], tuple[int, Decimal]]  # (metric, dim) -> (count, amount)
# The funnel, top to bottom: each step's conversion is its count over the step before.
FUNNEL = (
    Metric.VIEWS, Metric.JOINS, Metric.SHARES, Metric.CLICKS, Metric.CLAIMS,
    Metric.FIRST_ORDERS, Metric.CREDITED,
)  # fmt: skip
# The series the dashboard charts: (name, metric, amount instead of count).
SERIES = (
    ("referred_revenue", Metric.REFERRED_ORDERS, True),
    ("revenue", Metric.ORDERS, True),
    ("referrals", Metric.REFERRALS, False),
    ("credited", Metric.CREDITED, False),
    ("link_clicks", Metric.CLICKS, False),
)
CENT = Decimal("0.01")
RATIO = Decimal("0.0001")


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """How many days it covers."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before it."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def _rows(shop_id: int, period: Period, version: int | None) -> QuerySet[RollupRow]:
    """The shop's rollup rows of the period's days (of one program version, if given)."""
    query = RollupRow.filter(shop_id=shop_id, day__gte=period.start, day__lte=period.end)
    return query if version is None else query.filter(version=version)


async def sums(shop_id: int, period: Period, version: int | None = None) -> Sums:
    """Each (metric, dimension)'s count and amount over the period."""
    rows = await (
        _rows(shop_id, period, version)
        .annotate(total_n=Sum("n"), total_amount=Sum("amount"))
        .group_by("metric", "dim")
        .values_list("metric", "dim", "total_n", "total_amount")
    )
    return {
        (str(metric), str(dim)): (int(n or 0), Decimal(amount or 0))
        for metric, dim, n, amount in rows
    }


def _n(
    s: Mapping[tuple[str, str], tuple[int, Decimal]], metric: str, dim: str | None = None
) -> int:
    return sum(n for (m, d), (n, _) in s.items() if m == metric and (dim is None or d == dim))


def _amount(s: Sums, metric: str, dim: str | None = None) -> Decimal:
    return sum(
        (a for (m, d), (_, a) in s.items() if m == metric and (dim is None or d == dim)), ZERO
    )


def _ratio(top: Decimal | int, bottom: Decimal | int) -> Decimal | None:
    """top / bottom to four places; None when there is nothing to divide by."""
    if not bottom:
        return None
    return (Decimal(top) / Decimal(bottom)).quantize(RATIO, rounding=ROUND_HALF_EVEN)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def figures_of(s: Sums) -> dict[str, Any]:
    """The KPIs of one period's sums (Decimals for money and ratios; None where undefined)."""
    referred_revenue = _amount(s, Metric.REFERRED_ORDERS)
    cost = _amount(s, Metric.REWARDS) - _amount(s, Metric.CLAWBACK)
    acquired = _n(s, Metric.CUSTOMERS, REFERRED)
    out: dict[str, Any] = {
        "orders": _n(s, Metric.ORDERS),
        "revenue": _money(_amount(s, Metric.ORDERS)),
        "refunded": _money(_amount(s, Metric.REFUNDED)),
        "referrals": _n(s, Metric.REFERRALS),
        "referred_orders": _n(s, Metric.REFERRED_ORDERS),
        "referred_revenue": _money(referred_revenue),
        "referred_share": _ratio(referred_revenue, _amount(s, Metric.ORDERS)),
        "rewards_issued": _n(s, Metric.REWARDS),
        "reward_cost": _money(cost),
        "roi": _ratio(referred_revenue - cost, cost),
        "cost_per_customer": _money(cost / acquired) if acquired else None,
        "new_referred_customers": acquired,
        "reversed": _n(s, Metric.REVERSED),
    }
    for step in FUNNEL:
        out[step] = _n(s, step)
    return out


def funnel(s: Sums) -> list[dict[str, Any]]:
    """The funnel's steps with each step's conversion from the one before."""
    steps: list[dict[str, Any]] = []
    before: int | None = None
    for step in FUNNEL:
        count = _n(s, step)
        steps.append(
            {
                "step": step,
                "count": count,
                "conversion": _ratio(count, before) if before is not None else None,
            }
        )
        before = count
    return steps


def groups(s: Sums) -> dict[str, dict[str, Any]]:
    """Referred customers against the others: repeat rate, value per customer, order value."""
    out: dict[str, dict[str, Any]] = {}
    for group in (REFERRED, OTHER):
        customers = _n(s, Metric.CUSTOMERS, group)
        orders = _n(s, Metric.ORDERS, group)
        row: dict[str, Any] = {
            "customers": customers,
            "repeat_customers": _n(s, Metric.REPEAT, group),
            "repeat_rate": _ratio(_n(s, Metric.REPEAT, group), customers),
            "orders": orders,
            "revenue": _money(_amount(s, Metric.ORDERS, group)),
            "average_order_value": (
                _money(_amount(s, Metric.ORDERS, group) / orders) if orders else None
            ),
        }
        for days in HORIZONS:
            within = Metric.within(days)
            row[f"orders_per_customer_{days}d"] = _ratio(_n(s, within, group), customers)
            revenue = _amount(s, within, group)
            row[f"revenue_per_customer_{days}d"] = (
                _money(revenue / customers) if customers else None
            )
        out[group] = row
    return out


def quality(s: Sums) -> list[dict[str, Any]]:
    """Each check that flagged or rejected referrals: how many, and their share of all."""
    referrals = _n(s, Metric.REFERRALS)
    checks = sorted({d for (m, d) in s if m in (Metric.FLAGGED, Metric.BLOCKED)})
    return [
        {
            "check": check,
            "flagged": _n(s, Metric.FLAGGED, check),
            "rejected": _n(s, Metric.BLOCKED, check),
            "flagged_share": _ratio(_n(s, Metric.FLAGGED, check), referrals),
            "rejected_share": _ratio(_n(s, Metric.BLOCKED, check), referrals),
        }
        for check in checks
    ]


def channels(s: Sums) -> dict[str, list[dict[str, Any]]]:
    """Shares by channel and referrals by the way they were attributed, most first."""

    def ranked(metric: str) -> list[dict[str, Any]]:
        dims = {d for (m, d) in s if m == metric}
        rows = [{"channel": d or "unknown", "count": _n(s, metric, d)} for d in dims]
        return sorted(rows, key=lambda r: (-r["count"], r["channel"]))

    return {"shares": ranked(Metric.SHARES), "referrals": ranked(Metric.REFERRALS)}


def bucket(day: date, granularity: str) -> date:
    """The first day of the day's week (Monday) or month; the day itself for `day`."""
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


async def series(
    shop_id: int, period: Period, granularity: str, version: int | None = None
) -> list[dict[str, Any]]:
    """The charted figures per day, week or month of the period (empty buckets as zeros)."""
    metrics = sorted({metric for _, metric, _ in SERIES})
    rows = await (
        _rows(shop_id, period, version)
        .filter(metric__in=metrics)
        .annotate(total_n=Sum("n"), total_amount=Sum("amount"))
        .group_by("day", "metric")
        .values_list("day", "metric", "total_n", "total_amount")
    )
    points: dict[date, dict[str, Any]] = {}
    day = period.start
    while day <= period.end:
        points.setdefault(
            bucket(day, granularity), {name: ZERO if money else 0 for name, _, money in SERIES}
        )
        day += timedelta(days=1)
    for day, metric, n, amount in rows:
        point = points[bucket(day, granularity)]
        for name, wanted, money in SERIES:
            if wanted == metric:
                point[name] += Decimal(amount or 0) if money else int(n or 0)
    return [
        {"start": start.isoformat(),
         **{k: _money(v) if isinstance(v, Decimal) else v for k, v in values.items()}}
        for start, values in sorted(points.items())
    ]  # fmt: skip


async def report(
    shop_id: int, period: Period, granularity: str = "day", version: int | None = None
) -> dict[str, Any]:
    """The period's KPIs beside the previous period's, its funnel, groups, checks and series."""
    now = await sums(shop_id, period, version)
    before_period = period.previous()
    before = await sums(shop_id, before_period, version)
    current, previous = figures_of(now), figures_of(before)
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "previous_period": {
            "start": before_period.start.isoformat(),
            "end": before_period.end.isoformat(),
        },
        "granularity": granularity,
        "version": version,
        "figures": {
            name: {
                "value": value,
                "previous": previous[name],
                "change": _change(value, previous[name]),
            }
            for name, value in current.items()
        },
        "funnel": funnel(now),
        "customers": groups(now),
        "previous_customers": groups(before),
        "quality": quality(now),
        "channels": channels(now),
        "series": await series(shop_id, period, granularity, version),
    }


def _change(value: Any, previous: Any) -> Decimal | None:
    """The relative change from the previous period (None when either is missing or zero)."""
    if value is None or previous is None or not previous:
        return None
    return _ratio(Decimal(value) - Decimal(previous), Decimal(previous))
