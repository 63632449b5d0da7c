"""Running counts of a shop's rows (`ShopTally`): advocates, link clicks, referrals by state.

Whoever writes a counted row adds to its count in the same transaction (`add`), so the counts
are exact at every commit, and `counts` reads a few rows however many the shop has. Migration
7 counted the rows that existed before it. Each count is split over SHARDS rows by advocate, so
concurrent writers of one shop rarely wait on each other.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Sum

from connector.services.base.savepoints import savepoint
from connector.store.models import ShopTally

SHARDS = 8
ADVOCATES, CLICKS, REFERRALS = "advocates", "clicks", "referrals."


async def add(db: BaseDBAsyncClient, shop_id: int, name: str, advocate_id: int, delta: int) -> None:
    """Add `delta` to the shop's count `name`, on the advocate's shard."""
    shard = advocate_id % SHARDS
    row = ShopTally.filter(shop_id=shop_id, name=name, shard=shard).using_db(db)
    if await row.update(n=F("n") + delta):
        return
    try:
        async with savepoint(db) as point:
            await ShopTally.create(shop_id=shop_id, name=name, shard=shard, n=delta, using_db=point)
    except IntegrityError:
        await row.update(n=F("n") + delta)  # a concurrent first change made the row


async def counts(shop_id: int) -> dict[str, int]:
    """Every count the shop has, by name."""
    rows = await (
        ShopTally.filter(shop_id=shop_id)
        .annotate(total=Sum("n"))
        .group_by("name")
        .values_list("name", "total")
    )
    return {str(name): int(total or 0) for name, total in rows}
