"""Referrals: credit an order at most once, the end of the hold, and the review queue.

The order handler calls `prepare_order` outside any transaction (the store is asked about the
friend only when the order names a known advocate and the answer counts) and then `apply_order`
in the transaction that marks the delivery done. A referral is keyed by `order:{id}`, unique per
shop: a duplicate or concurrent delivery of the same order fails that insert inside a savepoint
and applies its news to the referral that won instead (referrals.changes).

After the hold, `approve_due_referrals` (a periodic job) approves each pending referral and
writes its Reward rows (status pending, the plans' idempotency keys) in one transaction; the
reward outbox issues them. A person approves or rejects a flagged referral; every transition is
recorded with its cause.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from connector.domain.codes import normalize_code
from connector.domain.program.kinds import RewardKind
from connector.domain.reasons import Reason
from connector.domain.referral import EventKind, ReferralState, Refusal, Transition
from connector.domain.rewards.amounts import RewardPlan, Side
from connector.domain.rules.attribution import attribute
from connector.domain.rules.budget import budget_warning, rewards_value
from connector.domain.rules.decide import decide
from connector.domain.rules.decision import Decision, Outcome
from connector.domain.rules.facts import OrderFacts, ReferralLookup
from connector.domain.rules.lifecycle import on_hold_expired
from connector.services.base.runtime import Runtime
from connector.services.base.savepoints import savepoint
from connector.services.referrals.advocates import PARTNER, domain_id, member_account
from connector.services.referrals.changes import order_changed
from connector.services.referrals.inputs import (
    BatchLoads,
    load_history,
    load_lookups,
    order_facts,
)
from connector.services.referrals.notices import budget_nearly_spent
from connector.services.referrals.programs import LiveProgram, ensure_saved, live_program
from connector.services.referrals.records import (
    CREATED,
    Cause,
    ReferralNotFound,
    evidence_json,
    existing_referral,
    finding_json,
    move,
    plans_json,
    product_columns,
    record_event,
    reward_amounts,
)
from connector.services.shops.tokens import fresh_credentials
from connector.store.models import Advocate, OrderRecord, Referral, Reward, RewardStatus, Shop
from platforms.base import OrderEvent

log = logging.getLogger("connector.referrals")

APPROVE_JOB = "approve_due_referrals"
BATCH = 100
MAX_BATCHES = 20
DEFAULT_STAGE = "purchase"
_CREATES = frozenset({Outcome.CREDIT_PENDING, Outcome.FLAG_FOR_REVIEW, Outcome.REJECT})
# The new referrals whose rewards the budget counts (inputs.budget_used: the live ones).
_BUDGETED = frozenset({ReferralState.PENDING.value, ReferralState.FLAGGED.value})


def order_key(order_id: str) -> str:
    """The qualifying key of an order's referral: one credit per order."""
    return f"order:{order_id}"


@dataclass(frozen=True)
class PreparedOrder:
    """What `apply_order` needs, gathered before its transaction (store calls included)."""

    live: LiveProgram | None  # None: the order names no known advocate, there is nothing to judge
    lookup: ReferralLookup
    advocate_rows: Mapping[str, int]
    prior_orders: int | None


async def prepare_order(runtime: Runtime, shop: Shop, event: OrderEvent) -> PreparedOrder:
    """Load the evidence, and the program if an advocate is named; ask the store about the
    friend only when the answer counts (new customers only, or milestones by purchase number).

    PlatformUnavailable / PlatformRateLimited from the store propagate: the worker retries.
    """
    prepared = (await prepare_orders(runtime, shop, [event]))[0]
    if isinstance(prepared, Exception):
        raise prepared
    return prepared


async def prepare_orders(
    runtime: Runtime, shop: Shop, events: Sequence[OrderEvent]
) -> list[PreparedOrder | Exception]:
    """`prepare_order` for each of a shop's `events`, with set-based loads: the order records,
    the evidence and the earlier credits of all of them in a handful of queries.

    An order that cannot be prepared (the store is unavailable, the order has no date) gets its
    exception in its place; the others are prepared all the same.
    """
    ids = sorted({event.order_id for event in events})
    records = {
        r.order_id: r for r in await OrderRecord.filter(shop_id=shop.id, order_id__in=ids)
    }
    out: list[PreparedOrder | Exception] = []
    facts: dict[int, OrderFacts] = {}
    for n, event in enumerate(events):
        try:
            facts[n] = order_facts(event, records.get(event.order_id))
        except ValueError as exc:
            out.append(exc)
            continue
        out.append(PreparedOrder(None, ReferralLookup(), {}, None))
    lookups = dict(zip(facts, await load_lookups(shop, list(facts.values())), strict=True))
    live = None
    credited: set[str] = set()
    for n, order in facts.items():
        lookup, rows = lookups[n]
        if not rows:
            out[n] = PreparedOrder(None, lookup, rows, None)
            continue
        if live is None:
            live = await live_program(runtime, shop)
            if live.program.new_customers_only or live.program.milestones:
                keys = [order_key(e.order_id) for e in events]
                found = Referral.filter(shop_id=shop.id, qualifying_key__in=keys)
                credited = {str(key) for key in await found.values_list("qualifying_key", flat=True)}
        try:
            prior = await _prior_orders(runtime, shop, live, order, lookup, credited)
        except Exception as exc:  # the store's errors: this order is retried, not the others
            out[n] = exc
            continue
        out[n] = PreparedOrder(live, lookup, rows, prior)
    return out


async def _prior_orders(
    runtime: Runtime,
    shop: Shop,
    live: LiveProgram,
    order: OrderFacts,
    lookup: ReferralLookup,
    credited: set[str],
) -> int | None:
    program = live.program
    counts = program.new_customers_only or bool(program.milestones)
    if not counts or not order.paid or order_key(order.order_id) in credited:
        return None
    window = program.attribution_window_days
    if attribute(order, lookup, window, runtime.now()).advocate_id:
        return await friend_prior_orders(runtime, shop, order)
    return None


async def friend_prior_orders(runtime: Runtime, shop: Shop, order: OrderFacts) -> int | None:
    """How many orders the friend placed before this one, by the store's count; None if unknown."""
    if not order.customer_id and not order.email:
        return None
    creds = await fresh_credentials(runtime, shop)
    summary = await runtime.adapter(shop.platform).customer_summary(
        creds, customer_id=order.customer_id, email=order.email
    )
    # The store counts this order too: it exists before its webhook is sent.
    return max(summary.order_count - 1, 0)


async def _locked(db: BaseDBAsyncClient, **where: Any) -> Referral | None:
    """The referral matching `where`, locked for the rest of the transaction (PostgreSQL)."""
    return await Referral.filter(**where).using_db(db).select_for_update().first()


async def apply_order(
    runtime: Runtime,
    shop: Shop,
    event: OrderEvent,
    record: OrderRecord,
    prepared: PreparedOrder,
    cause: Cause,
    tx: BaseDBAsyncClient,
    *,
    surely_new: bool = False,
    batch: BatchLoads | None = None,
) -> Decision | None:
    """Credit the order or change its referral, in the delivery's transaction; the decision made.

    `surely_new`: the order had no referral when the transaction began (the worker's batch
    checked, with the order's record locked), so there is none to look for. `batch`: what the
    worker's batch loaded for its orders at its start (services.referrals.inputs); then the
    referral is inserted without a savepoint, since nobody else can be crediting the order: a
    failure fails the batch, whose deliveries then go again one by one.
    """
    facts = order_facts(event, record)
    now = runtime.now()
    await _mark_used(shop, facts, tx, now, batch)
    qualifying = order_key(event.order_id)
    found = None if surely_new else await _locked(tx, shop_id=shop.id, qualifying_key=qualifying)
    if found is not None:
        return await order_changed(runtime, shop, found, facts, cause, tx)
    if prepared.live is None:
        return None
    history = await load_history(
        shop.id, prepared.lookup, prepared.advocate_rows.values(), prepared.prior_orders, tx,
        program=prepared.live.program, at=facts.created_at, batch=batch,
        order=facts,
    )  # fmt: skip
    decision = decide(facts, prepared.live.program, history, now)
    if decision.outcome not in _CREATES or decision.advocate_id is None:
        return decision
    await ensure_saved(runtime, shop, prepared.live, tx)
    values = {
        **_referral_values(decision, facts, qualifying, now),
        "shop_id": shop.id,
        "advocate_id": prepared.advocate_rows[decision.advocate_id],
    }
    if surely_new and batch is not None:
        referral = await Referral.create(**values, using_db=tx)
        batch.created.setdefault(referral.advocate_id, []).append(  # type: ignore[attr-defined]
            (facts.created_at, referral.state)
        )
    else:
        try:
            async with savepoint(tx) as point:
                referral = await Referral.create(**values, using_db=point)
        except IntegrityError:
            # Another delivery of this order credited it first: apply our news to that referral.
            won = await _locked(tx, shop_id=shop.id, qualifying_key=qualifying)
            if won is None:
                raise
            return await order_changed(runtime, shop, won, facts, cause, tx)
    await record_event(referral, None, CREATED, decision.reason, cause, now, tx)
    if referral.state in _BUDGETED:
        program = prepared.live.program
        used = history.budget_used + rewards_value(decision.rewards, program.currency)
        warning = budget_warning(program, used, facts.created_at)
        if warning is not None:
            await budget_nearly_spent(tx, shop, warning, now)
    log.info(
        "shop %s: order %s -> referral %s %s (%s)",
        shop.domain, facts.order_id, referral.id, referral.state, decision.reason,
    )  # fmt: skip
    return decision


async def _mark_used(
    shop: Shop,
    order: OrderFacts,
    db: BaseDBAsyncClient,
    now: datetime,
    batch: BatchLoads | None = None,
) -> None:
    """A paid order that used a reward's code used the reward: a refund then claws it back.

    In a worker's batch, only the codes the batch found unused at its start are updated."""
    codes = {normalize_code(code) for code in order.discount_codes}
    if batch is not None:
        codes &= batch.reward_codes
    if codes and order.paid and not order.cancelled:
        await (
            Reward.filter(shop_id=shop.id, code__in=codes, used_at__isnull=True)
            .using_db(db)
            .update(used_at=now)
        )
        if batch is not None:
            batch.reward_codes -= codes


def _referral_values(
    decision: Decision, facts: OrderFacts, key: str, now: datetime
) -> dict[str, Any]:
    assert decision.state is not None
    attribution = decision.attribution
    signal = attribution.signal if attribution is not None else None
    stage = next((f.detail["stage"] for f in decision.findings if "stage" in f.detail), None)
    return {
        "qualifying_key": key,
        "order_id": facts.order_id,
        "stage": (stage or DEFAULT_STAGE)[:32],
        "friend_customer_id": facts.customer_id,
        "friend_email": facts.email,
        "state": decision.state.value,
        "state_reason": decision.reason.value if decision.reason is not None else None,
        "program_version": decision.program_version,
        "hold_until": decision.hold_until,
        "currency": facts.currency,
        "order_subtotal": facts.subtotal,
        "order_total": facts.total,
        "refunded": facts.refunded,
        "winning_signal": signal.name.lower() if signal is not None else None,
        "evidence": [evidence_json(e) for e in attribution.evidence] if attribution else [],
        "findings": [finding_json(f) for f in decision.findings],
        "reward_plans": plans_json(decision.rewards),
        "reward_value": rewards_value(decision.rewards, facts.currency),
        "placed_at": facts.created_at,
        "created_at": now,
        "updated_at": now,
    }


# -- the hold ---------------------------------------------------------------------------------


async def approve_due_referrals(runtime: Runtime) -> int:
    """Approve every pending referral whose hold has ended, writing its rewards; return how many."""
    approved = 0
    for _ in range(MAX_BATCHES):
        due = await (
            Referral.filter(state=ReferralState.PENDING.value, hold_until__lte=runtime.now())
            .order_by("hold_until", "id")
            .limit(BATCH)
            .only("id")
        )
        done = [await _approve_one(runtime, row.id) for row in due]
        approved += sum(done)
        if len(due) < BATCH or not any(done):
            break
    return approved


async def _approve_one(runtime: Runtime, referral_id: int) -> bool:
    now = runtime.now()
    cause = Cause.job(APPROVE_JOB)
    async with in_transaction() as tx:
        referral = await _locked(tx, id=referral_id)
        if referral is None:
            return False
        advocate = await Advocate.get(id=referral.advocate_id, using_db=tx)  # type: ignore[attr-defined]
        shop = await Shop.get(id=referral.shop_id, using_db=tx)  # type: ignore[attr-defined]
        current = existing_referral(referral, shop.domain, domain_id(advocate), ())
        decision = on_hold_expired(current, now)
        if decision.outcome is not Outcome.APPROVE:
            return False  # another worker got here first, or it changed since it was listed
        for plan in decision.rewards:
            member = await _friend_member(runtime, shop, referral, plan, tx)
            await _write_reward(referral, advocate, plan, tx, now, member)
        assert decision.reason is not None
        await move(referral, EventKind.HOLD_ENDED, decision.reason, cause, now, tx)
        if not decision.rewards:
            note = "The referral earns no reward to issue."
            await move(
                referral, EventKind.REWARDS_ISSUED, Reason.REWARDS_ISSUED, cause, now, tx, note
            )
    return True


async def _friend_member(
    runtime: Runtime, shop: Shop, referral: Referral, plan: RewardPlan, db: BaseDBAsyncClient
) -> Advocate | None:
    """The friend's loyalty account when the friend earns points: points live in a ledger."""
    if plan.side is Side.ADVOCATE or plan.kind is not RewardKind.POINTS:
        return None
    live = await live_program(runtime, shop, db)
    return await member_account(
        runtime, shop, live.program, db,
        customer_id=referral.friend_customer_id, email=referral.friend_email,
    )  # fmt: skip


async def _write_reward(
    referral: Referral,
    advocate: Advocate,
    plan: RewardPlan,
    db: BaseDBAsyncClient,
    now: datetime,
    friend_member: Advocate | None = None,
) -> None:
    """One pending Reward for the outbox; its key makes writing it twice a no-op."""
    if plan.side is Side.ADVOCATE:
        side = "partner" if advocate.kind == PARTNER else plan.side.value
        who = {
            "advocate_id": advocate.id,
            "recipient_customer_id": advocate.customer_id,
            "recipient_email": advocate.email,
        }
    else:
        side = plan.side.value
        who = {
            # The friend's member account, when the reward is points for their ledger.
            "advocate_id": friend_member.id if friend_member is not None else None,
            "recipient_customer_id": referral.friend_customer_id,
            "recipient_email": referral.friend_email,
        }
    expires = now + timedelta(days=plan.expires_days) if plan.expires_days else None
    # A menu reward waits for the advocate's pick (rewards.choices), or the default after the wait.
    awaits = plan.menu_days is not None
    try:
        async with savepoint(db) as point:
            await Reward.create(
                shop_id=referral.shop_id,  # type: ignore[attr-defined]
                referral_id=referral.id,
                idempotency_key=plan.idempotency_key,
                side=side,
                kind=plan.kind.value,
                **reward_amounts(plan),
                **product_columns(plan.rule),
                **who,
                charity_cause=plan.cause_id,
                status=RewardStatus.AWAITING_CHOICE if awaits else RewardStatus.PENDING,
                expires_at=None if awaits else expires,
                choice_due_at=now + timedelta(days=plan.menu_days or 0) if awaits else None,
                next_attempt_at=None if awaits else now,
                created_at=now,
                updated_at=now,
                using_db=point,
            )
    except IntegrityError:
        pass  # written already (the key is unique per shop)


# -- the review queue -------------------------------------------------------------------------


async def approve_referral(
    runtime: Runtime, shop: Shop, referral_id: int, actor: str, note: str = ""
) -> Transition | Refusal:
    """A person approves a flagged referral: it goes back to pending for the rest of its hold."""
    return await _review(runtime, shop, referral_id, actor, note, approve=True)


async def reject_referral(
    runtime: Runtime, shop: Shop, referral_id: int, actor: str, note: str = ""
) -> Transition | Refusal:
    """A person rejects a flagged (or still pending) referral; nothing is issued for it."""
    return await _review(runtime, shop, referral_id, actor, note, approve=False)


async def _review(
    runtime: Runtime, shop: Shop, referral_id: int, actor: str, note: str, *, approve: bool
) -> Transition | Refusal:
    who = actor.strip()
    if not who:
        raise ValueError("a review must name who decided")
    async with in_transaction() as tx:
        referral = await _locked(tx, id=referral_id, shop_id=shop.id)
        if referral is None:
            raise ReferralNotFound(f"{shop.domain} has no referral {referral_id}")
        if approve:
            kind, reason = EventKind.REVIEW_APPROVED, Reason.REVIEW_APPROVED
        elif referral.state == ReferralState.PENDING.value:
            kind, reason = EventKind.REJECT, Reason.REVIEW_REJECTED
        else:
            kind, reason = EventKind.REVIEW_REJECTED, Reason.REVIEW_REJECTED
        return await move(referral, kind, reason, Cause.person(who), runtime.now(), tx, note)
