"""Rollup rows: written in the transaction of the events they count, and folded by `compact`.

`count` adds one event that is only ever added (a widget view, a share, a join, a link click, a
claim); `write` adds rows (services.analytics.sources writes a customer's or a referral's
restated difference with it). Rows are only inserted; `compact` folds a shop's rows into one per key (idempotent, resumable:
it takes the rows it folds by lock, so two compactions never fold a row twice).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from connector.services.analytics import figures
from connector.services.analytics.figures import Contribution
from connector.store.models import RollupRow

COMPACT_DAYS = 31


async def write(
    db: BaseDBAsyncClient, shop_id: int, rows: Mapping[figures.Key, tuple[int, Decimal]]
) -> None:
    """Insert rollup rows for the shop (nothing when there is nothing to add)."""
    if not rows:
        return
    await RollupRow.bulk_create(
        [
            RollupRow(shop_id=shop_id, day=day, version=version, metric=metric, dim=dim[:64],
                      n=n, amount=amount)
            for (day, version, metric, dim), (n, amount) in rows.items()
        ],
        using_db=db,
    )  # fmt: skip


async def count(
    db: BaseDBAsyncClient, shop_id: int, metric: str, at: datetime, dim: str = "", version: int = 0
) -> None:
    """One event of `metric` on the day of `at` (a view, a share by channel, a join, a click)."""
    await write(db, shop_id, {(figures.day_of(at, at), version, metric, dim): (1, figures.ZERO)})


async def compact(shop_id: int, days: int = COMPACT_DAYS) -> int:
    """Fold the shop's rows into one per key, `days` days at a time; how many rows it folded.

    The rows of the days it folds are locked before they are read, and a row another
    compaction deleted meanwhile is skipped, so a row is never folded twice. Run it until it
    answers 0 (it is resumable: each call commits what it folded).
    """
    folded = 0
    while True:
        async with in_transaction() as tx:
            found = await (
                RollupRow.filter(shop_id=shop_id)
                .using_db(tx)
                .annotate(rows=Count("id"))
                .group_by("day", "version", "metric", "dim")
                .filter(rows__gt=1)
                .limit(days)
                .values_list("day", flat=True)
            )
            if not found:
                return folded
            rows = await (
                RollupRow.filter(shop_id=shop_id, day__in=sorted(set(found)))
                .using_db(tx)
                .order_by("id")
                .select_for_update()
                .values_list("id", "day", "version", "metric", "dim", "n", "amount")
            )
            sums: Contribution = {}
            ids: dict[figures.Key, list[int]] = {}
            for row_id, day, version, metric, dim, n, amount in rows:
                key = (day, version, metric, dim)
                figures.add(sums, key, int(n), Decimal(amount))
                ids.setdefault(key, []).append(row_id)
            many = {key for key, its in ids.items() if len(its) > 1}
            if not many:
                return folded  # another compaction folded them meanwhile
            await (
                RollupRow.filter(id__in=[i for key in many for i in ids[key]]).using_db(tx).delete()
            )
            await write(tx, shop_id, {k: sums[k] for k in sorted(many) if sums[k][0] or sums[k][1]})
            folded += sum(len(ids[key]) for key in many)


async def compact_all(runtime: object = None) -> int:  # a worker job: takes the runtime
    """Compact every shop's rollups (the worker's periodic job); how many rows it folded."""
    shops = await RollupRow.all().distinct().values_list("shop_id", flat=True)
    return sum([await compact(int(str(shop_id))) for shop_id in sorted(set(shops))])
