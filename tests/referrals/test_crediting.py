"""Order deliveries credit a referral once, with its evidence; a "no" is a referral with reasons."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from connector.domain.program import program_to_dict
from connector.domain.program.presets import MILESTONES
from connector.services.base.runtime import Runtime
from connector.services.pipeline import deliveries
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.programs import save_program
from connector.store.models import Delivery, OrderRecord, Referral, ReferralEvent, Reward
from platforms.base import PlatformUnavailable
from tests.conftest import Clock
from tests.referrals.helpers import (
    FRIEND_EMAIL,
    FRIEND_ID,
    deliver,
    delivery_id,
    order_body,
    process,
    put,
    sandbox_shop,
    store,
)

FRAUD_CHECKS = [
    "self_referral",
    "same_email",
    "same_address",
    "same_ip",
    "same_user_agent",
    "disposable_email",
    "velocity",
    "blocklist",
]


async def test_paid_order_with_the_friend_code_creates_one_pending_referral(
    runtime: Runtime, clock: Clock
) -> None:
    # Given an advocate and a friend who pays with her code (typed in lower case)
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    placed = clock.now - timedelta(hours=1)

    # When the orders/paid delivery is processed
    outcome = await deliver(runtime, order_body(5001, placed, code=ana.friend_code.lower()), "d-1")

    # Then one pending referral holds for 14 days, with its evidence, winner and findings
    assert outcome == {"done": 1}
    referral = await Referral.get()
    assert (referral.advocate_id, referral.order_id, referral.state) == (ana.id, "5001", "pending")  # type: ignore[attr-defined]
    assert (referral.qualifying_key, referral.program_version) == ("order:5001", 1)
    assert (referral.friend_customer_id, referral.friend_email) == (FRIEND_ID, FRIEND_EMAIL)
    assert referral.hold_until == clock.now + timedelta(days=14)
    assert (referral.currency, referral.order_subtotal) == ("USD", Decimal("110.00"))
    assert referral.winning_signal == "discount_code"
    assert [(e["signal"], e["matched"], e["reason"]) for e in referral.evidence] == [
        ("discount_code", True, "attributed"),
        ("cart_attribute", False, "no_signal"),
        ("landing_ref", False, "no_signal"),
        ("claimed_email", False, "no_signal"),
    ]
    assert [(f["reason"], f["verdict"]) for f in referral.findings] == [
        ("attributed", "pass"),
        ("not_paid", "pass"),
        ("test_order", "pass"),
        ("currency_mismatch", "pass"),
        ("excluded_product", "pass"),
        ("below_minimum", "pass"),
        ("not_new_customer", "pass"),
        *[(check, "pass") for check in FRAUD_CHECKS],
    ]
    assert [(p["side"], p["kind"], p["money"]) for p in referral.reward_plans] == [
        ("advocate", "store_credit", {"amount": "11.00", "currency": "USD"}),
        ("friend", "fixed_amount_discount", {"amount": "5.00", "currency": "USD"}),
    ]
    events = await ReferralEvent.filter(referral_id=referral.id).values(
        "from_state", "to_state", "event", "cause_kind", "cause_ref"
    )
    assert events == [
        {
            "from_state": None,
            "to_state": "pending",
            "event": "created",
            "cause_kind": "delivery",
            "cause_ref": str(await delivery_id("d-1")),
        }
    ]
    assert await OrderRecord.filter(order_id="5001").count() == 1


async def test_the_same_order_delivered_again_credits_once(runtime: Runtime, clock: Clock) -> None:
    # Given a credited order
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    paid = order_body(5002, clock.now - timedelta(hours=1), code=ana.friend_code)
    await deliver(runtime, paid, "d-paid")

    # When the same webhook comes again, the order comes under other topics, and an operator
    # replays the first delivery
    assert await deliver(runtime, paid, "d-paid") == {}
    assert await deliver(runtime, paid, "d-updated", topic="orders/updated") == {"done": 1}
    assert await deliver(runtime, paid, "d-create", topic="orders/create") == {"done": 1}
    assert await deliveries.replay([await delivery_id("d-paid")], clock.now) == 1
    assert await process(runtime) == {"done": 1}

    # Then there is one referral, one creation event, and after the hold one set of rewards
    assert await Referral.all().count() == 1
    assert await ReferralEvent.all().count() == 1
    clock.advance(days=15)
    assert await approve_due_referrals(runtime) == 1
    assert await approve_due_referrals(runtime) == 0
    assert await Reward.all().count() == 2


async def test_a_test_order_is_rejected_with_its_reason(runtime: Runtime, clock: Clock) -> None:
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate

    await deliver(
        runtime, order_body(5003, clock.now - timedelta(hours=1), code=ana.friend_code, test=True),
        "d-test",
    )  # fmt: skip

    referral = await Referral.get()
    assert (referral.state, referral.state_reason, referral.hold_until) == (
        "rejected",
        "test_order",
        None,
    )
    blocked = [f for f in referral.findings if f["verdict"] == "block"]
    assert blocked == [
        {
            "reason": "test_order",
            "verdict": "block",
            "message": "This is a test order; test orders never earn rewards.",
            "detail": {},
        }
    ]
    assert referral.reward_plans == []


async def test_an_existing_customer_is_rejected_by_the_stores_order_count(
    runtime: Runtime, clock: Clock
) -> None:
    # Given a friend the store knows with two orders: this one and an earlier one
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    store(runtime).add_customer(FRIEND_EMAIL, order_count=2, customer_id=FRIEND_ID)

    await deliver(
        runtime, order_body(5004, clock.now - timedelta(hours=1), code=ana.friend_code), "d-1"
    )

    referral = await Referral.get()
    assert (referral.state, referral.state_reason) == ("rejected", "not_new_customer")
    assert [f for f in referral.findings if f["reason"] == "not_new_customer"] == [
        {
            "reason": "not_new_customer",
            "verdict": "block",
            "message": "The friend already has 1 earlier order(s); only new customers count.",
            "detail": {"prior_orders": "1"},
        }
    ]


async def test_an_order_without_referral_evidence_costs_no_store_call(
    runtime: Runtime, clock: Clock
) -> None:
    # Given a store that would fail the next call
    shop = await sandbox_shop(runtime)
    await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")
    store(runtime)
    adapter = runtime.adapter("sandbox")
    adapter.fail_next(PlatformUnavailable("store down"))  # type: ignore[attr-defined]

    # When an ordinary order (a shop-wide code, no referral) is processed
    outcome = await deliver(runtime, order_body(5005, clock.now, code="SUMMER10"), "d-1")

    # Then it is done without asking the store, and nothing is credited
    assert outcome == {"done": 1}
    assert await Referral.all().count() == 0
    with pytest.raises(PlatformUnavailable):
        await adapter.customer_summary(  # the armed failure is still there
            None,  # type: ignore[arg-type]
            customer_id=FRIEND_ID,
            email=None,
        )


async def test_a_store_outage_while_checking_the_friend_is_retried(
    runtime: Runtime, clock: Clock
) -> None:
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    runtime.adapter("sandbox").fail_next(PlatformUnavailable("store down"))  # type: ignore[attr-defined]

    outcome = await deliver(
        runtime, order_body(5006, clock.now - timedelta(hours=1), code=ana.friend_code), "d-1"
    )

    assert outcome == {"retry": 1}
    stored = await Delivery.get(delivery_key="d-1")
    assert (stored.status, stored.last_error) == ("pending", "PlatformUnavailable: store down")
    assert await Referral.all().count() == 0
    assert await OrderRecord.all().count() == 0  # the transaction never ran
    clock.advance(minutes=1)
    assert await process(runtime) == {"done": 1}
    assert [r.state for r in await Referral.all()] == ["pending"]


async def test_an_unpaid_order_waits_and_is_credited_when_paid(
    runtime: Runtime, clock: Clock
) -> None:
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    placed = clock.now - timedelta(hours=1)

    await deliver(
        runtime, order_body(5007, placed, code=ana.friend_code, status="pending"), "d-create",
        topic="orders/create",
    )  # fmt: skip
    assert await Referral.all().count() == 0

    await deliver(runtime, order_body(5007, placed, code=ana.friend_code, step=1), "d-paid")
    assert [r.state for r in await Referral.all()] == ["pending"]


async def test_a_stale_paid_delivery_after_the_cancel_does_not_credit(
    runtime: Runtime, clock: Clock
) -> None:
    # Given the cancel (newer) processed before the paid delivery (older)
    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    placed = clock.now - timedelta(hours=1)
    cancelled = order_body(
        5008, placed, code=ana.friend_code, status="refunded", refunded="120.00", cancelled=True,
        step=2,
    )  # fmt: skip
    await put(runtime, cancelled, "d-cancel", topic="orders/cancelled")
    await process(runtime)
    await deliver(runtime, order_body(5008, placed, code=ana.friend_code, step=1), "d-paid")

    # Then the order's referral is rejected as cancelled, and stays so
    referral = await Referral.get()
    assert (referral.state, referral.state_reason) == ("rejected", "cancelled")
    assert await ReferralEvent.all().count() == 1


async def test_attribution_by_cart_attribute_and_claimed_email(
    runtime: Runtime, clock: Clock
) -> None:
    # Given two advocates: Bea's link put her code in the cart; Ana's offer was claimed earlier
    from connector.services.referrals.advocates import claim_offer

    shop = await sandbox_shop(runtime)
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    bea = (await enrol_advocate(runtime, shop, email="bea@example.org", name="Bea")).advocate
    await claim_offer(runtime, shop, ana.friend_code, FRIEND_EMAIL.upper())
    clock.advance(hours=2)

    body = order_body(5009, clock.now - timedelta(hours=1), attributes={"ref": bea.friend_code})
    await deliver(runtime, body, "d-1")

    # Then the first touch (Ana's claim) wins; Bea's later cart attribute is listed, not counted
    referral = await Referral.get()
    assert (referral.advocate_id, referral.winning_signal) == (ana.id, "claimed_email")  # type: ignore[attr-defined]
    assert [(e["signal"], e["matched"], e["reason"]) for e in referral.evidence] == [
        ("discount_code", False, "no_signal"),
        ("cart_attribute", False, "later_touch"),
        ("landing_ref", False, "no_signal"),
        ("claimed_email", True, "attributed"),
    ]


async def test_milestones_count_the_friends_purchases_by_the_store(
    runtime: Runtime, clock: Clock
) -> None:
    # Given a milestone program and a friend whose order is her second in the store
    shop = await sandbox_shop(runtime, program=False)
    await save_program(runtime, shop, program_to_dict(MILESTONES), actor="test")
    ana = (await enrol_advocate(runtime, shop, email="ana@example.org", name="Ana")).advocate
    store(runtime).add_customer(FRIEND_EMAIL, order_count=2, customer_id=FRIEND_ID)

    await deliver(runtime, order_body(5010, clock.now, code=ana.friend_code), "d-1")

    # Then the referral is for the second-purchase stage and its reward
    referral = await Referral.get()
    assert (referral.state, referral.stage) == ("pending", "second_purchase")
    assert [(p["side"], p["kind"], p["money"]["amount"]) for p in referral.reward_plans] == [
        ("advocate", "store_credit", "15.00")
    ]
