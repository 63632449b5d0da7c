"""Queueing failed rewards again, once the cause is fixed (the store is back, a customer exists).

A failed reward goes back to `pending` with a fresh retry budget and is issued by the outbox as
any other: its code is the same deterministic one, and "already exists" reads back as success,
so a reward retried after an outage reaches the store exactly once. The move is one conditional
UPDATE (`status = failed`), so two people retrying at once queue it once. Store credit that may
already be in the store (`store_credit_unconfirmed`) is never re-sent this way: a person checks
the store first (`issuing.confirm_store_credit`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from connector.services.base.runtime import Runtime
from connector.services.rewards.actions import CREDIT_UNCONFIRMED
from connector.services.rewards.loyalty import POINTS_RETURNED
from connector.store.models import Reward, RewardStatus, Shop

log = logging.getLogger("connector.rewards")


@dataclass(frozen=True)
class Retried:
    """Which rewards were queued again, and which were not, each with why."""

    queued: tuple[int, ...]
    refused: tuple[tuple[int, str], ...]


def _why_not(reward: Reward | None, reward_id: int) -> str | None:
    if reward is None:
        return f"no reward {reward_id}"
    if reward.status != RewardStatus.FAILED:
        return f"reward {reward_id} is {reward.status}, not failed"
    if reward.reason == CREDIT_UNCONFIRMED:
        return (
            f"reward {reward_id} is store credit that may already be in the store: check the"
            " customer's store credit, then confirm it or resend it"
        )
    if reward.reason == POINTS_RETURNED:
        return (
            f"reward {reward_id} is a redemption whose points went back to the member; they can"
            " redeem again"
        )
    return None


async def _queue(runtime: Runtime, reward: Reward) -> bool:
    """Back to pending with a fresh budget; False when it was not failed any more."""
    # One attempt stays counted once tried: "never tried" (0) tells a refund nothing can be in
    # the store, which a try that timed out cannot promise.
    changed = await Reward.filter(id=reward.id, status=RewardStatus.FAILED).update(
        status=RewardStatus.PENDING.value,
        attempts=min(reward.attempts, 1),
        next_attempt_at=runtime.now(),
        lease_token=None,
        lease_until=None,
        reason=None,
        updated_at=runtime.now(),
    )
    return bool(changed)


async def retry_rewards(
    runtime: Runtime,
    ids: Sequence[int] = (),
    *,
    shop: Shop | None = None,
    all_failed: bool = False,
) -> Retried:
    """Queue the named failed rewards (or every failed one) of `shop` (any shop when None)."""
    query = Reward.all() if shop is None else Reward.filter(shop_id=shop.id)
    if all_failed:
        rows = await query.filter(status=RewardStatus.FAILED).order_by("id")
        wanted = [r.id for r in rows]
    else:
        wanted = list(dict.fromkeys(ids))
        rows = await query.filter(id__in=wanted)
    found = {r.id: r for r in rows}
    queued: list[int] = []
    refused: list[tuple[int, str]] = []
    for reward_id in wanted:
        reward = found.get(reward_id)
        why = _why_not(reward, reward_id)
        if why is None and reward is not None and not await _queue(runtime, reward):
            why = f"reward {reward_id} is not failed any more"
        if why is None:
            queued.append(reward_id)
        else:
            refused.append((reward_id, why))
    if queued:
        log.info("rewards queued again: %s", ", ".join(map(str, queued)))
    return Retried(tuple(queued), tuple(refused))
