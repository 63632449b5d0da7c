"""The rollups from scratch: every figure counted again from the stored rows.

`recompute` is what the rollups must equal (the tests hold them to it); `rebuild` replaces a
shop's rollups with it, for data stored before the rollups existed or after a repair. Widget
views and shares are kept only as rollup rows (no row per view), so both take those as they are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from connector.services.analytics import figures
from connector.services.analytics.figures import Contribution, Metric, OrderFact
from connector.services.analytics.rollups import write
from connector.services.analytics.sources import customer_source, order_fact, referral_fact_of
from connector.store.models import (
    Advocate,
    LinkClick,
    OfferClaim,
    OrderRecord,
    Referral,
    ReferralEvent,
    Reward,
    RollupRow,
    RollupSource,
)

CHUNK = 5_000
# Counted where they happen, with no row of their own to count again.
KEPT = (Metric.VIEWS, Metric.SHARES)
M = TypeVar("M", bound=Model)


async def _chunks(query: QuerySet[M]) -> AsyncIterator[list[M]]:
    """The query's rows in id order, CHUNK at a time (memory stays flat)."""
    last = 0
    while True:
        rows = await query.filter(id__gt=last).order_by("id").limit(CHUNK)
        if not rows:
            return
        yield rows
        last = rows[-1].id  # type: ignore[attr-defined]


def _merge(into: Contribution, rows: Contribution) -> None:
    for key, (n, amount) in rows.items():
        figures.add(into, key, n, amount)


async def sources(shop_id: int) -> tuple[dict[str, dict[str, Any]], dict[str, Contribution]]:
    """Every customer's and referral's facts and contribution, counted from the stored rows."""
    versions: dict[str, int] = {
        str(key): int(version)
        for key, version in await Referral.filter(shop_id=shop_id, order_id__isnull=False)
        .values_list("qualifying_key", "program_version")
    }  # fmt: skip
    orders: dict[str, dict[str, OrderFact]] = {}
    async for records in _chunks(OrderRecord.filter(shop_id=shop_id)):
        for record in records:
            fact = order_fact(record, versions.get(f"order:{record.order_id}", 0))
            orders.setdefault(customer_source(record), {})[record.order_id] = fact
    facts: dict[str, dict[str, Any]] = {}
    rows: dict[str, Contribution] = {}
    for name, mine in orders.items():
        facts[name] = {"orders": {o.order_id: o.to_json() for o in mine.values()}}
        rows[name] = figures.customer_rows(mine.values())
    async for chunk in _chunks(Referral.filter(shop_id=shop_id)):
        ids = [r.id for r in chunk]
        firsts: dict[int, dict[str, date]] = {}
        steps = ReferralEvent.filter(referral_id__in=ids, to_state__in=("approved", "reversed"))
        for referral_id, state, at in await steps.order_by("at", "id").values_list(
            "referral_id", "to_state", "at"
        ):
            firsts.setdefault(int(referral_id), {}).setdefault(str(state), figures.day_of(at, at))
        given: dict[int, list[Any]] = {}
        for values in await Reward.filter(referral_id__in=ids).values_list(
            "referral_id", "created_at", "kind", "amount", "currency", "status", "idempotency_key"
        ):
            given.setdefault(int(values[0]), []).append(values[1:])
        for referral in chunk:
            found = referral_fact_of(
                referral, firsts.get(referral.id, {}), given.get(referral.id, [])
            )
            name = f"referral:{referral.id}"
            facts[name] = {}
            rows[name] = figures.referral_rows(found)
    return facts, rows


async def _events(shop_id: int) -> Contribution:
    """The figures counted once per event: joins, link clicks, claims (and views and shares)."""
    out: Contribution = {}
    counted: tuple[tuple[str, Any], ...] = (
        (Metric.JOINS, Advocate.filter(shop_id=shop_id).values_list("created_at", flat=True)),
        (Metric.CLICKS, LinkClick.filter(shop_id=shop_id).values_list("clicked_at", flat=True)),
        (Metric.CLAIMS, OfferClaim.filter(shop_id=shop_id).values_list("claimed_at", flat=True)),
    )
    for metric, moments in counted:
        for at in await moments:
            figures.add(out, (figures.day_of(at, at), 0, metric, ""))
    for day, version, metric, dim, n, amount in await RollupRow.filter(
        shop_id=shop_id, metric__in=KEPT
    ).values_list("day", "version", "metric", "dim", "n", "amount"):
        figures.add(out, (day, version, metric, dim), int(n), Decimal(amount))
    return out


async def recompute(shop_id: int) -> Contribution:
    """Every rollup figure of the shop, counted from scratch (zero figures left out)."""
    out = await _events(shop_id)
    for rows in (await sources(shop_id))[1].values():
        _merge(out, rows)
    return {key: value for key, value in out.items() if value[0] or value[1]}


async def current(shop_id: int) -> Contribution:
    """Every rollup figure of the shop as the rollups hold it now (zero figures left out)."""
    out: Contribution = {}
    for day, version, metric, dim, n, amount in await RollupRow.filter(shop_id=shop_id).values_list(
        "day", "version", "metric", "dim", "n", "amount"
    ):
        figures.add(out, (day, version, metric, dim), int(n), Decimal(amount))
    return {key: value for key, value in out.items() if value[0] or value[1]}


async def rebuild(shop_id: int) -> int:
    """Replace the shop's rollups with a count from scratch; how many figures it wrote."""
    facts, rows = await sources(shop_id)
    totals = await _events(shop_id)
    for contribution in rows.values():
        _merge(totals, contribution)
    async with in_transaction() as tx:
        await RollupRow.filter(shop_id=shop_id).using_db(tx).delete()
        await RollupSource.filter(shop_id=shop_id).using_db(tx).delete()
        names = sorted(rows)
        for start in range(0, len(names), CHUNK):
            await RollupSource.bulk_create(
                [
                    RollupSource(shop_id=shop_id, source=name, facts=facts[name],
                                 rows=figures.rows_json(rows[name]))
                    for name in names[start : start + CHUNK]
                ],
                using_db=tx,
            )  # fmt: skip
        kept = {key: value for key, value in sorted(totals.items()) if value[0] or value[1]}
        await write(tx, shop_id, kept)
    return len(kept)
