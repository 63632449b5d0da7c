"""The shop's referrals counted by state, kept current with every change (`ReferralTally`).

`records.record_event` calls `count_change` in the transaction that creates a referral or moves
it, so the counts are exact at every commit; `state_counts` sums a few rows, however many
referrals the shop has. Migration 7 counted the referrals that existed before it.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Sum

from connector.domain.referral import ReferralState
from connector.services.base.savepoints import savepoint
from connector.store.models import ReferralTally

# Rows per shop and state: one advocate's changes always land on the same one.
SHARDS = 8


async def _add(db: BaseDBAsyncClient, shop_id: int, state: str, shard: int, delta: int) -> None:
    row = ReferralTally.filter(shop_id=shop_id, state=state, shard=shard).using_db(db)
    if await row.update(n=F("n") + delta):
        return
    try:
        async with savepoint(db) as point:
            await ReferralTally.create(
                shop_id=shop_id, state=state, shard=shard, n=delta, using_db=point
            )
    except IntegrityError:
        await row.update(n=F("n") + delta)  # a concurrent first change made the row


async def count_change(
    db: BaseDBAsyncClient, shop_id: int, advocate_id: int, from_state: str | None, to_state: str
) -> None:
    """One referral of the shop went from `from_state` (None: new) to `to_state`."""
    if from_state == to_state:
        return
    shard = advocate_id % SHARDS
    if from_state is not None:
        await _add(db, shop_id, from_state, shard, -1)
    await _add(db, shop_id, to_state, shard, 1)


async def state_counts(shop_id: int) -> dict[str, int]:
    """How many of the shop's referrals are in each state (every state listed, zeros too)."""
    rows = await (
        ReferralTally.filter(shop_id=shop_id)
        .annotate(total=Sum("n"))
        .group_by("state")
        .values_list("state", "total")
    )
    found = {str(state): int(total or 0) for state, total in rows}
    return {s.value: found.get(s.value, 0) for s in ReferralState}
