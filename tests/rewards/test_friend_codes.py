"""Friend codes reach the store with the program's friend offer, for new customers only."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from connector.domain.program import Program, RewardRule
from connector.domain.program.kinds import FriendCodeMode, RewardKind
from connector.services.base.runtime import Runtime
from connector.services.referrals.friend_codes import create_pending_friend_codes
from connector.store.models import Advocate, DiscountCode, Shop
from platforms.shopify.segments import NEW_CUSTOMERS_NAME, NEW_CUSTOMERS_QUERY
from tests.conftest import Clock
from tests.rewards.factories import advocate, iso, save_program
from tests.support.fake_shopify import FakeShopify

FRIENDS_GET_10 = Program(
    version=1,
    currency="EUR",
    friend_offer=RewardRule(RewardKind.PERCENTAGE_DISCOUNT, Decimal("10"), expires_days=30),
    advocate_reward=RewardRule(RewardKind.STORE_CREDIT, Decimal("10")),
    min_subtotal=Decimal("25.00"),
)


async def friend_code(
    shop: Shop, who: Advocate, now: datetime, code: str, purpose: str = "friend"
) -> DiscountCode:
    """A friend code the advocate service wrote and the store does not have yet."""
    return await DiscountCode.create(
        shop=shop, advocate=who, code=code, purpose=purpose, created_at=now
    )


async def test_shared_code_is_created_for_new_customers_once(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, FRIENDS_GET_10, clock.now)
    ana = await advocate(shop, clock.now)
    row = await friend_code(shop, ana, clock.now, "ANA-7KQ4")

    created = await create_pending_friend_codes(runtime)

    assert created == 1
    assert fake_shopify.operations == ["segments", "segmentCreate", "discountCodeBasicCreate"]
    assert fake_shopify.calls[1].variables == {
        "name": NEW_CUSTOMERS_NAME,
        "query": NEW_CUSTOMERS_QUERY,
    }
    segment_id = fake_shopify.segments[0]["id"]
    assert fake_shopify.calls[2].variables["input"] == {
        "title": "Referral: friend offer (ANA-7KQ4)",
        "code": "ANA-7KQ4",
        "startsAt": iso(clock.now),
        "context": {"customerSegments": {"add": [segment_id]}},
        "usageLimit": None,
        "appliesOncePerCustomer": True,
        "combinesWith": {
            "orderDiscounts": False,
            "productDiscounts": False,
            "shippingDiscounts": True,
        },
        "minimumRequirement": {"subtotal": {"greaterThanOrEqualToSubtotal": "25.00"}},
        "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
    }
    active = await DiscountCode.get(id=row.id)
    assert (active.status, active.platform_id, active.last_error) == (
        "active",
        fake_shopify.discounts["ana-7kq4"].node_id,
        None,
    )

    again = await create_pending_friend_codes(runtime)

    assert again == 0
    assert len(fake_shopify.calls) == 3


async def test_unique_code_is_single_use_and_expires(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    unique = replace(FRIENDS_GET_10, friend_code_mode=FriendCodeMode.UNIQUE)
    await save_program(shop, unique, clock.now)
    ana = await advocate(shop, clock.now)
    await friend_code(shop, ana, clock.now, "ANA-Q2W3", purpose="friend_single")

    await create_pending_friend_codes(runtime)

    sent = fake_shopify.calls[-1].variables["input"]
    assert (sent["usageLimit"], sent["appliesOncePerCustomer"]) == (1, True)
    assert sent["endsAt"] == iso(clock.now + timedelta(days=30))


async def test_existing_segment_is_reused(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, FRIENDS_GET_10, clock.now)
    segment_id = fake_shopify.add_segment(NEW_CUSTOMERS_NAME, NEW_CUSTOMERS_QUERY)
    ana = await advocate(shop, clock.now)
    bea = await advocate(shop, clock.now, name="Bea", customer_id="7002", email="bea@example.org")
    await friend_code(shop, ana, clock.now, "ANA-7KQ4")
    await friend_code(shop, bea, clock.now, "BEA-8MN5")

    created = await create_pending_friend_codes(runtime)

    assert created == 2
    assert fake_shopify.operations == ["segments"] + ["discountCodeBasicCreate"] * 2
    contexts = [call.variables["input"]["context"] for call in fake_shopify.calls[1:]]
    assert contexts == [{"customerSegments": {"add": [segment_id]}}] * 2


async def test_program_open_to_everyone_needs_no_segment(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, replace(FRIENDS_GET_10, new_customers_only=False), clock.now)
    ana = await advocate(shop, clock.now)
    await friend_code(shop, ana, clock.now, "ANA-7KQ4")

    await create_pending_friend_codes(runtime)

    assert fake_shopify.operations == ["discountCodeBasicCreate"]
    assert fake_shopify.calls[0].variables["input"]["context"] == {"all": "ALL"}


async def test_store_outage_leaves_codes_pending_with_the_error(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    await save_program(shop, replace(FRIENDS_GET_10, new_customers_only=False), clock.now)
    ana = await advocate(shop, clock.now)
    row = await friend_code(shop, ana, clock.now, "ANA-7KQ4")
    for _ in range(4):
        fake_shopify.fail_next(503)

    created = await create_pending_friend_codes(runtime)

    waiting = await DiscountCode.get(id=row.id)
    assert created == 0
    assert (waiting.status, waiting.last_error) == (
        "pending",
        f"PlatformUnavailable: {fake_shopify.shop} answered HTTP 503",
    )

    assert await create_pending_friend_codes(runtime) == 1
    assert (await DiscountCode.get(id=row.id)).status == "active"
