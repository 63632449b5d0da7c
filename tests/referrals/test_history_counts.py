"""Crediting reads counters and windowed counts, never an advocate's whole referral history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import reject_referral
from connector.services.referrals.programs import save_program
from connector.services.rewards.loyalty import append_entry
from connector.store.db import conn
from connector.store.models import Advocate, Referral, Shop
from tests.conftest import Clock
from tests.referrals.helpers import PROGRAM, deliver, order_body, sandbox_shop

# Caps and tiers the seeded history reaches, and a velocity limit it stays under.
COUNTED: dict[str, Any] = {
    **PROGRAM,
    "advocate_reward": {"kind": "store_credit", "value": "10", "basis": "percent_of_order"},
    "tiers": [
        {"up_to": 5, "reward": {"kind": "store_credit", "value": "10.00"}},
        {"up_to": None, "reward": {"kind": "store_credit", "value": "25.00"}},
    ],
    "caps": {"per_period": 1000, "period_days": 30, "lifetime": 50000},
    "fraud": {"velocity_max": 100, "velocity_hours": 24},
}


def finding(referral: Referral, reason: str) -> dict[str, Any]:
    """The referral's finding with that reason code."""
    found = [f for f in referral.findings if f["reason"] == reason]
    assert len(found) == 1, referral.findings
    return found[0]


async def seed_history(shop: Shop, advocate: Advocate, count: int, last: datetime) -> None:
    """`count` earlier referrals of the advocate, one every 3 hours back from `last` (one in ten
    rejected), inserted set-wise, and the advocate's counter set as the migration backfills it."""
    await conn().execute_script(
        f"""
        INSERT INTO referral (shop_id, advocate_id, qualifying_key, order_id, stage, state,
            program_version, currency, order_subtotal, order_total, refunded, evidence, findings,
            reward_plans, placed_at, created_at, updated_at)
        SELECT {shop.id}, {advocate.id}, 'order:seed-' || g, 'seed-' || g, 'purchase',
            CASE WHEN g % 10 = 0 THEN 'rejected' ELSE 'rewarded' END, 1, 'USD', 50, 50, 0,
            '[]', '[]', '[]', placed, placed, placed
        FROM (SELECT g, TIMESTAMPTZ '{last.isoformat()}' - g * INTERVAL '3 hours' AS placed
              FROM generate_series(1, {count}) AS g) AS seeded;
        UPDATE advocate SET live_referrals = (SELECT COUNT(*) FROM referral r
            WHERE r.advocate_id = advocate.id AND r.state NOT IN ('rejected', 'reversed'))
        WHERE id = {advocate.id};
        ANALYZE referral;
        """
    )


@pytest.mark.postgres
async def test_an_advocate_with_40000_referrals_is_credited_from_counts(
    runtime: Runtime, clock: Clock
) -> None:
    # Given Ana, who already has 40,000 referrals (4,000 of them rejected), one every 3 hours
    shop = await sandbox_shop(runtime)
    await save_program(runtime, shop, COUNTED, actor="test")
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    placed = clock.now - timedelta(hours=1)
    await seed_history(shop, ana, 40_000, placed)

    # When a friend's paid order names her code
    counts = await deliver(runtime, order_body(5001, placed, code=ana.friend_code), "d-5001")

    # Then it is credited, counted against her whole history without loading it
    assert counts == {"done": 1}
    referral = await Referral.get(shop_id=shop.id, order_id="5001")
    assert referral.state == "pending"
    assert finding(referral, "cap_lifetime")["detail"] == {"count": "36000"}
    # 30 days hold referrals 1..240 of which 24 are rejected; 24 hours hold 1..7, plus this one.
    assert finding(referral, "cap_period")["detail"] == {"count": "216"}
    assert finding(referral, "velocity")["detail"] == {"count": "8"}
    assert finding(referral, "tier")["detail"] == {"tier": "2", "number": "36001"}
    assert referral.placed_at == placed
    assert (await Advocate.get(id=ana.id)).live_referrals == 36_001


async def test_the_live_counter_follows_every_state_change(runtime: Runtime, clock: Clock) -> None:
    # Given Ana with two friends' credited orders
    shop = await sandbox_shop(runtime)
    await save_program(runtime, shop, COUNTED, actor="test")
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    placed = clock.now - timedelta(hours=2)
    for n in (1, 2):
        body = order_body(600 + n, placed, code=ana.friend_code, email=f"f{n}@example.org",
                          customer_id=f"88{n}")  # fmt: skip
        assert await deliver(runtime, body, f"d-{n}") == {"done": 1}
    assert (await Advocate.get(id=ana.id)).live_referrals == 2

    # When one is rejected by a person and the other's order is refunded in full
    first = await Referral.get(order_id="601")
    await reject_referral(runtime, shop, first.id, "merchant@example.org")
    refunded = order_body(602, placed, code=ana.friend_code, email="f2@example.org",
                          customer_id="882", status="refunded", refunded="120.00", step=1)  # fmt: skip
    assert await deliver(runtime, refunded, "d-2r", "orders/updated") == {"done": 1}

    # Then neither counts any more, and her next referral is number 1 again
    assert (await Advocate.get(id=ana.id)).live_referrals == 0
    body = order_body(603, placed, code=ana.friend_code, email="f3@example.org", customer_id="883")
    assert await deliver(runtime, body, "d-3") == {"done": 1}
    third = await Referral.get(order_id="603")
    assert finding(third, "cap_lifetime")["detail"] == {"count": "0"}
    # Velocity counts attempts: the rejected and the refunded referral are still two of them.
    assert finding(third, "velocity")["detail"] == {"count": "3"}
    assert (await Advocate.get(id=ana.id)).live_referrals == 1


async def test_earned_points_add_to_the_counter_once(runtime: Runtime) -> None:
    # Given an advocate
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    entry = {
        "kind": "earn",
        "points": 120,
        "idempotency_key": "earn-1",
        "created_at": runtime.now(),
    }

    # When the same earned entry is appended twice, and a redemption once
    async with in_transaction() as tx:
        assert await append_entry(tx, shop.id, ana.id, **entry) is True
        assert await append_entry(tx, shop.id, ana.id, **entry) is False
        redeem = {**entry, "kind": "redeem", "points": -50, "idempotency_key": "redeem-1"}
        assert await append_entry(tx, shop.id, ana.id, **redeem) is True

    # Then the lifetime points count the earned entry once, and no redemption
    assert (await Advocate.get(id=ana.id)).points_earned == 120
