"""The reward outbox: lease due Reward rows, then settle each under its lease.

A lease (services.base.leases) stamps a batch of due rows with a fresh token and an expiry in
one UPDATE, so two workers never lease the same row. The status does not change while a row is leased: a lapsed
lease simply makes the row due again. Every later write is guarded by the token, so a worker whose
lease was taken over changes nothing. Rows of shops that are not active (uninstalled, waiting
for the merchant to re-authorise) are not leased at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.services.base.leases import lease_due
from connector.services.base.runtime import Runtime
from connector.services.pipeline.worker import backoff_seconds
from connector.store.models import Reward, RewardStatus

ATTEMPTS_EXHAUSTED = "attempts_exhausted"  # a failed reward's reason: every try failed
DUE = (RewardStatus.PENDING.value, RewardStatus.DEACTIVATE_PENDING.value)

# Due: to issue or to take back, its backoff over, not leased by a live worker, its shop active.
_DUE = (
    "status IN (?, ?) AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
    " AND (lease_until IS NULL OR lease_until < ?)"
    " AND shop_id IN (SELECT id FROM shop WHERE status = 'active')"
)


@dataclass(frozen=True)
class Lease:
    """One leased reward and the token that proves it is ours."""

    reward_id: int
    token: str


async def lease_rewards(runtime: Runtime, limit: int) -> list[Lease]:
    """Lease up to `limit` due rewards (to issue, or to take back) to this caller."""
    now = runtime.now()
    token, ids = await lease_due(runtime, "reward", _DUE, [*DUE, now, now], limit)
    return [Lease(reward_id, token) for reward_id in ids]


async def guarded(
    lease: Lease, runtime: Runtime, tx: BaseDBAsyncClient | None = None, **values: Any
) -> bool:
    """Write `values` to the leased row if the lease is still ours; False when it was lost."""
    query = Reward.filter(id=lease.reward_id, lease_token=lease.token)
    if tx is not None:
        query = query.using_db(tx)
    return bool(await query.update(updated_at=runtime.now(), **values))


def settled(status: str, **values: Any) -> dict[str, Any]:
    """The columns of a row leaving the outbox with `status` (lease released)."""
    return {
        "status": status,
        "lease_token": None,
        "lease_until": None,
        "next_attempt_at": None,
        **values,
    }


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

    `after` (seconds) overrides the backoff (a rate limit says how long). A try that was not the
    reward's fault (throttled, waiting for re-authorisation) gives its attempt back, so waiting
    does not use the reward's attempts up; never below one, though, because "never tried" (0)
    tells the referral service that nothing of the reward can be in a store.
    """
    worker = runtime.settings.worker
    if not not_its_fault and attempts >= worker.max_attempts:
        values = settled(RewardStatus.FAILED.value, last_error=error, reason=ATTEMPTS_EXHAUSTED)
        await guarded(lease, runtime, **values)
        return RewardStatus.FAILED.value
    if after is None:
        after = backoff_seconds(attempts, worker.backoff_base_seconds, worker.backoff_max_seconds)
    await guarded(
        lease,
        runtime,
        lease_token=None,
        lease_until=None,
        next_attempt_at=runtime.now() + timedelta(seconds=after),
        last_error=error,
        attempts=max(attempts - 1, 1) if not_its_fault else attempts,
    )
    return "retry"
