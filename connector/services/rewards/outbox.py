"""The reward outbox: lease due Reward rows, then settle each under its lease.

The leasing, the guarded writes and the backoff are the pipeline's outbox helpers
(`services.pipeline.outbox`, shared with the outbound webhooks); this module names the reward's
due states and what a reward that used up its tries becomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.services.base.runtime import Runtime
from connector.services.pipeline import outbox
from connector.store.models import Reward, RewardStatus

ATTEMPTS_EXHAUSTED = "attempts_exhausted"  # a failed reward's reason: every try failed
DUE = (RewardStatus.PENDING.value, RewardStatus.DEACTIVATE_PENDING.value)
settled = outbox.settled


@dataclass(frozen=True)
class Lease:
    """One leased reward and the token that proves it is ours."""

    reward_id: int
    token: str


async def lease_rewards(runtime: Runtime, limit: int) -> list[Lease]:
    """Lease up to `limit` due rewards (to issue, or to take back) to this caller."""
    token, ids = await outbox.lease(runtime, Reward, DUE, limit)
    return [Lease(reward_id, token) for reward_id in ids]


async def guarded(
    lease: Lease, runtime: Runtime, tx: BaseDBAsyncClient | None = None, **values: Any
) -> bool:
    """Write `values` to the leased row if the lease is still ours; False when it was lost."""
    return await outbox.guarded(
        Reward, lease.reward_id, lease.token, tx, updated_at=runtime.now(), **values
    )


async def retry_later(
    lease: Lease,
    runtime: Runtime,
    error: str,
    *,
    attempts: int,
    after: float | None = None,
    not_its_fault: bool = False,
) -> str:
    """Release the lease and schedule another try; after too many tries the reward fails.

    A try that was not the reward's fault (throttled, waiting for re-authorisation) gives its
    attempt back, so waiting does not use the reward's attempts up; never below one, though,
    because "never tried" (0) tells the referral service that nothing of it can be in a store.
    """
    values = outbox.later(runtime, attempts, error, after=after, not_its_fault=not_its_fault)
    if values is None:
        failed = settled(RewardStatus.FAILED.value, last_error=error, reason=ATTEMPTS_EXHAUSTED)
        await guarded(lease, runtime, **failed)
        return RewardStatus.FAILED.value
    await guarded(lease, runtime, **values)
    return "retry"
