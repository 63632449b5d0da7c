"""Running counts of a shop's rows (`ShopTally`): advocates, link clicks, referrals by state.

Whoever writes a counted row adds to its count in the same transaction (`add`), so the counts
are exact at every commit, and `counts` reads a few rows however many the shop has. Migration
7 counted the rows that existed before it. Each count is split over SHARDS rows by advocate, so
concurrent writers of one shop rarely wait on each other.
"""

from __future__ import annotations

from collections.abc import Hashable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Sum

from connector.services.base import deferred
from connector.store.db import sql
from connector.store.models import ShopTally

SHARDS = 8
ADVOCATES, CLICKS, REFERRALS = "advocates", "clicks", "referrals."


async def add(db: BaseDBAsyncClient, shop_id: int, name: str, advocate_id: int, delta: int) -> None:
    """Add `delta` to the shop's count `name`, on the advocate's shard (in a worker's batch,
    with the batch's other additions before it commits: services.base.deferred)."""
    await deferred.add(db, "shop_tally", (shop_id, name, advocate_id % SHARDS), delta, _write)


_UPSERT = (
    "INSERT INTO shop_tally (shop_id, name, shard, n) VALUES {rows}"
    " ON CONFLICT (shop_id, name, shard) DO UPDATE SET n = shop_tally.n + excluded.n"
)


async def _write(db: BaseDBAsyncClient, sums: dict[Hashable, int]) -> None:
    """Add each sum to its (shop, name, shard) row, making the rows that are not there yet."""
    rows = ", ".join("(?, ?, ?, ?)" for _ in sums)
    values = [v for key, n in sums.items() for v in (*key, n)]  # type: ignore[misc]
    await db.execute_query(sql(_UPSERT.format(rows=rows), db), values)


async def counts(shop_id: int) -> dict[str, int]:
    """Every count the shop has, by name."""
    rows = await (
        ShopTally.filter(shop_id=shop_id)
        .annotate(total=Sum("n"))
        .group_by("name")
        .values_list("name", "total")
    )
    return {str(name): int(total or 0) for name, total in rows}
