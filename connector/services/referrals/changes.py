"""A credited order changes: a cancel or (partial) refund applied to its referral and rewards.

During the hold a cancel or refund voids the referral. After approval each reward is taken back
as far as it got: one the outbox never tried is deactivated at once (nothing of it is in a
store); others become `deactivate_pending` for the outbox, or `clawback` when an order used the
reward's code or a person paid it out. A partial refund recomputes the planned rewards: an untried reward is lowered in
place; an issued one keeps what it gave, and the excess is recorded as a `clawback` row (keyed
`{key}:partial:{new value}`), superseded if the order is later refunded in full.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from connector.domain.reasons import Reason
from connector.domain.referral import FINAL_STATES, EventKind, ReferralState
from connector.domain.rewards.amounts import RewardPlan
from connector.domain.rules.decision import AdjustmentAction, Decision, Outcome, RewardAdjustment
from connector.domain.rules.facts import OrderFacts
from connector.domain.rules.lifecycle import on_order_change
from connector.services.base.runtime import Runtime
from connector.services.base.savepoints import savepoint
from connector.services.referrals.advocates import domain_id
from connector.services.referrals.notices import reward_reversed
from connector.services.referrals.programs import program_version
from connector.services.referrals.records import (
    LIVE_REWARD,
    Cause,
    existing_referral,
    move,
    plans_json,
    reward_amounts,
)
from connector.store.models import Advocate, Referral, Reward, RewardStatus, Shop

SUPERSEDED = "superseded"

_CHANGE_EVENT = {
    Reason.CANCELLED: EventKind.CANCEL,
    Reason.REFUNDED: EventKind.REFUND,
    Reason.BELOW_MINIMUM: EventKind.REFUND,
    Reason.PARTIAL_REFUND: EventKind.PARTIAL_REFUND,
}


async def order_changed(
    runtime: Runtime,
    shop: Shop,
    referral: Referral,
    facts: OrderFacts,
    cause: Cause,
    tx: BaseDBAsyncClient,
) -> Decision | None:
    """Apply a later state of a credited order to its (locked) referral; the decision, if any."""
    if ReferralState(referral.state) in FINAL_STATES:
        return None
    if facts.refunded == referral.refunded and not facts.cancelled:
        return None  # the same news again (a duplicate, or an update that changes nothing here)
    advocate = await Advocate.get(id=referral.advocate_id, using_db=tx)  # type: ignore[attr-defined]
    program = await program_version(shop.id, referral.program_version, tx)
    rows = await Reward.filter(referral_id=referral.id).using_db(tx).select_for_update()
    current = existing_referral(referral, shop.domain, domain_id(advocate), rows)
    now = runtime.now()
    decision = on_order_change(facts, current, program, now)
    referral.refunded = facts.refunded
    referral.updated_at = now
    if decision.outcome is Outcome.RECOMPUTE:
        referral.reward_plans = plans_json(decision.rewards)
    await referral.save(using_db=tx, update_fields=["refunded", "reward_plans", "updated_at"])
    if decision.outcome is Outcome.IGNORE or decision.reason is None:
        return decision
    await _adjust_rewards(shop, rows, decision, tx, now)
    note = " ".join(a.note for a in decision.adjustments)
    kind = _CHANGE_EVENT[decision.reason]
    await move(referral, kind, decision.reason, cause, now, tx, note)
    return decision


async def _untouched(row: Reward, db: BaseDBAsyncClient, **values: Any) -> bool:
    """Change a reward the outbox has never tried (so nothing of it is in a store); False if it has."""
    changed = await (
        Reward.filter(
            id=row.id,
            status__in=(RewardStatus.PENDING, RewardStatus.AWAITING_CHOICE),
            lease_token__isnull=True,
            attempts=0,
        )
        .using_db(db)
        .update(**values)
    )
    return bool(changed)


async def _adjust_rewards(
    shop: Shop,
    rows: list[Reward],
    decision: Decision,
    db: BaseDBAsyncClient,
    now: datetime,
) -> None:
    by_key = {r.idempotency_key: r for r in rows}
    lowered = {p.idempotency_key: p for p in decision.rewards}
    for change in decision.adjustments:
        row = by_key.get(change.idempotency_key)
        if row is None:
            continue  # approved but not written yet cannot happen: rows come with approval
        if change.reason is Reason.PARTIAL_REFUND:
            await _lower(shop, row, lowered[change.idempotency_key], change, db, now)
        else:
            await _take_back(shop, row, change, db, now)


# A reward in one of these states was announced to the advocate; taking it back is told too.
_TOLD = (RewardStatus.ISSUED, RewardStatus.RECORDED, RewardStatus.PAID)


async def _take_back(
    shop: Shop, row: Reward, change: RewardAdjustment, db: BaseDBAsyncClient, now: datetime
) -> None:
    reason = change.reason.value
    if row.status in _TOLD:
        await reward_reversed(db, row, now)
    never_sent = change.action is AdjustmentAction.DEACTIVATE and await _untouched(
        row, db, status=RewardStatus.DEACTIVATED, reason=reason, updated_at=now
    )
    if not never_sent:
        # Money a person paid out cannot be taken back by the outbox: it is owed back.
        paid = row.status == RewardStatus.PAID
        status = (
            RewardStatus.DEACTIVATE_PENDING
            if change.action is AdjustmentAction.DEACTIVATE and not paid
            else RewardStatus.CLAWBACK
        )
        await (
            Reward.filter(id=row.id, status__in=LIVE_REWARD)
            .using_db(db)
            .update(status=status, reason=reason, next_attempt_at=now, updated_at=now)
        )
    # What partial refunds recorded as owed is part of the whole reward now taken back.
    await (
        Reward.filter(
            shop_id=shop.id,
            idempotency_key__startswith=f"{row.idempotency_key}:partial:",
            status=RewardStatus.CLAWBACK,
        )
        .using_db(db)
        .update(status=RewardStatus.DEACTIVATED, reason=SUPERSEDED, updated_at=now)
    )


async def _lower(
    shop: Shop,
    row: Reward,
    plan: RewardPlan,
    change: RewardAdjustment,
    db: BaseDBAsyncClient,
    now: datetime,
) -> None:
    """A partial refund lowered a value-based reward: lower it, or record the excess as owed."""
    if await _untouched(row, db, **reward_amounts(plan), updated_at=now):
        return
    # It may be in the store already, which cannot be lowered: the difference is owed back.
    new_value = plan.money.amount if plan.money is not None else plan.points
    values = {
        "shop_id": shop.id,
        "referral_id": row.referral_id,  # type: ignore[attr-defined]
        "advocate_id": row.advocate_id,  # type: ignore[attr-defined]
        "idempotency_key": f"{row.idempotency_key}:partial:{new_value}",
        "side": row.side,
        "kind": row.kind,
        "amount": change.money.amount if change.money is not None else None,
        "currency": change.money.currency if change.money is not None else None,
        "points": change.points,
        "recipient_customer_id": row.recipient_customer_id,
        "recipient_email": row.recipient_email,
        "status": RewardStatus.CLAWBACK,
        "reason": change.reason.value,
        "created_at": now,
        "updated_at": now,
    }
    try:
        async with savepoint(db) as point:
            await Reward.create(using_db=point, **values)
    except IntegrityError:
        pass  # recorded by an earlier delivery of the same refund
