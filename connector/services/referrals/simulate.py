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
from typing import Any

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
        program=live.program, at=facts.created_at,
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
