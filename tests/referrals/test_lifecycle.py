"""A referral over time: the hold, cancels and refunds before and after its rewards, versions."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from connector.domain.program.kinds import RewardKind
from connector.domain.rewards.amounts import Side, idempotency_key
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.programs import save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.rewards.payouts import mark_paid
from connector.store.models import Advocate, Referral, ReferralEvent, Reward, Shop
from tests.conftest import Clock
from tests.referrals.helpers import (
    FRIEND_EMAIL,
    FRIEND_ID,
    PROGRAM,
    SHOP,
    deliver,
    order_body,
    sandbox_shop,
)

CREDIT_KEY = idempotency_key(SHOP, "6001", Side.ADVOCATE, RewardKind.STORE_CREDIT, "base")
FRIEND_KEY = idempotency_key(SHOP, "6001", Side.FRIEND, RewardKind.FIXED_DISCOUNT, "base")


async def _credited(runtime: Runtime, clock: Clock) -> tuple[Shop, Advocate, datetime]:
    """A shop with Ana, whose friend paid order 6001 with her code an hour ago."""
    shop = await sandbox_shop(runtime)
    ana = (
        await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana", customer_id="7001")
    ).advocate
    placed = clock.now - timedelta(hours=1)
    await deliver(runtime, order_body(6001, placed, code=ana.friend_code), "d-paid")
    return shop, ana, placed


def _refund(ana: Advocate, placed: datetime, amount: str, step: int = 5) -> dict[str, Any]:
    """Order 6001 as refunded by `amount` (in full at 120.00), `step` minutes after it was paid."""
    status = "refunded" if amount == "120.00" else "partially_refunded"
    return order_body(6001, placed, code=ana.friend_code, status=status, refunded=amount, step=step)


async def _events(referral: Referral) -> list[tuple[Any, ...]]:
    rows = await ReferralEvent.filter(referral_id=referral.id).order_by("id")
    return [(e.from_state, e.to_state, e.event, e.reason, e.cause_kind) for e in rows]


async def _rewards() -> list[tuple[Any, ...]]:
    rows = await Reward.all().order_by("id")
    return [(r.idempotency_key, r.kind, r.amount, r.currency, r.status, r.reason) for r in rows]


async def _approved(runtime: Runtime, clock: Clock) -> tuple[Shop, Advocate, datetime]:
    shop, ana, placed = await _credited(runtime, clock)
    clock.advance(days=14, hours=1)
    assert await approve_due_referrals(runtime) == 1
    return shop, ana, placed


async def test_hold_expiry_approves_and_writes_rewards_with_deterministic_keys(
    runtime: Runtime, clock: Clock
) -> None:
    # Given a pending referral whose hold has not ended
    _shop, ana, _placed = await _credited(runtime, clock)
    clock.advance(days=13)
    assert await approve_due_referrals(runtime) == 0

    # When the hold ends and the job runs (twice)
    clock.advance(days=1, hours=1)
    approved = await approve_due_referrals(runtime)
    again = await approve_due_referrals(runtime)

    # Then it is approved once, with one pending reward per side under the domain's keys
    assert (approved, again) == (1, 0)
    referral = await Referral.get()
    assert (referral.state, referral.state_reason) == ("approved", "hold_ended")
    assert await _events(referral) == [
        (None, "pending", "created", None, "delivery"),
        ("pending", "approved", "hold_ended", "hold_ended", "job"),
    ]
    rows = await Reward.all().order_by("id")
    assert [(r.idempotency_key, r.side, r.kind, r.amount, r.currency, r.status) for r in rows] == [
        (CREDIT_KEY, "advocate", "store_credit", Decimal("11.00"), "USD", "pending"),
        (FRIEND_KEY, "friend", "fixed_amount_discount", Decimal("5.00"), "USD", "pending"),
    ]
    credit, friend = rows
    assert (credit.advocate_id, credit.recipient_customer_id, credit.expires_at) == (  # type: ignore[attr-defined]
        ana.id,
        "7001",
        None,
    )
    assert (friend.advocate_id, friend.recipient_customer_id, friend.recipient_email) == (  # type: ignore[attr-defined]
        None,
        FRIEND_ID,
        FRIEND_EMAIL,
    )
    assert friend.expires_at == clock.now + timedelta(days=30)


async def test_cancel_during_the_hold_voids_the_referral(runtime: Runtime, clock: Clock) -> None:
    _shop, ana, placed = await _credited(runtime, clock)

    cancelled = order_body(
        6001, placed, code=ana.friend_code, status="voided", cancelled=True, step=5
    )
    await deliver(runtime, cancelled, "d-cancel", topic="orders/cancelled")
    clock.advance(days=15)

    referral = await Referral.get()
    assert (referral.state, referral.state_reason) == ("reversed", "cancelled")
    assert (await _events(referral))[1:] == [
        ("pending", "reversed", "cancel", "cancelled", "delivery")
    ]
    assert await approve_due_referrals(runtime) == 0
    assert await Reward.all().count() == 0


async def test_refund_after_approval_takes_back_each_reward_as_far_as_it_got(
    runtime: Runtime, clock: Clock
) -> None:
    # Given approved rewards: the store credit issued, the friend's code not tried yet
    _shop, ana, placed = await _approved(runtime, clock)
    await Reward.filter(idempotency_key=CREDIT_KEY).update(
        status="issued", attempts=1, issued_at=clock.now, platform_ref="credit-1"
    )

    # When the order is refunded in full
    refunded = _refund(ana, placed, "120.00", step=5)
    await deliver(runtime, refunded, "d-refund", topic="orders/updated")

    # Then the issued credit waits for the outbox to take it back; the untried code just stops
    assert await _rewards() == [
        (CREDIT_KEY, "store_credit", Decimal("11.00"), "USD", "deactivate_pending", "refunded"),
        (FRIEND_KEY, "fixed_amount_discount", Decimal("5.00"), "USD", "deactivated", "refunded"),
    ]
    referral = await Referral.get()
    assert (referral.state, referral.refunded) == ("reversed", Decimal("120.00"))
    assert (await _events(referral))[-1] == (
        "approved",
        "reversed",
        "refund",
        "refunded",
        "delivery",
    )


async def test_refund_after_the_reward_code_was_used_records_a_clawback(
    runtime: Runtime, clock: Clock
) -> None:
    # Given the friend's reward code issued and then used on a later order
    _shop, ana, placed = await _approved(runtime, clock)
    await Reward.filter(idempotency_key=FRIEND_KEY).update(
        status="issued", attempts=1, code="REWARD-ABCDE-FGHJK"
    )
    later = order_body(6002, clock.now - timedelta(minutes=5), code="reward-abcde-fghjk")
    await deliver(runtime, later, "d-later")
    assert (await Reward.get(idempotency_key=FRIEND_KEY)).used_at == clock.now

    # When the first order is refunded
    refunded = _refund(ana, placed, "120.00", step=5)
    await deliver(runtime, refunded, "d-refund", topic="orders/updated")

    # Then the used code is owed back, and the untried credit simply stops
    assert await _rewards() == [
        (CREDIT_KEY, "store_credit", Decimal("11.00"), "USD", "deactivated", "refunded"),
        (FRIEND_KEY, "fixed_amount_discount", Decimal("5.00"), "USD", "clawback", "refunded"),
    ]


async def test_partial_refund_in_the_hold_recomputes_the_value_based_reward(
    runtime: Runtime, clock: Clock
) -> None:
    _shop, ana, placed = await _credited(runtime, clock)

    partial = _refund(ana, placed, "55.00", step=5)
    await deliver(runtime, partial, "d-partial", topic="orders/updated")
    await deliver(runtime, partial, "d-partial-again", topic="orders/updated")

    # 110.00 * (120 - 55) / 120 = 59.58 qualifies; 10 % of it is 5.95; the flat 5.00 stays
    referral = await Referral.get()
    assert (referral.state, referral.refunded) == ("pending", Decimal("55.00"))
    assert [(p["kind"], p["money"]["amount"]) for p in referral.reward_plans] == [
        ("store_credit", "5.95"),
        ("fixed_amount_discount", "5.00"),
    ]
    assert (await _events(referral))[1:] == [
        ("pending", "pending", "partial_refund", "partial_refund", "delivery")
    ]
    clock.advance(days=15)
    await approve_due_referrals(runtime)
    assert [(r.kind, r.amount) for r in await Reward.all().order_by("id")] == [
        ("store_credit", Decimal("5.95")),
        ("fixed_amount_discount", Decimal("5.00")),
    ]


async def test_partial_refund_after_issue_records_the_excess_then_a_full_refund_supersedes_it(
    runtime: Runtime, clock: Clock
) -> None:
    # Given the store credit issued and the friend's code not yet tried
    _shop, ana, placed = await _approved(runtime, clock)
    await Reward.filter(idempotency_key=CREDIT_KEY).update(status="issued", attempts=1)

    # When part of the order is refunded (twice over: a duplicate delivery)
    partial = _refund(ana, placed, "55.00", step=5)
    await deliver(runtime, partial, "d-partial", topic="orders/updated")
    await deliver(runtime, partial, "d-partial-dup", topic="orders/updated")

    # Then the issued credit stays as issued and what it exceeds is owed, once
    partial_key = f"{CREDIT_KEY}:partial:5.95"
    assert await _rewards() == [
        (CREDIT_KEY, "store_credit", Decimal("11.00"), "USD", "issued", None),
        (FRIEND_KEY, "fixed_amount_discount", Decimal("5.00"), "USD", "pending", None),
        (partial_key, "store_credit", Decimal("5.05"), "USD", "clawback", "partial_refund"),
    ]
    assert (await Referral.get()).state == "approved"

    # And when the rest is refunded, the whole credit is taken back instead
    full = _refund(ana, placed, "120.00", step=6)
    await deliver(runtime, full, "d-full", topic="orders/updated")
    assert await _rewards() == [
        (CREDIT_KEY, "store_credit", Decimal("11.00"), "USD", "deactivate_pending", "refunded"),
        (FRIEND_KEY, "fixed_amount_discount", Decimal("5.00"), "USD", "deactivated", "refunded"),
        (partial_key, "store_credit", Decimal("5.05"), "USD", "deactivated", "superseded"),
    ]


async def test_partial_refund_of_an_untried_reward_lowers_it_in_place(
    runtime: Runtime, clock: Clock
) -> None:
    _shop, ana, placed = await _approved(runtime, clock)

    partial = _refund(ana, placed, "55.00", step=5)
    await deliver(runtime, partial, "d-partial", topic="orders/updated")

    assert await _rewards() == [
        (CREDIT_KEY, "store_credit", Decimal("5.95"), "USD", "pending", None),
        (FRIEND_KEY, "fixed_amount_discount", Decimal("5.00"), "USD", "pending", None),
    ]


async def test_a_referral_keeps_the_program_version_it_was_judged_under(
    runtime: Runtime, clock: Clock
) -> None:
    # Given a referral judged under version 1 (10 % store credit)
    shop, ana, placed = await _credited(runtime, clock)

    # When the merchant saves version 2 (20 %), and a second friend orders afterwards
    await save_program(
        runtime,
        shop,
        {**PROGRAM, "advocate_reward": {**PROGRAM["advocate_reward"], "value": "20"}},
        actor="maria@shop",
    )
    second = order_body(
        6003, clock.now, code=ana.friend_code, email="tomas@example.org", customer_id="8802"
    )
    await deliver(runtime, second, "d-second")
    partial = _refund(ana, placed, "55.00", step=5)
    await deliver(runtime, partial, "d-partial", topic="orders/updated")
    clock.advance(days=15)
    await approve_due_referrals(runtime)

    # Then the first keeps version 1's rules (recomputed from them), the second has version 2's
    referrals = await Referral.all().order_by("id")
    assert [(r.order_id, r.program_version) for r in referrals] == [("6001", 1), ("6003", 2)]
    credits = await Reward.filter(kind="store_credit").order_by("id")
    assert [(c.referral_id, c.amount) for c in credits] == [  # type: ignore[attr-defined]
        (referrals[0].id, Decimal("5.95")),
        (referrals[1].id, Decimal("22.00")),
    ]


CASH_KEY = idempotency_key(SHOP, "6001", Side.ADVOCATE, RewardKind.CASH, "base")


async def _paid_cash(runtime: Runtime, clock: Clock) -> tuple[Advocate, datetime]:
    """Ana's 10 % cash reward for order 6001, approved, recorded and paid out by Maria."""
    shop = await sandbox_shop(runtime, program=False)
    cash = {**PROGRAM["advocate_reward"], "kind": "cash"}
    await save_program(runtime, shop, {**PROGRAM, "advocate_reward": cash}, actor="test")
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    placed = clock.now - timedelta(hours=1)
    await deliver(runtime, order_body(6001, placed, code=ana.friend_code), "d-paid")
    clock.advance(days=14, hours=1)
    assert await approve_due_referrals(runtime) == 1
    await issue_due_rewards(runtime)
    reward = await Reward.get(idempotency_key=CASH_KEY)
    await mark_paid(runtime, shop, reward.id, by="maria@shop.example", reference="SEPA-7")
    return ana, placed


async def test_refund_after_cash_was_paid_out_records_it_as_owed(
    runtime: Runtime, clock: Clock
) -> None:
    # Given Ana's cash reward paid out by a person
    ana, placed = await _paid_cash(runtime, clock)
    paid_at = clock.now

    # When the order is refunded in full
    clock.advance(days=1)
    refunded = _refund(ana, placed, "120.00", step=5)
    await deliver(runtime, refunded, "d-refund", topic="orders/updated")

    # Then what was paid is owed back, and the payment stays on record
    cash = await Reward.get(idempotency_key=CASH_KEY)
    assert (cash.status, cash.reason, cash.amount) == ("clawback", "refunded", Decimal("11.00"))
    assert (cash.paid_at, cash.paid_by, cash.payout_reference) == (
        paid_at,
        "maria@shop.example",
        "SEPA-7",
    )
    assert (await Referral.get()).state == "reversed"


async def test_partial_refund_after_cash_was_paid_out_records_the_excess_as_owed(
    runtime: Runtime, clock: Clock
) -> None:
    # Given Ana's cash reward (10 % of 110.00) paid out by a person
    ana, placed = await _paid_cash(runtime, clock)

    # When 55.00 of the 120.00 order is refunded
    partial = _refund(ana, placed, "55.00", step=5)
    await deliver(runtime, partial, "d-partial", topic="orders/updated")

    # Then the payment stands and what it exceeds (11.00 - 5.95) is owed back
    rows = await Reward.filter(kind="cash").order_by("id")
    assert [(r.idempotency_key, r.amount, r.status, r.reason) for r in rows] == [
        (CASH_KEY, Decimal("11.00"), "paid", None),
        (f"{CASH_KEY}:partial:5.95", Decimal("5.05"), "clawback", "partial_refund"),
    ]
