"""On PostgreSQL, deliveries of one order processed at the same moment end in a consistent state."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient

from connector.services.base import tally
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.pipeline.worker import HandlerContext, Worker
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.orders import OrderEventHandler
from connector.services.referrals.tally import state_counts
from connector.store.models import (
    Advocate,
    Delivery,
    DeliveryAttempt,
    OrderRecord,
    Referral,
    ReferralEvent,
    Reward,
    RewardStatus,
)
from tests.conftest import Clock
from tests.referrals.helpers import order_body, process, put, sandbox_shop

pytestmark = pytest.mark.postgres

ROUNDS = 20
LIVE = (RewardStatus.PENDING, RewardStatus.ISSUED, RewardStatus.RECORDED)


async def test_paid_and_refunded_deliveries_processed_together_never_leave_a_live_reward(
    runtime: Runtime, clock: Clock
) -> None:
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    placed = clock.now - timedelta(hours=1)
    states = []
    for n in range(ROUNDS):
        # Given the paid and the refunded delivery of one order, both waiting
        order_id = 9000 + n
        friend = {"email": f"friend{n}@example.org", "customer_id": f"77{n:02d}"}
        paid = order_body(order_id, placed, code=ana.friend_code, step=1, **friend)
        refunded = order_body(
            order_id, placed, code=ana.friend_code, status="refunded", refunded="120.00",
            step=2, **friend,
        )  # fmt: skip
        first, second = (paid, refunded) if n % 2 else (refunded, paid)
        await put(runtime, first, f"d-{n}-a", "orders/updated")
        await put(runtime, second, f"d-{n}-b", "orders/updated")

        # When two workers take one each at the same moment
        counts = await asyncio.gather(
            build_worker(runtime).run_once(limit=1), build_worker(runtime).run_once(limit=1)
        )

        # Then both are done and the order ends credited-then-voided or never credited
        assert sorted(c.get("done", 0) for c in counts) == [1, 1], counts
        referrals = await Referral.filter(order_id=str(order_id))
        assert len(referrals) == 1
        states.append((referrals[0].state, referrals[0].state_reason))
    clock.advance(days=15)
    await approve_due_referrals(runtime)

    assert set(states) <= {("reversed", "refunded"), ("rejected", "refunded")}
    assert await Delivery.exclude(status="done").count() == 0
    assert await Reward.filter(status__in=LIVE).count() == 0


class SignalsPrepared:
    """The order handler, setting `prepared` once its store look-ups are done (its apply next)."""

    def __init__(self, prepared: asyncio.Event) -> None:
        self.inner = OrderEventHandler()
        self.prepared = prepared

    async def prepare(self, ctx: HandlerContext) -> Any:
        ready = await self.inner.prepare(ctx)
        self.prepared.set()
        return ready

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        await self.inner.apply(ctx, prepared, tx)


async def _approve_when(runtime: Runtime, signal: asyncio.Event | None) -> int:
    if signal is not None:
        await signal.wait()
    return await approve_due_referrals(runtime)


async def test_a_refund_racing_the_end_of_the_hold_never_leaves_a_live_reward(
    runtime: Runtime, clock: Clock
) -> None:
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    for n in range(ROUNDS):
        # Given a credited order whose hold has just ended, and its refund waiting
        order_id = 9100 + n
        placed = clock.now - timedelta(hours=1)
        friend = {"email": f"friend{n}@example.org", "customer_id": f"78{n:02d}"}
        await put(runtime, order_body(order_id, placed, code=ana.friend_code, step=1, **friend),
                  f"r-{n}-paid")  # fmt: skip
        await process(runtime)
        clock.advance(days=15)
        refunded = order_body(
            order_id, placed, code=ana.friend_code, status="refunded", refunded="120.00",
            step=2, **friend,
        )  # fmt: skip
        await put(runtime, refunded, f"r-{n}-refund", "orders/updated")

        # When the approval job and a worker run at the same moment: the job starting at once,
        # or as the worker opens its transaction
        prepared = asyncio.Event()
        worker = Worker(runtime, {"order": SignalsPrepared(prepared)}, lambda _p, _t: "order")
        counts, approved = await asyncio.gather(
            worker.run_once(limit=1), _approve_when(runtime, prepared if n % 2 else None)
        )

        # Then the referral is reversed, and whatever approval wrote was stopped
        assert counts == {"done": 1}
        referral = await Referral.get(order_id=str(order_id))
        assert (referral.state, approved in (0, 1)) == ("reversed", True)
        rewards = await Reward.filter(referral_id=referral.id)
        assert [r.status for r in rewards if r.status in LIVE] == []
        assert len(rewards) == 2 * approved


async def _in_batches(worker: Worker, size: int) -> None:
    while await worker.run_once(limit=size):
        pass


async def test_four_batching_workers_credit_each_order_once_among_shuffled_duplicates(
    runtime: Runtime, clock: Clock
) -> None:
    # Given 60 friends' paid orders for six advocates, each delivered three times, shuffled
    shop = await sandbox_shop(runtime)
    advocates = [
        (await enrol_advocate(runtime, shop, email=f"adv{n}@example.org")).advocate
        for n in range(6)
    ]
    placed = clock.now - timedelta(hours=1)
    bodies = [
        order_body(
            9500 + n, placed, code=advocates[n % 6].friend_code,
            email=f"buyer{n}@example.org", customer_id=f"79{n:03d}",
        )
        for n in range(60)
    ]  # fmt: skip
    copies = [(body, f"o-{body['id']}-{copy}") for body in bodies for copy in range(3)]
    random.Random(12).shuffle(copies)
    for body, key in copies:
        await put(runtime, body, key)

    # When four workers take batches of 25 at the same moment, until nothing is left
    # (a delivery that met a lock conflict is retried after its backoff)
    for _ in range(5):
        await asyncio.gather(*(_in_batches(build_worker(runtime), 25) for _ in range(4)))
        if not await Delivery.exclude(status="done").exists():
            break
        clock.advance(hours=1)

    # Then every delivery is done once, and every order has one referral, one record and one
    # creation event, counted once for its advocate
    assert await Delivery.exclude(status="done").count() == 0
    attempts = await DeliveryAttempt.filter(outcome="done").values_list("delivery_id", flat=True)
    assert sorted(attempts) == sorted(await Delivery.all().values_list("id", flat=True))
    referrals = await Referral.filter(shop_id=shop.id)
    assert sorted(r.order_id for r in referrals) == [str(9500 + n) for n in range(60)]
    assert await OrderRecord.filter(shop_id=shop.id).count() == 60
    created = await ReferralEvent.filter(event="created").values_list("referral_id", flat=True)
    assert sorted(created) == sorted(r.id for r in referrals)
    for advocate in advocates:
        mine = [r for r in referrals if r.advocate_id == advocate.id]  # type: ignore[attr-defined]
        live = [r for r in mine if r.state not in ("rejected", "reversed")]
        assert (len(mine), (await Advocate.get(id=advocate.id)).live_referrals) == (10, len(live))
    # ... and the shop's tally by state, summed by each batch, agrees with the rows
    counted = {k: v for k, v in state_counts(await tally.counts(shop.id)).items() if v}
    by_state: dict[str, int] = {}
    for referral in referrals:
        by_state[referral.state] = by_state.get(referral.state, 0) + 1
    assert counted == by_state
