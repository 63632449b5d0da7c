"""Ingest: put a verified webhook delivery into the inbox, exactly once, before we answer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from connector.services.runtime import Runtime
from connector.store.db import conn, sql
from platforms.base import WebhookDelivery

_INSERT = (
    "INSERT INTO delivery (platform, shop_domain, delivery_key, topic, headers, body, event_id,"
    " triggered_at, received_at, status, attempts, next_attempt_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)"
    " ON CONFLICT (platform, shop_domain, delivery_key) DO NOTHING"
    " RETURNING id"
)


async def store_delivery(delivery: WebhookDelivery, received_at: datetime) -> bool:
    """Insert the delivery into the inbox; False when it was already there (a duplicate).

    One statement, no ORM model building: the unique key (platform, shop, delivery id) makes a
    retried or duplicated delivery a no-op, with no check-then-insert race.
    """
    client = conn()
    headers = json.dumps(dict(delivery.headers), separators=(",", ":"))
    # execute_query_dict always fetches, so RETURNING works on both backends.
    rows = await client.execute_query_dict(
        sql(_INSERT, client),
        [
            delivery.platform,
            delivery.shop,
            delivery.delivery_id,
            delivery.topic,
            headers,
            delivery.raw_body,
            delivery.event_id,
            delivery.triggered_at,
            received_at,
            received_at,
        ],
    )
    return bool(rows)


@dataclass(frozen=True)
class Received:
    """The outcome of receiving one webhook request."""

    delivery: WebhookDelivery
    stored: bool  # False: a duplicate of one already in the inbox


async def receive(
    runtime: Runtime, platform: str, headers: Mapping[str, str], raw_body: bytes
) -> Received:
    """Verify a webhook request on its raw bytes and store it; raise WebhookRejected or NotConfigured."""
    secrets = runtime.webhook_secrets(platform)
    delivery = runtime.adapter(platform).verify_webhook(headers, raw_body, secrets)
    stored = await store_delivery(delivery, runtime.now())
    return Received(delivery, stored)
