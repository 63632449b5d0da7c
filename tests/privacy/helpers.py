"""Factories and probes for the privacy tests: shoppers, shops, signed deliveries, a table scan."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from connector.services.base.runtime import Runtime
from connector.services.handlers import build_worker
from connector.services.shops.credentials import save_credentials
from connector.store.db import conn, dialect
from connector.store.models import Shop
from platforms.base import StoreCredentials
from tests.support.shopify_payloads import SHOP, encode, order, signed_headers

OTHER_SHOP = "other-privacy-test.myshopify.com"


@dataclass(frozen=True)
class Shopper:
    """One customer and every personal string we must later find, or not find."""

    customer_id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    street: str
    city: str
    zip: str

    def needles(self) -> tuple[str, ...]:
        """The personal strings a scan looks for."""
        return (
            self.email,
            self.first_name,
            self.last_name,
            self.phone,
            self.street,
            self.city,
            self.zip,
        )


MARISOL = Shopper(
    7712000000000001,
    "marisol.quintero@example.net",
    "Marisol",
    "Quintero-Abadía",
    "+34611222333",
    "Calle de la Alameda 44",
    "Villanueva del Pardillo",
    "28229",
)
OSKAR = Shopper(
    7712000000000002,
    "oskar.nilsson@example.se",
    "Oskar",
    "Nilsson",
    "+46701234567",
    "Drottninggatan 5",
    "Stockholm",
    "11151",
)


def order_by(
    shopper: Shopper,
    order_id: int,
    *,
    email: str | None = None,
    customer_id: int | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """An orders/* body placed by `shopper` (their names, phone and address everywhere)."""
    email = email or shopper.email
    customer_id = customer_id or shopper.customer_id
    body = order(order_id, email=email, customer_id=customer_id, **changes)
    address = {
        "first_name": shopper.first_name,
        "last_name": shopper.last_name,
        "name": f"{shopper.first_name} {shopper.last_name}",
        "address1": shopper.street,
        "city": shopper.city,
        "zip": shopper.zip,
        "country_code": "ES",
        "phone": shopper.phone,
    }
    body["customer"] = {
        "id": customer_id,
        "email": email,
        "first_name": shopper.first_name,
        "last_name": shopper.last_name,
        "phone": shopper.phone,
        "default_address": address,
    }
    body["shipping_address"] = address
    body["billing_address"] = address
    body["note"] = f"Ring twice, ask for {shopper.first_name}"
    body["note_attributes"] = [{"name": "gift_from", "value": email.upper()}]
    return body


def compliance(
    topic: str, shopper: Shopper, order_ids: list[int], shop: str = SHOP, email: str | None = None
) -> dict[str, Any]:
    """A customers/data_request or customers/redact body in Shopify's documented shape."""
    body: dict[str, Any] = {
        "shop_id": 954889,
        "shop_domain": shop,
        "customer": {
            "id": shopper.customer_id,
            "email": email or shopper.email,
            "phone": shopper.phone,
        },
    }
    if topic == "customers/data_request":
        body["orders_requested"] = order_ids
        body["data_request"] = {"id": 9999}
    else:
        body["orders_to_redact"] = order_ids
    return body


def shop_body(shop: str = SHOP) -> dict[str, Any]:
    """An app/uninstalled body: the REST Shop resource (the merchant's own data)."""
    return {
        "id": 548380009,
        "name": "Privacy Test Shop",
        "email": "owner@privacy-test.example",
        "domain": shop,
        "myshopify_domain": shop,
        "currency": "EUR",
    }


async def install(
    runtime: Runtime,
    shop: str = SHOP,
    token: str = "shpat_first0000001",
    scopes: tuple[str, ...] = ("read_orders",),
) -> Shop:
    """Store credentials for a shop, as an install completes."""
    return await save_credentials(
        runtime,
        StoreCredentials(
            platform="shopify",
            shop=shop,
            access_token=token,
            scopes=scopes,
            expires_at=runtime.now() + timedelta(minutes=60),
            refresh_token=f"shprt_of_{token}",
            refresh_token_expires_at=runtime.now() + timedelta(days=90),
            extra={"webhook_secret": f"whsec_of_{token}"},
        ),
    )


async def deliver(
    client: httpx.AsyncClient,
    topic: str,
    payload: Any,
    webhook_id: str,
    *,
    shop: str = SHOP,
    triggered_at: datetime | None = None,
) -> None:
    """POST one signed delivery to the webhook route and check it was stored."""
    body = encode(payload)
    headers = signed_headers(body, topic, webhook_id, shop=shop)
    if triggered_at is not None:
        headers["X-Shopify-Triggered-At"] = triggered_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    answer = await client.post("/webhooks/shopify", content=body, headers=headers)
    assert answer.status_code == 200, answer.text


async def process(runtime: Runtime) -> dict[str, int]:
    """Run the worker until nothing is due."""
    return await build_worker(runtime).drain()


async def table_names() -> list[str]:
    """Every table in the database, from its catalogue (so tables added later are scanned too)."""
    client = conn()
    if dialect(client) == "postgres":
        query = (
            "SELECT table_name AS name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return sorted(str(row["name"]) for row in await client.execute_query_dict(query))


def _texts(value: Any) -> list[str]:
    """The readable forms of a stored value: text as is, blobs decoded, JSON also unescaped."""
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return [json.dumps(value, ensure_ascii=False)]
    if not isinstance(value, str):
        return []
    texts = [value]
    with contextlib.suppress(ValueError):  # only JSON text has an unescaped form
        texts.append(json.dumps(json.loads(value), ensure_ascii=False))
    return texts


async def where_stored(needles: tuple[str, ...]) -> dict[str, set[str]]:
    """For each needle found (case-insensitively) anywhere in the database, the tables holding it."""
    client = conn()
    found: dict[str, set[str]] = {}
    for table in await table_names():
        for row in await client.execute_query_dict(f'SELECT * FROM "{table}"'):
            for value in row.values():
                for text in _texts(value):
                    for needle in needles:
                        if needle.casefold() in text.casefold():
                            found.setdefault(needle, set()).add(table)
    return found
