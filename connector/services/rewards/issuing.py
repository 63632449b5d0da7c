"""Issuing rewards: the outbox job that puts each approved reward into the store exactly once.

The referral service writes Reward rows (status `pending`, deterministic idempotency keys) when
a hold ends, and marks them `deactivate_pending` after a refund. This job leases due rows
(rewards.outbox), calls the store with no transaction open (rewards.actions), then
records the result in one short transaction guarded by the lease: the status, the code and the
store's reference, ledger entries, and, once every reward of an approved referral is out, the
referral's move to `rewarded`.

Failures: a rate limit retries after the wait it names; an outage retries with backoff until
the attempts run out (`failed`); a refusal fails at once with the store's message; a shop whose
credentials need the merchant waits without using up attempts (its rows are not even leased
while it is marked `needs_reauth`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from connector.domain.reasons import Reason
from connector.domain.referral import EventKind, ReferralState
from connector.errors import LeaseLost
from connector.services.analytics import sources
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.outbound import events
from connector.services.referrals.notices import reward_earned
from connector.services.referrals.programs import live_program
from connector.services.referrals.records import Cause, move
from connector.services.rewards.actions import (
    CREDIT_UNCONFIRMED,
    Result,
    error_text,
    failed,
    issue,
    take_back,
)
from connector.services.rewards.loyalty import (
    POINTS_RETURNED,
    append_entry,
    is_redemption,
    points_expiry,
    return_points,
)
from connector.services.rewards.outbox import Lease, guarded, lease_rewards, retry_later, settled
from connector.services.rewards.vip import is_tag, review_member
from connector.store.models import DiscountCode, Referral, Reward, RewardStatus, Shop
from platforms.base import (
    PlatformAuthError,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
)

log = logging.getLogger("connector.issuing")

JOB = "issue_due_rewards"
BATCH = 50
MAX_BATCHES = 20
# Spaces the tries of a reward whose call was refused for auth (the shop is usually marked
# needs_reauth by then, and its rows are not leased until the merchant is back).
REAUTH_WAIT_SECONDS = 900.0
STORE_REFUSED = "store_refused"  # a failed reward's reason: the store said no to it
TAKEN_BACK = frozenset({RewardStatus.DEACTIVATED.value, RewardStatus.CLAWBACK.value})
OUT = frozenset({RewardStatus.ISSUED.value, RewardStatus.RECORDED.value, RewardStatus.PAID.value})


async def issue_due_rewards(runtime: Runtime) -> int:
    """Issue (or take back) every due reward; return how many reached a settled status."""
    done = 0
    for _ in range(MAX_BATCHES):
        leases = await lease_rewards(runtime, BATCH)
        if not leases:
            break
        for lease in leases:
            done += await settle(runtime, lease) not in ("retry", "lost")
    return done


async def settle(runtime: Runtime, lease: Lease) -> str:
    """Process one leased reward; return its new status, `retry`, or `lost`."""
    reward = await Reward.get_or_none(id=lease.reward_id)
    if reward is None or reward.lease_token != lease.token:
        return "lost"
    shop = await Shop.get(id=fk(reward, "shop"))
    outcome = await _settle(runtime, shop, reward, lease)
    if outcome == RewardStatus.FAILED:
        await _report_failure(shop, reward.id)
    return outcome


async def _report_failure(shop: Shop, reward_id: int) -> None:
    """Say why a reward failed and how to queue it again; alert when a shop's rewards start failing."""
    row = await Reward.get_or_none(id=reward_id)
    if row is None:
        return
    log.warning(
        "reward %s (%s %s) of %s failed (%s): %s; once the cause is fixed, queue it again with"
        " `connector rewards retry %s`",
        row.id, row.kind, row.side, shop.domain, row.reason or "refused", row.last_error,
        row.id,
    )  # fmt: skip
    failing = await Reward.filter(shop_id=shop.id, status=RewardStatus.FAILED).count()
    if failing == 1:
        # The first failure after none: the merchant's admin shows it under GET /admin/api/alerts.
        log.error(
            "%s: rewards have started failing (reward %s): %s", shop.domain, row.id, row.last_error
        )


async def _settle(runtime: Runtime, shop: Shop, reward: Reward, lease: Lease) -> str:
    """Issue or take back one leased reward, recording the outcome under the lease."""
    retry: dict[str, Any] = {"attempts": reward.attempts}
    try:
        if reward.status == RewardStatus.DEACTIVATE_PENDING:
            result = await take_back(runtime, shop, reward)
        else:
            result = await issue(runtime, shop, reward, lease)
        return await _record(runtime, reward, lease, result)
    except LeaseLost:
        log.warning("reward %s: lease lost, left to its new owner", reward.id)
        return "lost"
    except PlatformRateLimited as exc:
        retry.update(after=exc.retry_after, not_its_fault=True)
        error = error_text(exc)
    except PlatformAuthError as exc:
        retry.update(after=REAUTH_WAIT_SECONDS, not_its_fault=True)
        error = error_text(exc)
    except PlatformRejected as exc:
        return await _record(runtime, reward, lease, failed(error_text(exc), STORE_REFUSED))
    except PlatformUnavailable as exc:
        error = error_text(exc)
    except Exception as exc:  # a bug must not stop the other rewards; the row keeps the error
        log.exception("reward %s: unexpected failure", reward.id)
        error = error_text(exc)
    return await retry_later(lease, runtime, error, **retry)


async def _record(runtime: Runtime, reward: Reward, lease: Lease, result: Result) -> str:
    """Write the result under the lease, with its ledger entries and the referral's progress."""
    now = runtime.now()
    facts = {k: v for k, v in (("code", result.code), ("platform_ref", result.platform_ref)) if v}
    give_back = (
        result.status == RewardStatus.FAILED
        and result.reason != CREDIT_UNCONFIRMED
        and is_redemption(reward)
    )
    expires_at = None
    shop = await Shop.get(id=fk(reward, "shop"))
    if give_back:
        expires_at = await points_expiry(runtime, shop, None, now)
    # Points earned (a referral's, a stamp card's) count towards the member's VIP tier.
    earns = any(e["points"] > 0 for e in result.ledger) and fk(reward, "advocate") is not None
    loyalty = (await live_program(runtime, shop)).program.loyalty if earns else None
    async with in_transaction() as tx:
        row = await Reward.filter(id=reward.id).using_db(tx).select_for_update().first()
        if row is None or row.lease_token != lease.token:
            if facts:
                log.warning("reward %s: lease lost after the store call: %s", reward.id, facts)
            raise LeaseLost(f"reward {reward.id} was leased by another worker")
        if row.status != reward.status:
            # A refund changed the reward while we were at the store: keep what the store now
            # holds, and leave the row due at once for its new status.
            await guarded(lease, runtime, tx, **settled(row.status, **facts))
            return "retry"
        values = settled(result.status, last_error=result.error, **facts)
        # A refund's reason (why it is taken back) stays; a failure says why it failed.
        if result.reason is not None and (
            row.reason is None or result.status == RewardStatus.FAILED
        ):
            values["reason"] = result.reason
        if result.status in (RewardStatus.ISSUED, RewardStatus.RECORDED):
            values["issued_at"] = now
        returned = await return_points(tx, reward, now, expires_at) if give_back else None
        if returned is not None:
            # A redemption the store refused: its points go back in the same transaction.
            values["reason"] = POINTS_RETURNED
        await guarded(lease, runtime, tx, **values)
        if result.status in (RewardStatus.ISSUED, RewardStatus.RECORDED):
            await announce_issued(tx, reward, result.code or reward.code, now)
            if not is_tag(reward):  # a tier's tag is no reward to tell of: tier_reached did
                await reward_earned(tx, row, now, result.code)
        for entry in (*result.ledger, *((returned,) if returned else ())):
            await _append(tx, reward, entry, now)
        if loyalty is not None:
            await review_member(runtime, tx, shop, loyalty, fk(reward, "advocate"))
        if result.code_status is not None:
            await _track_code(tx, reward, result, now)
        if result.status in OUT and fk(reward, "referral") is not None:
            await _maybe_rewarded(tx, fk(reward, "referral"), now)
        if result.status in TAKEN_BACK and fk(reward, "referral") is not None:
            # A reward taken back no longer costs the merchant: the referral's figures follow.
            referral = await Referral.get(id=fk(reward, "referral"), using_db=tx)
            await sources.referral_changed(tx, referral)
    log.info("reward %s (%s %s): %s", reward.id, reward.kind, reward.side, result.status)
    return result.status


async def announce_issued(
    tx: BaseDBAsyncClient, reward: Reward, code: str | None, now: datetime
) -> None:
    """Queue the outbound webhook of a reward that reached the store (or was recorded)."""
    data = {
        "reward_id": reward.id,
        "referral_id": fk(reward, "referral"),
        "advocate_id": fk(reward, "advocate"),
        "side": reward.side,
        "kind": reward.kind,
        "amount": str(reward.amount) if reward.amount is not None else None,
        "currency": reward.currency,
        "points": reward.points,
        "code": code,
        "issued_at": now.isoformat(),
    }
    await events.enqueue(tx, fk(reward, "shop"), events.REWARD_ISSUED, str(reward.id), data, now)


async def _append(
    tx: BaseDBAsyncClient, reward: Reward, entry: dict[str, Any], now: datetime
) -> None:
    """Append a ledger entry once: its idempotency key is unique per shop."""
    await append_entry(tx, fk(reward, "shop"), fk(reward, "advocate"), created_at=now, **entry)


async def _track_code(tx: BaseDBAsyncClient, reward: Reward, result: Result, now: datetime) -> None:
    """Keep the reward's code among the shop's discount codes, with its store status."""
    code = result.code or reward.code
    if code is None:
        return
    platform_id = result.platform_ref or reward.platform_ref
    row, created = await DiscountCode.get_or_create(
        shop_id=fk(reward, "shop"),
        code=code,
        defaults={
            "advocate_id": fk(reward, "advocate"),
            "purpose": "reward",
            "status": result.code_status,
            "platform_id": platform_id,
            "created_at": now,
        },
        using_db=tx,
    )
    if not created:
        row.status = str(result.code_status)
        row.platform_id = platform_id or row.platform_id
        await row.save(using_db=tx, update_fields=["status", "platform_id", "updated_at"])


async def _maybe_rewarded(tx: BaseDBAsyncClient, referral_id: int, now: datetime) -> None:
    """Move an approved referral to rewarded once none of its rewards is still on its way."""
    referral = await Referral.filter(id=referral_id).using_db(tx).select_for_update().first()
    if referral is None or referral.state != ReferralState.APPROVED.value:
        return
    if await Reward.filter(referral_id=referral_id).exclude(status__in=OUT).using_db(tx).exists():
        return
    note = "Every reward of the referral is in the store or recorded."
    await move(
        referral, EventKind.REWARDS_ISSUED, Reason.REWARDS_ISSUED, Cause.job(JOB), now, tx, note
    )


async def confirm_store_credit(runtime: Runtime, reward_id: int, *, landed: bool, by: str) -> str:
    """After a person checked the store: an unconfirmed credit is issued, or queued to resend."""
    if not by.strip():
        raise ValueError("say who checked the store")
    now = runtime.now()
    async with in_transaction() as tx:
        reward = await Reward.filter(id=reward_id).using_db(tx).select_for_update().first()
        if (
            reward is None
            or reward.reason != CREDIT_UNCONFIRMED
            or reward.status != RewardStatus.FAILED
        ):
            raise LookupError(f"reward {reward_id} is no store credit waiting for a check")
        values: dict[str, Any]
        if landed:
            ref = f"confirmed by {by.strip()}"[:255]
            values = {"status": RewardStatus.ISSUED.value, "issued_at": now, "platform_ref": ref}
        else:
            # Confirmed absent: nothing is in the store, so it is as good as never tried.
            values = {
                "status": RewardStatus.PENDING.value,
                "attempts": 0,
                "platform_ref": None,
                "next_attempt_at": now,
            }
        await Reward.filter(id=reward_id).using_db(tx).update(
            reason=None, last_error=None, lease_token=None, lease_until=None, updated_at=now,
            **values,
        )  # fmt: skip
        if landed:
            await announce_issued(tx, reward, reward.code, now)
            await reward_earned(tx, reward, now)
        if landed and fk(reward, "referral") is not None:
            await _maybe_rewarded(tx, fk(reward, "referral"), now)
    log.info("reward %s: store credit confirmed %s by %s", reward_id, landed, by)
    return str(values["status"])
