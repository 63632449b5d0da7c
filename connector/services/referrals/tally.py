"""The shop's referrals counted by state, kept with every change (see services.base.tally)."""

from __future__ import annotations

from collections.abc import Mapping

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.domain.referral import ReferralState
from connector.services.base import tally


async def count_change(
    db: BaseDBAsyncClient, shop_id: int, advocate_id: int, from_state: str | None, to_state: str
) -> None:
    """One referral of the shop went from `from_state` (None: new) to `to_state`."""
    if from_state == to_state:
        return
    if from_state is not None:
        await tally.add(db, shop_id, tally.REFERRALS + from_state, advocate_id, -1)
    await tally.add(db, shop_id, tally.REFERRALS + to_state, advocate_id, 1)


def state_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """The referrals by state from the shop's `tally.counts` (every state listed, zeros too)."""
    return {s.value: counts.get(tally.REFERRALS + s.value, 0) for s in ReferralState}
