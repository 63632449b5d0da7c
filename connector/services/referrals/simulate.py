"""Dry run: what one order would earn, for whom and why, with nothing written anywhere.

The order (a webhook body from a file) goes through the same steps as real processing: the
platform's parser, the referral service's builders (`prepare_order`, `order_facts`,
`load_history`) and the domain's `decide`, then `explain` turns the decision into lines. No
row is written and nothing is created in the store; the store is only read, and only when the
order names a known advocate, to ask whether the friend is a new customer (skip that with
`assume_new`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from connector.domain.program import Program
from connector.domain.rules.decide import decide
from connector.domain.rules.decision import Decision
from connector.domain.rules.explain import explain
from connector.domain.rules.facts import OrderFacts
from connector.services.base.runtime import Runtime
from connector.services.referrals.crediting import PreparedOrder, order_key, prepare_order
from connector.services.referrals.inputs import load_history, load_lookup, order_facts
from connector.services.referrals.programs import live_program
from connector.store.db import conn
from connector.store.models import Referral, Shop

TOPIC = "orders/paid"


@dataclass(frozen=True)
class Simulation:
    """The decision and its explanation, and where the friend's order count came from."""

    decision: Decision
    lines: tuple[str, ...]
    prior_orders: int | None
    prior_source: str


async def _assumed_new(runtime: Runtime, shop: Shop, facts: OrderFacts) -> PreparedOrder:
    """What `prepare_order` gathers, with the friend taken as new instead of asking the store."""
    live = await live_program(runtime, shop)
    lookup, rows = await load_lookup(shop, facts)
    return PreparedOrder(live, lookup, rows, prior_orders=0)


async def simulate_order(
    runtime: Runtime,
    shop: Shop,
    payload: Mapping[str, Any],
    *,
    assume_new: bool = False,
    topic: str = TOPIC,
) -> Simulation:
    """Judge the order as the worker would, and explain it; writes nothing."""
    event = runtime.adapter(shop.platform).parse_order(shop.domain, topic, payload)
    # The file is the order's state, so the stored record (if any) does not override it.
    facts = order_facts(event)
    if assume_new:
        prepared = await _assumed_new(runtime, shop, facts)
        source = "assumed new (--assume-new)"
    else:
        prepared = await prepare_order(runtime, shop, event)
        source = "asked the store" if prepared.prior_orders is not None else "not needed"
    # With no known advocate named, the real handler stops early; the merchant still sees why.
    live = prepared.live or await live_program(runtime, shop)
    # Read-only: outside a transaction the history's row locks are released at once.
    history = await load_history(
        shop.id, prepared.lookup, prepared.advocate_rows.values(), prepared.prior_orders, conn(),
        program=live.program, at=facts.created_at, order=facts,
    )  # fmt: skip
    credited = await Referral.exists(shop_id=shop.id, qualifying_key=order_key(event.order_id))
    history = replace(history, already_credited=credited)
    decision = decide(facts, live.program, history, runtime.now())
    lines = list(explain(decision))
    if prepared.prior_orders is not None:
        lines.append(f"Friend's earlier orders: {prepared.prior_orders} ({source}).")
    if not live.saved:
        lines.append("The shop has no saved program: judged under the defaults.")
    lines.append("Dry run: nothing was written and nothing was created in the store.")
    return Simulation(decision, tuple(lines), prepared.prior_orders, source)


@dataclass(frozen=True)
class TestOrder:
    """An order a merchant describes in the admin, to see what it would earn under a program."""

    subtotal: Decimal
    total: Decimal | None = None
    currency: str | None = None
    code: str | None = None
    email: str | None = None
    customer_id: str | None = None
    new_customer: bool = True
    paid: bool = True


@dataclass(frozen=True)
class TestSimulation:
    """The decision on a described order, its explanation, and the advocate it names (row id)."""

    decision: Decision
    lines: tuple[str, ...]
    advocate_row: int | None


async def simulate_test_order(
    runtime: Runtime, shop: Shop, order: TestOrder, program: Program | None = None
) -> TestSimulation:
    """Judge a described order under `program` (a form not saved yet) or the live program.

    Nothing is asked of the store: the friend is new or not as the merchant says. Nothing is
    written. The code is read as the discount code the friend typed at checkout.
    """
    live = await live_program(runtime, shop)
    judged = program or live.program
    now = runtime.now()
    facts = OrderFacts(
        shop=shop.domain, order_id="test-order", currency=order.currency or judged.currency,
        subtotal=order.subtotal, total=order.total if order.total is not None else order.subtotal,
        created_at=now, customer_id=order.customer_id, email=order.email, paid=order.paid,
        discount_codes=(order.code,) if order.code else (),
    )  # fmt: skip
    lookup, rows = await load_lookup(shop, facts)
    prior = 0 if order.new_customer else 1
    # Read-only: outside a transaction the history's row locks are released at once.
    history = await load_history(
        shop.id, lookup, rows.values(), prior, conn(), program=judged, at=now, order=facts
    )
    decision = decide(facts, judged, history, now)
    lines = list(explain(decision))
    if program is not None:
        lines.append("Judged under the program as edited, not saved yet.")
    elif not live.saved:
        lines.append("The shop has no saved program: judged under the defaults.")
    lines.append("Dry run: nothing was written and nothing was created in the store.")
    advocate = rows.get(decision.advocate_id) if decision.advocate_id else None
    return TestSimulation(decision, tuple(lines), advocate)
