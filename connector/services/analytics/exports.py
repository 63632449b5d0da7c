"""CSV exports of a shop's referrals, advocates, rewards and daily KPIs, streamed.

Rows are read CHUNK at a time by id (a keyset, never an offset) and written as they are read, so
memory stays flat whether the shop has a hundred referrals or ten million. A text cell that a
spreadsheet would run as a formula (it starts with = + - @) is quoted with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from tortoise.functions import Sum
from tortoise.models import Model

from connector.services.analytics.figures import Metric
from connector.services.analytics.kpis import Period
from connector.store.models import Advocate, Referral, Reward, RollupRow

CHUNK = 2_000
COLUMNS: dict[str, tuple[str, ...]] = {
    "referrals": (
        "id", "created_at", "state", "state_reason", "advocate_id", "order_id", "stage",
        "program_version", "currency", "order_subtotal", "order_total", "refunded",
        "winning_signal", "friend_customer_id", "friend_email", "placed_at", "updated_at",
        "reward_choice", "reward_chosen_by",
    ),
    "advocates": (
        "id", "created_at", "kind", "name", "email", "customer_id", "friend_code", "status",
        "partner_name", "charity_cause", "live_referrals", "points_earned",
    ),
    "rewards": (
        "id", "created_at", "referral_id", "advocate_id", "side", "kind", "amount", "currency",
        "points", "status", "reason", "code", "issued_at", "used_at", "paid_at", "expires_at",
        "choice", "chosen_by", "choice_due_at",
    ),
}  # fmt: skip
# Columns read through a relation: a menu reward's pick (one per referral and side).
SOURCES = {
    "reward_choice": "choices__choice_id", "reward_chosen_by": "choices__chosen_by",
    "choice": "choice__choice_id", "chosen_by": "choice__chosen_by",
}  # fmt: skip
MODELS: dict[str, type[Model]] = {"referrals": Referral, "advocates": Advocate, "rewards": Reward}
# The KPI export: one row per day, each figure a column (counts, then amounts).
KPI_COUNTS = (
    ("orders", Metric.ORDERS), ("referred_orders", Metric.REFERRED_ORDERS),
    ("widget_views", Metric.VIEWS), ("joins", Metric.JOINS), ("shares", Metric.SHARES),
    ("link_clicks", Metric.CLICKS), ("claims", Metric.CLAIMS), ("referrals", Metric.REFERRALS),
    ("first_orders", Metric.FIRST_ORDERS), ("credited", Metric.CREDITED),
    ("reversed", Metric.REVERSED), ("rewards_issued", Metric.REWARDS),
    ("new_customers", Metric.CUSTOMERS),
)  # fmt: skip
KPI_AMOUNTS = (
    ("revenue", Metric.ORDERS), ("refunded", Metric.REFUNDED),
    ("referred_revenue", Metric.REFERRED_ORDERS), ("reward_value", Metric.REWARDS),
    ("owed_back", Metric.CLAWBACK),
)  # fmt: skip
KINDS = ("referrals", "advocates", "rewards", "kpis")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
Progress = Callable[[int], None]


def columns(kind: str) -> tuple[str, ...]:
    """The export's header row."""
    if kind == "kpis":
        return ("day", *(name for name, _ in KPI_COUNTS), *(name for name, _ in KPI_AMOUNTS))
    return COLUMNS[kind]


def cell(value: Any) -> str:
    """One value as CSV text: times in UTC ISO-8601, amounts exact, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal | int | date):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _created_in(period: Period | None) -> dict[str, datetime]:
    if period is None:
        return {}
    start = datetime.combine(period.start, time.min, UTC)
    end = datetime.combine(period.end + timedelta(days=1), time.min, UTC)
    return {"created_at__gte": start, "created_at__lt": end}


async def count(shop_id: int, kind: str, period: Period | None = None) -> int:
    """How many rows the export will have (for a progress bar)."""
    if kind == "kpis":
        return period.days if period is not None else 0
    return await MODELS[kind].filter(shop_id=shop_id, **_created_in(period)).count()


async def rows(shop_id: int, kind: str, period: Period | None = None) -> AsyncIterator[list[str]]:
    """The export's rows (no header), oldest first, read CHUNK at a time."""
    if kind == "kpis":
        if period is None:
            raise ValueError("the KPI export needs a period")
        async for row in _kpi_rows(shop_id, period):
            yield row
        return
    names = [SOURCES.get(name, name) for name in COLUMNS[kind]]
    query = MODELS[kind].filter(shop_id=shop_id, **_created_in(period))
    last = 0
    while True:
        chunk = await query.filter(id__gt=last).order_by("id").limit(CHUNK).values_list(*names)
        for values in chunk:
            yield [cell(v) for v in values]
        if len(chunk) < CHUNK:
            return
        last = int(chunk[-1][0])


async def _kpi_rows(shop_id: int, period: Period) -> AsyncIterator[list[str]]:
    """One row per day: the day's sums of every figure (a month of days at a time)."""
    start = period.start
    while start <= period.end:
        end = min(period.end, start + timedelta(days=30))
        sums = await (
            RollupRow.filter(shop_id=shop_id, day__gte=start, day__lte=end)
            .annotate(total_n=Sum("n"), total_amount=Sum("amount"))
            .group_by("day", "metric")
            .values_list("day", "metric", "total_n", "total_amount")
        )
        by_day: dict[date, dict[str, tuple[int, Decimal]]] = {}
        for day, metric, n, amount in sums:
            by_day.setdefault(day, {})[str(metric)] = (int(n or 0), Decimal(amount or 0))
        day = start
        while day <= end:
            found = by_day.get(day, {})
            yield [
                day.isoformat(),
                *(str(found.get(m, (0, 0))[0]) for _, m in KPI_COUNTS),
                *(str(found.get(m, (0, Decimal(0)))[1].quantize(Decimal("0.01")))
                  for _, m in KPI_AMOUNTS),
            ]  # fmt: skip
            day += timedelta(days=1)
        start = end + timedelta(days=1)


async def csv_text(
    shop_id: int, kind: str, period: Period | None = None, progress: Progress | None = None
) -> AsyncIterator[str]:
    """The export as CSV text, a chunk of lines at a time; `progress(n)` after each chunk."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns(kind))
    written = 0
    async for row in rows(shop_id, kind, period):
        writer.writerow(row)
        written += 1
        if written % CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            if progress is not None:
                progress(written)
    yield out.getvalue()
    if progress is not None:
        progress(written)
