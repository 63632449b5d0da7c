"""The rollups equal a count from scratch, whatever the events, duplicates and replays.

Random orders of referred and other customers (a customer may order twice), each going through
placed, paid, partly refunded, refunded or cancelled in any order, some resent under the same
webhook id and some replayed under a new one; link clicks; holds ending; the reward outbox
running (so rewards are issued and taken back); compactions in between.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.services.analytics import rollups
from connector.services.analytics.recompute import current, rebuild, recompute
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.storefront import api
from tests.conftest import Clock
from tests.referrals.helpers import order_body, process, put, sandbox_shop
from tests.referrals.test_properties import STATES, STEP

# (customer, referred by Ana's code, days after the first order): customer 0 orders twice.
ORDERS = ((0, True, 0), (0, False, 12), (1, True, 1), (2, False, 0), (3, False, 40))
THEN = ("", "", "process", "hold", "issue", "click", "compact")
_shops = itertools.count()


@st.composite
def plans(draw: st.DrawFn) -> list[tuple[int, str, bool, str]]:
    """Each order gets 1-3 deliveries; all shuffled; after each, maybe something else happens."""
    deliveries = [
        (order, state, draw(st.booleans()))
        for order in range(len(ORDERS))
        for state in draw(st.lists(st.sampled_from(sorted(STATES)), min_size=1, max_size=3))
    ]
    shuffled = draw(st.permutations(deliveries))
    return [(*delivery, draw(st.sampled_from(THEN))) for delivery in shuffled]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
async def test_rollups_equal_a_count_from_scratch(
    runtime: Runtime, clock: Clock, plan: list[tuple[int, str, bool, str]]
) -> None:
    # Given a fresh shop per example and Ana
    domain = f"rollup-{next(_shops)}.sandbox"
    shop = await sandbox_shop(runtime, domain)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    start = clock.now - timedelta(days=50)
    fresh = itertools.count()
    visitor = api.Visitor("sandbox", domain, None, "198.51.100.9")

    # When the plan's deliveries arrive, with the worker, holds, outbox, clicks in between
    for order, state, same_id, then in plan:
        customer, referred, days = ORDERS[order]
        body = order_body(
            300 + order, start + timedelta(days=days), code=ana.friend_code if referred else None,
            email=f"c{customer}@example.org", customer_id=f"77{customer}", step=STEP[state],
            **STATES[state],
        )  # fmt: skip
        key = f"{domain}-{order}-{state}" if same_id else f"{domain}-{next(fresh)}"
        await put(runtime, body, key, "orders/updated", shop=domain)
        if then == "process":
            await process(runtime)
        elif then == "hold":
            clock.advance(days=15)
            await approve_due_referrals(runtime)
        elif then == "issue":
            await issue_due_rewards(runtime)
        elif then == "click":
            await api.click(runtime, visitor, ana.friend_code)
        elif then == "compact":
            await rollups.compact(shop.id)
    await process(runtime)
    clock.advance(days=15)
    await approve_due_referrals(runtime)
    await issue_due_rewards(runtime)

    # Then the rollups hold what a count from scratch finds, before and after compaction
    expected = await recompute(shop.id)
    assert await current(shop.id) == expected
    await rollups.compact(shop.id)
    assert await current(shop.id) == expected
    # and a rebuild from scratch changes no figure
    await rebuild(shop.id)
    assert await current(shop.id) == expected
