"""The inbox writer: store each verified delivery exactly once, durably, before we answer.

Deliveries that arrive together are written together ("group commit"): each request hands its
row to the process's `InboxWriter` and waits; the writer inserts everything pending in one
multi-row statement and one transaction, then wakes each request with its own outcome. Every
request still answers only after its row is committed, so nothing is acknowledged that is not
durable, while 32 concurrent deliveries cost one commit (one fsync) instead of 32.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from connector.store.db import conn, sql
from platforms.base import WebhookDelivery

_COLUMNS = (
    "platform, shop_domain, delivery_key, topic, headers, body, event_id, triggered_at,"
    " received_at, status, attempts, next_attempt_at"
)
_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)"
_CONFLICT = (
    " ON CONFLICT (platform, shop_domain, delivery_key) DO NOTHING"
    " RETURNING platform, shop_domain, delivery_key"
)
# At most this many rows per statement (10 parameters each; well under SQLite's limit).
MAX_BATCH = 256

Key = tuple[str, str, str]


def _key(delivery: WebhookDelivery) -> Key:
    return (delivery.platform, delivery.shop, delivery.delivery_id)


def _params(delivery: WebhookDelivery, received_at: datetime) -> list[object]:
    headers = json.dumps(dict(delivery.headers), separators=(",", ":"))
    return [
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
    ]


async def insert_deliveries(batch: list[tuple[WebhookDelivery, datetime]]) -> set[Key]:
    """Insert many deliveries in one statement; return the keys that were new.

    The unique key (platform, shop, delivery id) makes a retried or duplicated delivery a no-op,
    with no check-then-insert race. The caller passes distinct keys.
    """
    client = conn()
    # Only constant fragments are joined; every value travels as a bound parameter.
    placeholders = ", ".join([_ROW] * len(batch))
    statement = f"INSERT INTO delivery ({_COLUMNS}) VALUES {placeholders}"  # noqa: S608
    params: list[object] = []
    for delivery, received_at in batch:
        params.extend(_params(delivery, received_at))
    # execute_query_dict always fetches, so RETURNING works on both backends.
    rows = await client.execute_query_dict(sql(statement + _CONFLICT, client), params)
    return {(r["platform"], r["shop_domain"], r["delivery_key"]) for r in rows}


async def store_delivery(delivery: WebhookDelivery, received_at: datetime) -> bool:
    """Insert one delivery now; False when it was already there (a duplicate)."""
    return _key(delivery) in await insert_deliveries([(delivery, received_at)])


class InboxWriter:
    """Batches concurrent inserts into one commit; one per process and event loop."""

    def __init__(self) -> None:
        self._pending: list[tuple[WebhookDelivery, datetime, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def store(self, delivery: WebhookDelivery, received_at: datetime) -> bool:
        """Queue the delivery, wait for its commit; False when it was a duplicate."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((delivery, received_at, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all())
        return await future

    async def _flush_all(self) -> None:
        # Whatever arrives while one batch commits goes into the next batch.
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            await self._flush(batch)

    async def _flush(
        self, batch: list[tuple[WebhookDelivery, datetime, asyncio.Future[bool]]]
    ) -> None:
        first: dict[Key, tuple[WebhookDelivery, datetime]] = {}
        for delivery, received_at, _ in batch:
            first.setdefault(_key(delivery), (delivery, received_at))
        try:
            inserted = await insert_deliveries(list(first.values()))
        except Exception as exc:  # every waiting request answers 500; the store retries
            for *_, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for delivery, _, future in batch:
            key = _key(delivery)
            # Two copies of one delivery in the same batch: only the first counts as new.
            is_new = key in inserted and first.get(key, (None,))[0] is delivery
            if not future.done():
                future.set_result(is_new)
