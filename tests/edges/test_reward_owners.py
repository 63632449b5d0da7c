"""Every reward code is bound to its advocate, on every platform: whoever else learns the code
cannot spend it, and an advocate the store does not know by id is found by the email we hold."""

from __future__ import annotations

import httpx

from connector.services.base.runtime import Runtime
from connector.services.rewards.actions import code_for
from connector.services.rewards.issuing import issue_due_rewards
from connector.store.models import Reward, Shop
from tests.conftest import Clock
from tests.rewards.factories import advocate, reward
from tests.support.fake_shopify import FakeShopify
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_routes import connected

EMAIL = "ana@example.org"


def _context(fake: FakeShopify) -> dict[str, object]:
    created = [c for c in fake.calls if "discountCodeBasicCreate" in c.root_fields]
    assert len(created) == 1
    context: dict[str, object] = created[0].variables["input"]["context"]
    return context


async def test_shopify_an_email_only_advocates_code_is_for_the_customer_with_that_email(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    # Given an advocate enrolled by email alone, who is not yet a customer of the store
    ana = await advocate(shop, clock.now, customer_id=None, email=EMAIL)
    row = await reward(shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10")

    # When the reward is issued
    assert await issue_due_rewards(runtime) == 1

    # Then the store customer with her email is made, and the code is for that customer only
    assert fake_shopify.operations == [
        "customerByIdentifier", "customerCreate", "discountCodeBasicCreate"
    ]  # fmt: skip
    made = next(c for c in fake_shopify.customers.values() if c.email == EMAIL)
    assert _context(fake_shopify) == {"customers": {"add": [made.gid]}}
    assert fake_shopify.calls[1].variables == {"input": {"email": EMAIL}}
    issued = await Reward.get(id=row.id)
    assert (issued.status, issued.code) == ("issued", code_for(runtime, row.idempotency_key))


async def test_shopify_a_customer_id_unknown_to_the_store_falls_back_to_the_email(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    # Given an advocate whose customer id the store does not know, but who is a customer by email
    known = fake_shopify.add_customer(EMAIL)
    ana = await advocate(shop, clock.now, customer_id="1234", email=EMAIL)
    row = await reward(shop, clock.now, kind="percentage_discount", who=ana, amount="15")

    assert await issue_due_rewards(runtime) == 1

    # Then the reward is issued to her customer found by email, not failed for good
    assert fake_shopify.operations == [
        "customer",
        "customerByIdentifier",
        "discountCodeBasicCreate",
    ]
    assert _context(fake_shopify) == {"customers": {"add": [f"gid://shopify/Customer/{known}"]}}
    assert (await Reward.get(id=row.id)).status == "issued"


async def test_shopify_a_reward_with_no_owner_at_all_fails_saying_so_and_calls_nothing(
    runtime: Runtime, shop: Shop, fake_shopify: FakeShopify, clock: Clock
) -> None:
    row = await reward(shop, clock.now, kind="fixed_amount_discount", amount="10")

    await issue_due_rewards(runtime)

    failed = await Reward.get(id=row.id)
    assert (failed.status, failed.reason, failed.last_error) == (
        "failed", "no_owner", "the reward has no owner to bind its code to"
    )  # fmt: skip
    assert fake_shopify.operations == []


async def test_woocommerce_an_email_only_advocates_coupon_is_restricted_to_her_email(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    await connected(woo_runtime, app_client)
    shop = await Shop.get(platform="woocommerce", domain="store.example")
    ana = await advocate(shop, clock.now, customer_id=None, email=EMAIL)
    row = await reward(shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10")

    assert await issue_due_rewards(woo_runtime) == 1

    posted = [c.body for c in fake_woo.calls if c.method == "POST" and c.path == "/coupons"]
    assert len(posted) == 1
    assert posted[0]["email_restrictions"] == [EMAIL]
    assert posted[0]["code"] == code_for(woo_runtime, row.idempotency_key).lower()
    assert (await Reward.get(id=row.id)).status == "issued"


async def test_woocommerce_a_customer_id_unknown_to_the_store_is_restricted_by_the_email_we_hold(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    await connected(woo_runtime, app_client)
    shop = await Shop.get(platform="woocommerce", domain="store.example")
    ana = await advocate(shop, clock.now, customer_id="987654", email=EMAIL)
    row = await reward(shop, clock.now, kind="fixed_amount_discount", who=ana, amount="10")

    assert await issue_due_rewards(woo_runtime) == 1

    posted = [c.body for c in fake_woo.calls if c.method == "POST" and c.path == "/coupons"]
    assert [p["email_restrictions"] for p in posted] == [[EMAIL]]
    assert (await Reward.get(id=row.id)).status == "issued"
