"""The simulator explains what an order would earn and writes nothing, in the database or the store."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from connector.domain.program import RewardRule
from connector.domain.program.kinds import RewardedSides, RewardKind
from connector.domain.program.presets import FIXED
from connector.domain.rules.decision import Outcome
from connector.services.base.runtime import Runtime
from connector.services.referrals.simulate import simulate_order
from connector.store.db import conn
from connector.store.models import Shop
from tests.conftest import Clock, all_tables
from tests.rewards.factories import advocate, save_program
from tests.support.fake_shopify import FakeShopify
from tests.support.shopify_payloads import order

FRIEND_ID = 7700112233445566
PROGRAM = replace(
    FIXED,
    currency="EUR",
    rewarded=RewardedSides.ADVOCATE,
    advocate_reward=RewardRule(RewardKind.STORE_CREDIT, Decimal("10.00")),
)


async def row_counts() -> dict[str, int]:
    """How many rows each table holds."""
    client = conn()
    counts = {}
    for table in all_tables():
        rows = await client.execute_query_dict(f"SELECT COUNT(*) AS n FROM {table}")
        counts[table] = int(rows[0]["n"])
    return counts


async def test_simulation_explains_the_order_and_writes_nothing(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, PROGRAM, clock.now)
    ana = await advocate(shop, clock.now)
    fake_shopify.add_customer("friend@example.org", orders=1, customer_id=FRIEND_ID)
    payload = order(codes=("ana-7kq4",), total="80.00", subtotal="80.00")
    before = await row_counts()

    result = await simulate_order(runtime, shop, payload)

    assert await row_counts() == before
    assert fake_shopify.operations == ["customer"]  # one read: is the friend a new customer?
    decision = result.decision
    assert (decision.outcome, decision.advocate_id) == (Outcome.CREDIT_PENDING, str(ana.id))
    assert [r.describe() for r in decision.rewards] == ["10.00 EUR store credit"]
    lines = "\n".join(result.lines)
    assert lines.startswith(
        f"Order 5500112233445566771 ({shop.domain}) would be credited and held as pending,"
        " under program version 1.\n"
        f"Advocate: {ana.id}.\n"
        "Qualifying order value: 80.00 EUR.\n"
        "Attribution signals:\n"
    )
    assert "  [match] 1 discount code:" in lines
    assert "Rules and checks:\n" in lines
    assert "  [PASS   ] not_new_customer:" in lines
    assert f"  advocate {ana.id}: 10.00 EUR store credit [base]" in lines
    assert lines.endswith(
        "Friend's earlier orders: 0 (asked the store).\n"
        "Dry run: nothing was written and nothing was created in the store."
    )


async def test_assume_new_skips_the_store_and_a_returning_friend_is_rejected(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, PROGRAM, clock.now)
    await advocate(shop, clock.now)
    fake_shopify.add_customer("friend@example.org", orders=3, customer_id=FRIEND_ID)
    payload = order(codes=("ANA-7KQ4",), total="80.00", subtotal="80.00")

    assumed = await simulate_order(runtime, shop, payload, assume_new=True)
    asked = await simulate_order(runtime, shop, payload)

    assert assumed.decision.outcome is Outcome.CREDIT_PENDING
    assert assumed.lines[-2] == "Friend's earlier orders: 0 (assumed new (--assume-new))."
    assert asked.decision.outcome is Outcome.REJECT
    assert asked.prior_orders == 2
    assert fake_shopify.operations == ["customer"]


async def test_an_order_without_evidence_is_not_a_referral(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await advocate(shop, clock.now)
    payload = order(codes=(), total="80.00", subtotal="80.00")
    payload["landing_site"] = payload["landing_site_ref"] = None

    result = await simulate_order(runtime, shop, payload)

    assert result.decision.outcome is Outcome.IGNORE
    assert result.lines[0].endswith(
        "would not be treated as a referral (no_attribution), under program version 1."
    )
    assert "The shop has no saved program: judged under the defaults." in result.lines
    assert fake_shopify.operations == []
