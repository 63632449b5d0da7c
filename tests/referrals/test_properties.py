"""Random delivery sequences: duplicates, out of order, paid/refunded/cancelled interleaved.

Whatever order the worker sees them in: each order credits at most once, a fully refunded or
cancelled order leaves no live reward, and every amount is an exact Decimal in shop currency.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.store.models import Referral, Reward, RewardStatus, Shop
from tests.conftest import Clock
from tests.referrals.helpers import order_body, process, put, sandbox_shop

ORDERS = 3
CENT = Decimal("0.01")
LIVE = (RewardStatus.PENDING, RewardStatus.ISSUED, RewardStatus.RECORDED)
# Each state an order can be in, in the order they happen (its `step`), with its body's changes.
STATES: dict[str, dict[str, Any]] = {
    "placed": {"status": "pending"},
    "paid": {},
    "partly_refunded": {"status": "partially_refunded", "refunded": "30.00"},
    "refunded": {"status": "refunded", "refunded": "120.00"},
    "cancelled": {"status": "refunded", "refunded": "120.00", "cancelled": True},
}
STEP = {name: step for step, name in enumerate(STATES)}
GONE = ("refunded", "cancelled")
_shops = itertools.count()

Delivery = tuple[int, str, bool]  # order, state, resent under the same webhook id


@st.composite
def delivery_plans(draw: st.DrawFn) -> list[tuple[Delivery, str]]:
    """Every order gets 1-4 deliveries (states may repeat); all are shuffled together, and after
    each the worker may run (`process`) or the holds may end (`hold`), or neither."""
    deliveries = [
        (order, state, draw(st.booleans()))
        for order in range(ORDERS)
        for state in draw(st.lists(st.sampled_from(sorted(STATES)), min_size=1, max_size=4))
    ]
    shuffled = draw(st.permutations(deliveries))
    then = st.sampled_from(["", "", "process", "hold"])
    return [(delivery, draw(then)) for delivery in shuffled]


async def _issue_pending(shop: Shop) -> None:
    """What the reward outbox does, reduced to its effect: pending rewards reach the store."""
    await Reward.filter(shop_id=shop.id, status=RewardStatus.PENDING).update(
        status=RewardStatus.ISSUED, attempts=1
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=delivery_plans())
async def test_random_delivery_sequences_keep_the_money_invariants(
    runtime: Runtime, clock: Clock, plan: list[tuple[Delivery, str]]
) -> None:
    # Given a fresh shop per example (the database is shared by the examples)
    domain = f"prop-{next(_shops)}.sandbox"
    shop = await sandbox_shop(runtime, domain)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    placed = clock.now - timedelta(hours=1)
    newest: dict[int, str] = {}
    fresh = itertools.count()

    # When the deliveries arrive in the plan's order, the worker runs and holds end between them
    for (order, state, same_id), then in plan:
        body = order_body(
            100 + order, placed, code=ana.friend_code, email=f"friend{order}@example.org",
            customer_id=f"880{order}", step=STEP[state], **STATES[state],
        )  # fmt: skip
        key = f"{domain}-{order}-{state}" if same_id else f"{domain}-{next(fresh)}"
        await put(runtime, body, key, "orders/updated", shop=domain)
        if STEP[state] >= STEP[newest.get(order, "placed")]:
            newest[order] = state
        if then == "process":
            await process(runtime)
        elif then == "hold":
            clock.advance(days=15)
            await approve_due_referrals(runtime)
            await _issue_pending(shop)
    await process(runtime)
    clock.advance(days=15)
    await approve_due_referrals(runtime)

    # Then at most one referral per order, and none of a refunded order's rewards is live
    referrals = await Referral.filter(shop_id=shop.id)
    orders = [r.order_id for r in referrals]
    assert len(orders) == len(set(orders))
    for referral in referrals:
        assert referral.order_id is not None
        rewards = await Reward.filter(referral_id=referral.id)
        if newest[int(referral.order_id) - 100] in GONE:
            assert referral.state in ("rejected", "reversed")
            assert [r.idempotency_key for r in rewards if r.status in LIVE] == []
        assert referral.currency == "USD"
        assert isinstance(referral.refunded, Decimal)
        for plan_ in referral.reward_plans:
            assert plan_["money"]["currency"] == "USD"
            assert Decimal(plan_["money"]["amount"]) == Decimal(plan_["money"]["amount"]).quantize(
                CENT
            )
        for reward in rewards:
            assert isinstance(reward.amount, Decimal)
            assert reward.amount > 0
            assert reward.currency == "USD"
            assert reward.amount == reward.amount.quantize(CENT)
