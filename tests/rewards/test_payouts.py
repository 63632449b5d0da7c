"""Cash and donation records: listed by period, exported as CSV, marked paid by a person."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.services.base.runtime import Runtime
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.rewards.payouts import list_payouts, mark_paid, payouts_csv
from connector.store.models import Reward, Shop
from tests.conftest import Clock
from tests.rewards.factories import advocate, iso, reward
from tests.support.fake_shopify import FakeShopify


async def test_payouts_csv_has_exact_rows_for_the_period(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    bea = await advocate(
        shop, clock.now, name="Bea", customer_id="7002", email="bea@example.org",
        charity_cause="trees",
    )  # fmt: skip
    start = clock.now
    cash = await reward(shop, clock.now, kind="cash", who=ana, amount="12.5")
    gift = await reward(
        shop, clock.now, kind="charity_donation", key="rw_test_0002", who=bea, amount="5",
        charity_cause="trees",
    )  # fmt: skip
    await issue_due_rewards(runtime)
    clock.advance(days=40)
    await reward(shop, clock.now, kind="cash", key="rw_test_0003", who=ana, amount="7")
    await issue_due_rewards(runtime)  # recorded outside the period below
    clock.advance(hours=2)
    await mark_paid(runtime, shop, cash.id, by="maria@shop.example", reference="SEPA-0042")

    rows = await list_payouts(shop, since=start, until=start + timedelta(days=30))

    assert payouts_csv(rows) == (
        "reward_id,recorded_at,kind,amount,currency,cause,advocate_id,advocate_name,"
        "advocate_email,referral_id,status,paid_at,paid_by,reference\n"
        f"{cash.id},{iso(start)},cash,12.50,EUR,,{ana.id},Ana,ana@example.org,,paid,"
        f"{iso(clock.now)},maria@shop.example,SEPA-0042\n"
        f"{gift.id},{iso(start)},charity_donation,5.00,EUR,trees,{bea.id},Bea,bea@example.org,,"
        "recorded,,,\n"
    )


async def test_marking_paid_twice_keeps_the_first_payment(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    cash = await reward(shop, clock.now, kind="cash", who=ana, amount="10")
    await issue_due_rewards(runtime)

    first = await mark_paid(runtime, shop, cash.id, by="maria@shop.example")
    clock.advance(days=1)
    second = await mark_paid(runtime, shop, cash.id, by="joan@shop.example", reference="X")

    assert second == first
    assert (first.paid_by, first.reference, first.paid_at) == (
        "maria@shop.example",
        "paid",
        clock.now - timedelta(days=1),
    )


async def test_only_recorded_cash_can_be_marked_paid(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    pending = await reward(shop, clock.now, kind="cash", who=ana, amount="10")
    credit = await reward(shop, clock.now, kind="store_credit", key="rw_test_0002", amount="5")

    with pytest.raises(LookupError, match="is pending; only recorded ones are paid"):
        await mark_paid(runtime, shop, pending.id, by="maria@shop.example")
    with pytest.raises(LookupError, match="no cash or donation record"):
        await mark_paid(runtime, shop, credit.id, by="maria@shop.example")

    assert (await Reward.get(id=pending.id)).status == "pending"


async def test_refund_of_a_paid_cash_reward_is_a_clawback(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    ana = await advocate(shop, clock.now)
    paid = await reward(shop, clock.now, kind="cash", who=ana, amount="10")
    unpaid = await reward(shop, clock.now, kind="cash", key="rw_test_0002", who=ana, amount="4")
    await issue_due_rewards(runtime)
    await mark_paid(runtime, shop, paid.id, by="maria@shop.example")
    await Reward.filter(shop=shop).update(status="deactivate_pending", next_attempt_at=clock.now)

    await issue_due_rewards(runtime)

    assert (await Reward.get(id=paid.id)).status == "clawback"
    assert (await Reward.get(id=unpaid.id)).status == "deactivated"
