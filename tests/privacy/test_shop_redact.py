"""shop/redact: no row of the shop is left in any table; another shop keeps everything."""

from __future__ import annotations

import httpx

from connector.services.base.runtime import Runtime
from connector.store.models import Delivery, DeliveryAttempt, OrderRecord, Shop
from tests.conftest import Clock
from tests.privacy.helpers import (
    MARISOL,
    OSKAR,
    OTHER_SHOP,
    compliance,
    deliver,
    install,
    order_by,
    process,
    shop_body,
    where_stored,
)
from tests.support.shopify_payloads import SHOP


async def test_shop_redact_leaves_no_row_of_the_shop(
    runtime: Runtime, app_client: httpx.AsyncClient, clock: Clock
) -> None:
    # Given two shops with orders, a data request, and the first one uninstalled
    await install(runtime, SHOP)
    await install(runtime, OTHER_SHOP, token="shpat_other000001")
    await deliver(app_client, "orders/paid", order_by(MARISOL, 5600000000000001), "wh-a1")
    await deliver(
        app_client, "orders/paid", order_by(OSKAR, 5600000000000009), "wh-b9", shop=OTHER_SHOP
    )
    await deliver(
        app_client,
        "customers/data_request",
        compliance("customers/data_request", MARISOL, [5600000000000001]),
        "wh-a-dr",
    )
    await deliver(
        app_client, "app/uninstalled", shop_body(), "wh-a-uninstall", triggered_at=clock.now
    )
    assert await process(runtime) == {"done": 4}
    gone = await Shop.get(domain=SHOP)
    assert await where_stored((SHOP, OTHER_SHOP)) == {
        SHOP: {"delivery", "privacy_request", "shop"},
        OTHER_SHOP: {"delivery", "shop"},
    }

    # When shop/redact arrives for the first shop
    clock.advance(hours=48)
    await deliver(
        app_client, "shop/redact", {"shop_id": 954889, "shop_domain": SHOP}, "wh-a-redact"
    )
    outcome = await process(runtime)

    # Then nothing names it, nothing hangs off it, and the other shop is whole
    assert outcome == {"done": 1}
    assert await where_stored((SHOP,)) == {}
    assert await OrderRecord.filter(shop_id=gone.id).count() == 0
    assert [s.domain for s in await Shop.all()] == [OTHER_SHOP]
    kept = await Delivery.all()
    assert [d.delivery_key for d in kept] == ["wh-b9"]
    assert await DeliveryAttempt.all().values("delivery_id") == [{"delivery_id": kept[0].id}]
    assert await OrderRecord.all().values_list("order_id", "email") == [
        ("5600000000000009", OSKAR.email)
    ]
