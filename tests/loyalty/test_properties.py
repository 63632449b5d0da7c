"""Random sequences of a member's orders, refunds, cancellations, redemptions, duplicate
deliveries and replays: after every step, each member's balance is the sum of their ledger,
what is left in their lots, and never below zero; an order never earns more than once."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.domain.program import program_to_dict
from connector.domain.program.presets import LOYALTY
from connector.services.base.runtime import Runtime
from connector.services.pipeline.deliveries import replay
from connector.services.referrals.programs import save_program
from connector.services.rewards.loyalty import advocate_ledger, balance, redeem_points
from connector.store.models import Advocate, Delivery, LedgerEntry, Shop
from tests.conftest import Clock
from tests.referrals.helpers import order_body, process, put, sandbox_shop

ORDERS = 3
MEMBERS = ("7001", "7002")
# An order's states in the order they happen, with its body's changes (a $120 order, $110 net).
STATES: dict[str, dict[str, Any]] = {
    "paid": {},
    "partly_refunded": {"status": "partially_refunded", "refunded": "30.00"},
    "more_refunded": {"status": "partially_refunded", "refunded": "90.00"},
    "refunded": {"status": "refunded", "refunded": "120.00"},
    "cancelled": {"status": "refunded", "refunded": "120.00", "cancelled": True},
}
# What an order's 110 points come to in each state, pro rata to what was kept of its $120.
KEPT = {"paid": 110, "partly_refunded": 82, "more_refunded": 27, "refunded": 0, "cancelled": 0}
STEP = {name: step for step, name in enumerate(STATES)}
_shops = itertools.count()

Step = tuple[str, int, str, int]  # (action, order or member, state, amount or redemption key)


@st.composite
def plans(draw: st.DrawFn) -> list[Step]:
    """Deliveries of each order's states (some resent under the same webhook id), redemptions by
    either member (some with a request key used before), replays, and runs of the worker."""
    steps: list[Step] = []
    for _ in range(draw(st.integers(min_value=3, max_value=14))):
        action = draw(
            st.sampled_from(["deliver", "deliver", "resend", "redeem", "replay", "process"])
        )
        steps.append(
            (
                action,
                draw(st.integers(min_value=0, max_value=ORDERS - 1)),
                draw(st.sampled_from(sorted(STATES))),
                draw(st.integers(min_value=1, max_value=3)) * 40,
            )
        )
    return steps


async def _check(shop: Shop) -> None:
    for member in await Advocate.filter(shop_id=shop.id):
        ledger = await advocate_ledger(shop.id, member.id)
        total = await balance(shop.id, member.id)
        assert total == ledger.balance == sum(e.points for e in ledger.entries)
        assert total >= 0
        assert sum(ledger.lots().values()) == total
        assert all(left >= 0 for left in ledger.lots().values())
    earns = Counter(
        e.idempotency_key
        for e in await LedgerEntry.filter(shop_id=shop.id, idempotency_key__endswith=":earn")
    )
    assert all(n == 1 for n in earns.values())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
async def test_balance_is_the_ledger_and_never_negative(
    runtime: Runtime, clock: Clock, plan: list[Step]
) -> None:
    # Given a fresh shop per example running the loyalty preset (a point per dollar)
    domain = f"loyalty-prop-{next(_shops)}.sandbox"
    shop = await sandbox_shop(runtime, domain, program=False)
    await save_program(runtime, shop, program_to_dict(LOYALTY), actor="test")
    placed = clock.now - timedelta(hours=1)
    sent: dict[tuple[int, str], str] = {}
    fresh = itertools.count()
    newest: dict[int, str] = {}

    # When the steps happen in the plan's order, checking the ledgers after each
    for action, n, state, amount in plan:
        if action in ("deliver", "resend"):
            customer = MEMBERS[n % len(MEMBERS)]
            body = order_body(
                500 + n, placed, email=f"member{customer}@example.org", customer_id=customer,
                step=STEP[state], **STATES[state],
            )  # fmt: skip
            key = sent.get((n, state)) if action == "resend" else None
            key = key or f"{domain}-{next(fresh)}"
            sent[(n, state)] = key
            if STEP[state] >= STEP[newest.get(n, "paid")]:
                newest[n] = state
            await put(runtime, body, key, "orders/updated", shop=domain)
        elif action == "redeem":
            member = await Advocate.get_or_none(shop_id=shop.id, customer_id=MEMBERS[n % 2])
            if member is not None:
                await redeem_points(runtime, shop, member.id, amount, f"req-{state}")
        elif action == "replay":
            ids = [
                int(i)
                for i in await Delivery.filter(shop_domain=domain).values_list("id", flat=True)
            ]  # type: ignore[call-overload]
            await replay(ids, runtime.now())
            await process(runtime)
        else:
            await process(runtime)
        await _check(shop)
    await process(runtime)
    await _check(shop)

    # And every order earned once (110 points on its $110 subtotal), less what its refunds took
    for n, state in newest.items():
        rows = await LedgerEntry.filter(shop_id=shop.id, reference=f"order:{500 + n}")
        if state == "paid":
            assert [(r.kind, r.points) for r in rows] == [("earn", 110)]
        else:  # (an order first seen refunded or cancelled earns nothing)
            assert [r.kind for r in rows[:1]] in ([], ["earn"])
            held = sum(r.points for r in rows)
            assert 0 <= held <= 110
            # What a member spent stays spent; one who never redeemed gives back all that is due.
            if rows and not await LedgerEntry.filter(advocate_id=rows[0].advocate_id, kind="redeem").exists():  # type: ignore[attr-defined]
                assert held <= KEPT[state]
