"""A delivery erased while its batch is claimed is skipped; the rest of the batch goes on."""

from __future__ import annotations

import httpx

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.store.models import Delivery, DeliveryStatus, OrderRecord, Shop
from tests.privacy.helpers import MARISOL, OSKAR, OTHER_SHOP, deliver, install, order_by
from tests.support.shopify_payloads import SHOP


async def test_a_shop_redact_inside_a_claimed_batch_does_not_stop_the_batch(
    runtime: Runtime, app_client: httpx.AsyncClient
) -> None:
    # Given one batch holding: a shop/redact of the first shop, then an order of that shop
    # (the redaction erases it), then an order of another shop
    await install(runtime, SHOP)
    await install(runtime, OTHER_SHOP, token="shpat_other000001")
    await deliver(app_client, "shop/redact", {"shop_id": 1, "shop_domain": SHOP}, "wh-redact")
    await deliver(app_client, "orders/paid", order_by(MARISOL, 5600000000000001), "wh-a1")
    await deliver(
        app_client, "orders/paid", order_by(OSKAR, 5600000000000009), "wh-b9", shop=OTHER_SHOP
    )
    worker = build_worker(runtime)
    claims = await worker.claim()
    assert len(claims) == 3

    # When the worker processes the batch in order
    outcomes = [await worker.process(claim) for claim in claims]

    # Then the erased delivery is skipped and the other shop's order is credited as usual
    assert outcomes == ["done", "gone", "done"]
    assert not await Shop.exists(domain=SHOP)
    assert await Delivery.filter(shop_domain=SHOP).count() == 0
    other = await Delivery.get(delivery_key="wh-b9")
    assert other.status == DeliveryStatus.DONE
    assert await OrderRecord.filter(order_id="5600000000000009").count() == 1
