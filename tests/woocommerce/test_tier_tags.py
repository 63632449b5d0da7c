"""A VIP tier's store tag on WooCommerce: reaching the tier writes the member's tier into their
customer meta (`PUT /customers/{id}` with `meta_data` key `referral_connector_tier`, checked
against the documented customer properties), through the reward outbox, once; losing it after
the grace period clears it, only while the meta still holds that tier's tag."""

from __future__ import annotations

from datetime import timedelta

import httpx

from connector.domain.program import program_to_dict
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.programs import save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.services.rewards.vip import review_tiers
from connector.store.models import Advocate, Shop
from tests.conftest import Clock
from tests.loyalty.test_tier_tags import TAGGED
from tests.support.fake_woocommerce import FakeWooCommerce
from tests.woocommerce.test_end_to_end import gmt, send
from tests.woocommerce.test_loyalty_journey import STORE, marta_order
from tests.woocommerce.test_routes import connected

META = "referral_connector_tier"


async def test_reaching_a_tier_sets_the_customers_tier_meta_and_losing_it_clears_it(
    woo_runtime: Runtime, app_client: httpx.AsyncClient, fake_woo: FakeWooCommerce, clock: Clock
) -> None:
    # Given tiers tagged in the store, and Marta, a registered customer, at Bronze
    path, secret = await connected(woo_runtime, app_client)
    shop = await Shop.get(platform="woocommerce", domain=STORE)
    await save_program(woo_runtime, shop, program_to_dict(TAGGED), actor="test")
    customer = fake_woo.add_customer("marta@example.org")
    placed = clock.now - timedelta(hours=1)
    await send(app_client, path, secret, marta_order(fake_woo, customer, placed), "d-tag-1")
    assert await build_worker(woo_runtime).drain() == {"done": 1}

    # When a $700 order lifts her to Silver, the outbox writes her tier into her customer meta
    big = fake_woo.add_order(
        9102, status="processing", email="marta@example.org", customer_id=int(customer),
        total="700.00", currency="USD", created=gmt(placed), modified=gmt(placed),
    )  # fmt: skip
    await send(app_client, path, secret, big, "d-tag-2")
    assert await build_worker(woo_runtime).drain() == {"done": 1}
    marta = await Advocate.get(shop=shop, customer_id=customer)
    assert marta.vip_tier == "Silver"
    assert await issue_due_rewards(woo_runtime) == 2  # the free-shipping coupon and the meta
    writes = [
        c.body for c in fake_woo.calls if c.method == "PUT" and c.path == f"/customers/{customer}"
    ]
    assert writes == [{"meta_data": [{"key": META, "value": "VIP Silver"}]}]
    assert fake_woo.tier_meta(customer) == "VIP Silver"
    assert await issue_due_rewards(woo_runtime) == 0

    # When that order is cancelled she falls below Silver; after the grace period she steps
    # down, and the meta is cleared (read first: a later tier may have written its own)
    later = placed + timedelta(minutes=30)
    cancelled = fake_woo.add_order(
        9102, status="cancelled", email="marta@example.org", customer_id=int(customer),
        total="700.00", currency="USD", created=gmt(placed), modified=gmt(later),
    )  # fmt: skip
    await send(app_client, path, secret, cancelled, "d-tag-3")
    assert await build_worker(woo_runtime).drain() == {"done": 1}
    assert await review_tiers(woo_runtime) == 0
    assert fake_woo.tier_meta(customer) == "VIP Silver"
    clock.advance(days=31)
    assert await review_tiers(woo_runtime) == 1
    assert await issue_due_rewards(woo_runtime) == 2  # the coupon deleted, the meta cleared
    calls = [f"{c.method} {c.path}" for c in fake_woo.calls if c.path == f"/customers/{customer}"]
    assert calls[-2:] == [f"GET /customers/{customer}", f"PUT /customers/{customer}"]
    writes = [
        c.body for c in fake_woo.calls if c.method == "PUT" and c.path == f"/customers/{customer}"
    ]
    assert writes[-1] == {"meta_data": [{"key": META, "value": ""}]}
    assert fake_woo.tier_meta(customer) == ""
    assert fake_woo.invalid == []
