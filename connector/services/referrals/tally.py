"""The shop's referrals counted by state, kept with every change (see services.base.tally)."""

from __future__ import annotations

from collections.abc import Mapping

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.domain.referral import ReferralState
from connector.services.base import tally


async def count_change(
    db: BaseDBAsyncClient, shop_id: int, advocate_id: int, from_state: str | None, to_state: str
) -> None:
    """One referral of the shop went from `from_state` (None: new) to `to_state`.

    The two rows are taken in the order of their names, whichever way the referral moves
    (pending -> flagged and flagged -> pending both exist), so two transactions take a shard's
    rows in the same order and do not deadlock on them.
    """
    if from_state == to_state:
        return
    deltas = {tally.REFERRALS + to_state: 1}
    if from_state is not None:
        deltas[tally.REFERRALS + from_state] = -1
    for name in sorted(deltas):
        await tally.add(db, shop_id, name, advocate_id, deltas[name])


def state_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """The referrals by state from the shop's `tally.counts` (every state listed, zeros too)."""
    return {s.value: counts.get(tally.REFERRALS + s.value, 0) for s in ReferralState}
