"""A worker's batch judges each order as if it were alone, and writes each counter once.

The batch reads its advocates and their velocity and cap windows when it begins; every referral
it writes then counts for the orders after it, and an advocate whose referral moves (a refund)
is read again. The shop's tally and each advocate's `live_referrals` are summed and written in
one statement each before the batch commits (services.base.deferred).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from connector.services.base import tally
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.programs import save_program
from connector.services.referrals.tally import state_counts
from connector.store.models import Advocate, Referral, Shop
from tests.conftest import Clock
from tests.referrals.helpers import PROGRAM, order_body, process, put, sandbox_shop
from tests.support.sql_capture import capture

STRICT: dict[str, Any] = {
    **PROGRAM,
    "fraud": {"velocity_max": 2, "velocity_hours": 24},
    "caps": {"per_period": 3, "period_days": 30},
}


async def _shop(runtime: Runtime, clock: Clock, domain: str) -> tuple[Shop, list[Advocate]]:
    """A shop whose first advocate had an order credited an hour ago (refunded in the batch)."""
    shop = await sandbox_shop(runtime, domain, program=False)
    await save_program(runtime, shop, STRICT, actor="test")
    advocates = [
        (await enrol_advocate(runtime, shop, email=f"adv{n}@example.org")).advocate
        for n in range(2)
    ]
    first = order_body(6100, clock.now - timedelta(hours=3), code=advocates[0].friend_code,
                       email="early@example.org", customer_id="7700")  # fmt: skip
    await put(runtime, first, f"{domain}-first", shop=domain)
    await process(runtime)
    return shop, advocates


async def _orders(runtime: Runtime, clock: Clock, domain: str, advocates: list[Advocate]) -> None:
    """In order id order: the refund of the early order, then eight new friends' orders
    (six of the first advocate, one delivered twice; two of the second)."""
    placed = clock.now - timedelta(hours=2)
    refund = order_body(6100, clock.now - timedelta(hours=3), code=advocates[0].friend_code,
                        email="early@example.org", customer_id="7700", status="refunded",
                        refunded="120.00", step=90)  # fmt: skip
    await put(runtime, refund, f"{domain}-refund", topic="orders/updated", shop=domain)
    for n in range(8):
        advocate = advocates[0] if n < 6 else advocates[1]
        body = order_body(6101 + n, placed + timedelta(minutes=n), code=advocate.friend_code,
                          email=f"friend{n}@example.org", customer_id=f"78{n:02d}")  # fmt: skip
        await put(runtime, body, f"{domain}-{n}", shop=domain)
        if n == 2:
            await put(runtime, body, f"{domain}-{n}-again", shop=domain)


async def _judged(shop: Shop) -> list[tuple[str, str, str | None]]:
    rows = await Referral.filter(shop_id=shop.id).order_by("order_id")
    return [(str(r.order_id), r.state, r.state_reason) for r in rows]


async def _counters_agree(shop: Shop, advocates: list[Advocate]) -> None:
    referrals = await Referral.filter(shop_id=shop.id)
    for advocate in advocates:
        live = [r for r in referrals if r.advocate_id == advocate.id  # type: ignore[attr-defined]
                and r.state not in ("rejected", "reversed")]  # fmt: skip
        assert (await Advocate.get(id=advocate.id)).live_referrals == len(live)
    by_state: dict[str, int] = {}
    for referral in referrals:
        by_state[referral.state] = by_state.get(referral.state, 0) + 1
    counted = {k: v for k, v in state_counts(await tally.counts(shop.id)).items() if v}
    assert counted == by_state


async def test_a_batch_judges_each_order_as_one_by_one_and_writes_each_counter_once(
    runtime: Runtime, clock: Clock
) -> None:
    # Given two shops with the same strict program (velocity 2 a day, 3 a month), each with an
    # advocate whose earlier order is refunded among eight new orders
    batched, batched_advocates = await _shop(runtime, clock, "batched.sandbox")
    single, single_advocates = await _shop(runtime, clock, "single.sandbox")
    await _orders(runtime, clock, "batched.sandbox", batched_advocates)
    worker = build_worker(runtime)

    # When the first shop's ten deliveries are applied as one batch
    with capture() as captured:
        assert await worker.run_once(limit=10) == {"done": 10}
    # ... and the second shop's, one delivery at a time
    await _orders(runtime, clock, "single.sandbox", single_advocates)
    for claim in await worker.claim(limit=10):
        assert await worker.process(claim) == "done"

    # Then each order is judged the same way: the caps and velocity count the batch's own
    # referrals, and the refunded one no longer counts
    judged = await _judged(batched)
    assert judged == await _judged(single)
    assert {state for _, state, _ in judged} >= {"pending", "flagged", "reversed"}
    # ... the counters are exact, and the batch wrote each kind once
    await _counters_agree(batched, batched_advocates)
    await _counters_agree(single, single_advocates)
    sent = captured.statements
    live = [s for s in sent if s.startswith("UPDATE advocate SET live_referrals")]
    tallies = [s for s in sent if s.startswith("INSERT INTO shop_tally")]
    assert (len(live), len(tallies)) == (1, 1)


async def test_a_batch_writes_a_new_referral_in_two_statements_and_reads_once_for_all(
    runtime: Runtime, clock: Clock
) -> None:
    # Given forty new friends' orders for four advocates, in a shop that asks the store nothing
    shop = await sandbox_shop(runtime, program=False)
    await save_program(runtime, shop, {**STRICT, "new_customers_only": False}, actor="test")
    advocates = [
        (await enrol_advocate(runtime, shop, email=f"adv{n}@example.org")).advocate
        for n in range(4)
    ]
    placed = clock.now - timedelta(hours=2)
    for n in range(40):
        body = order_body(6200 + n, placed, code=advocates[n % 4].friend_code,
                          email=f"friend{n}@example.org", customer_id=f"79{n:02d}")  # fmt: skip
        await put(runtime, body, f"w-{n}")

    # When one worker applies them as one batch
    with capture() as captured:
        assert await build_worker(runtime).run_once(limit=40) == {"done": 40}

    # Then each order costs its referral and its event, and the batch a few statements more
    sent = captured.statements
    per_order = [
        s for s in sent if s.startswith(('INSERT INTO "referral"', 'INSERT INTO "referral_event"'))
    ]
    assert len(per_order) == 2 * 40
    # (seven of those restate the analytics of the batch's customers and referrals together)
    assert len(sent) - len(per_order) <= 32, "\n".join(sent)
    await _counters_agree(shop, advocates)
