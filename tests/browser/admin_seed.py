"""Seed the admin browser tests' database before the server starts: an installed Shopify shop
(the fake Admin API's, with a token that never expires) whose data was made the way production
makes it: signed order webhooks processed by the worker against the fake store.

What the pages then show: three advocates, a referral that was rewarded with a cash payout to
make, a referral a fraud check holds for review (a throwaway email), and a delivery that gave up
(a body the parser refuses). Run as `python -m tests.browser.admin_seed` with the server's
environment; it prints the ids the tests use as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import httpx

from connector.app import create_app
from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.crediting import approve_due_referrals
from connector.services.referrals.programs import save_program
from connector.services.rewards.issuing import issue_due_rewards
from connector.settings import Settings, load_settings
from connector.store.db import close_db, init_db, migrate
from connector.store.models import Advocate, Delivery, Referral, Shop
from platforms.woocommerce.adapter import WooCommerceAdapter
from tests.shopify.factories import install_on_fake
from tests.support import woocommerce_payloads as woo_payloads
from tests.support.fake_shopify import installed_fake
from tests.support.fake_woocommerce import installed_woo, resolve_public
from tests.support.shopify_payloads import encode, order, signed_headers
from tests.woocommerce.test_routes import connected

PROGRAM: dict[str, Any] = {
    "name": "Give 10%, get 10 € cash",
    "currency": "EUR",
    "hold_days": 0,
    "rewarded": "advocate",
    "friend_offer": {"kind": "percentage_discount", "value": "10"},
    "advocate_reward": {"kind": "cash", "value": "10.00"},
    "min_subtotal": "20.00",
}
THROWAWAY = "quick.friend@mailinator.com"


async def _deliver(client: httpx.AsyncClient, body: dict[str, Any], webhook_id: str) -> None:
    raw = encode(body)
    answer = await client.post(
        "/webhooks/shopify", content=raw, headers=signed_headers(raw, "orders/paid", webhook_id)
    )
    answer.raise_for_status()


async def seed() -> dict[str, Any]:
    settings = load_settings()
    await migrate(settings.database_url)
    await close_db()
    await init_db(settings.database_url)
    try:
        return {"shopify": await seed_shopify(settings),
                "woocommerce": await seed_woocommerce(settings)}  # fmt: skip
    finally:
        await close_db()


async def seed_shopify(settings: Settings) -> dict[str, Any]:
    """The Shopify shop: its program, advocates and orders (see the module's docstring)."""
    with installed_fake() as fake:
        async with httpx.AsyncClient() as http:
            runtime = Runtime(settings, http)
            shop = await install_on_fake(runtime, fake)
            await save_program(runtime, shop, PROGRAM, actor="seed", note="browser tests")
            ana = (
                await enrol_advocate(
                    runtime,
                    shop,
                    email="ana@example.org",
                    customer_id="7001",
                    name="Ana García",
                )
            ).advocate
            await enrol_advocate(runtime, shop, email="bea@example.org", name="Bea Ruiz")
            await enrol_advocate(runtime, shop, email="carlos@example.org", name="Carlos Díaz")
            fake.add_customer("ana@example.org", orders=1, customer_id=7001)
            fake.add_customer("luis@example.org", orders=1, customer_id=7700112233445566)
            fake.add_customer(THROWAWAY, orders=1, customer_id=7700112233445577)
            app = create_app(runtime=runtime, manage_db=False, run_worker=False)
            transport = httpx.ASGITransport(app=app)
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client,
            ):
                worker = build_worker(runtime)
                # A clean friend: rewarded at once (no hold), a cash record to pay out.
                await _deliver(
                    client,
                    order(5500000000000000001, codes=(ana.friend_code,), email="luis@example.org"),
                    "wh-clean",
                )
                await worker.drain()
                await approve_due_referrals(runtime)
                await issue_due_rewards(runtime)
                # A throwaway email: held for review.
                await _deliver(
                    client,
                    order(
                        5500000000000000002,
                        codes=(ana.friend_code,),
                        email=THROWAWAY,
                        customer_id=7700112233445577,
                    ),
                    "wh-flagged",
                )
                # A body the parser refuses: the delivery gives up at once.
                broken = {"id": "not-a-number", "admin_graphql_api_id": "x"}
                await _deliver(client, broken, "wh-broken")
                await worker.drain()
    return await _ids(shop, ana)


async def _ids(shop: Shop, ana: Advocate) -> dict[str, Any]:
    flagged = await Referral.get(shop_id=shop.id, state="flagged")
    dead = await Delivery.get(shop_domain=shop.domain, platform=shop.platform, status="dead")
    return {"shop": shop.domain, "ana": ana.id, "ana_code": ana.friend_code,
            "flagged": flagged.id, "dead": dead.id}  # fmt: skip


async def seed_woocommerce(settings: Settings) -> dict[str, Any]:
    """The WooCommerce store, connected through the routes, with the same story as Shopify's."""
    with installed_woo() as woo:
        async with httpx.AsyncClient() as http:
            runtime = Runtime(settings, http)
            adapter = runtime.adapter("woocommerce")
            assert isinstance(adapter, WooCommerceAdapter)
            adapter.rest.resolve = resolve_public
            adapter.rest.clock = lambda: woo.now
            app = create_app(runtime=runtime, manage_db=False, run_worker=False)
            transport = httpx.ASGITransport(app=app)
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client,
            ):
                path, secret = await connected(runtime, client)
                shop = await Shop.get(platform="woocommerce", domain=woo_payloads.SHOP)
                await save_program(runtime, shop, PROGRAM, actor="seed", note="browser tests")
                ana_id = woo.add_customer("ana@example.org", orders=1)
                ana = (
                    await enrol_advocate(
                        runtime,
                        shop,
                        email="ana@example.org",
                        customer_id=ana_id,
                        name="Ana García",
                    )
                ).advocate
                await enrol_advocate(runtime, shop, email="bea@example.org", name="Bea Ruiz")
                await enrol_advocate(runtime, shop, email="carlos@example.org", name="Carlos Díaz")
                worker = build_worker(runtime)

                async def deliver(body: dict[str, Any], delivery: str) -> None:
                    raw = woo_payloads.encode(body)
                    headers = woo_payloads.signed_headers(raw, secret=secret, delivery_id=delivery)
                    (await client.post(path, content=raw, headers=headers)).raise_for_status()

                await deliver(
                    woo_payloads.order(
                        2001, codes=(ana.friend_code.lower(),), email="luis@example.org"
                    ),
                    "d-clean",
                )
                await worker.drain()
                await approve_due_referrals(runtime)
                await issue_due_rewards(runtime)
                await deliver(
                    woo_payloads.order(2002, codes=(ana.friend_code.lower(),), email=THROWAWAY),
                    "d-flagged",
                )
                await deliver({"id": "not-a-number"}, "d-broken")
                await worker.drain()
    ids = await _ids(shop, ana)
    return {**ids, "webhook_secret": secret}


def main() -> None:
    sys.stdout.write(json.dumps(asyncio.run(seed())) + "\n")


if __name__ == "__main__":
    main()
