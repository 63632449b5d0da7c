"""Operator view of the inbox: list, show and replay stored deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector import jsonsafe
from connector.store.models import Delivery, DeliveryAttempt, DeliveryStatus


@dataclass(frozen=True)
class DeliveryRow:
    """One line of `connector deliveries list`."""

    id: int
    platform: str
    topic: str
    shop: str
    webhook_id: str
    status: str
    attempts: int
    received_at: datetime
    last_error: str | None


def _row(d: Delivery) -> DeliveryRow:
    return DeliveryRow(
        id=d.id,
        platform=d.platform,
        topic=d.topic,
        shop=d.shop_domain,
        webhook_id=d.delivery_key,
        status=str(d.status.value if isinstance(d.status, DeliveryStatus) else d.status),
        attempts=d.attempts,
        received_at=d.received_at,
        last_error=d.last_error,
    )


async def list_deliveries(
    *,
    status: str | None = None,
    shop: str | None = None,
    topic: str | None = None,
    limit: int = 50,
    platform: str | None = None,
) -> list[DeliveryRow]:
    """The newest deliveries first, optionally filtered."""
    query = Delivery.all()
    if status:
        query = query.filter(status=DeliveryStatus(status))
    if shop:
        query = query.filter(shop_domain=shop)
    if platform:
        query = query.filter(platform=platform)
    if topic:
        query = query.filter(topic=topic)
    return [_row(d) for d in await query.order_by("-id").limit(limit)]


async def show_delivery(delivery_id: int) -> dict[str, Any] | None:
    """A delivery with its headers, body and attempt history."""
    delivery = await Delivery.get_or_none(id=delivery_id)
    if delivery is None:
        return None
    attempts = await DeliveryAttempt.filter(delivery_id=delivery_id).order_by("id")
    raw = bytes(delivery.body)
    try:
        body: Any = jsonsafe.loads(raw)
    except ValueError:
        body = raw.decode("utf-8", "replace")
    row = _row(delivery)
    return {
        **row.__dict__,
        "event_id": delivery.event_id,
        "triggered_at": delivery.triggered_at,
        "next_attempt_at": delivery.next_attempt_at,
        "processed_at": delivery.processed_at,
        "headers": delivery.headers,
        "body": body,
        "history": [
            {
                "number": a.number,
                "started_at": a.started_at,
                "finished_at": a.finished_at,
                "outcome": a.outcome,
                "error": a.error,
            }
            for a in attempts
        ],
    }


async def missing(delivery_ids: list[int]) -> list[int]:
    """Which of these ids name no stored delivery, in the order given."""
    rows = await Delivery.filter(id__in=delivery_ids).only("id")
    found = {row.id for row in rows}
    return [i for i in delivery_ids if i not in found]


async def replay(delivery_ids: list[int], now: datetime) -> int:
    """Queue deliveries again (dead or done), with a fresh attempt budget; return how many."""
    return (
        await Delivery.filter(id__in=delivery_ids)
        .exclude(status=DeliveryStatus.PROCESSING)
        .update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            attempts=0,
            lease_token=None,
            lease_until=None,
        )
    )


async def replay_dead(now: datetime, shop: str | None = None) -> int:
    """Queue every dead-lettered delivery again (optionally of one shop)."""
    query = Delivery.filter(status=DeliveryStatus.DEAD)
    if shop:
        query = query.filter(shop_domain=shop)
    ids: list[int] = [int(i) for i in await query.values_list("id", flat=True)]  # type: ignore[call-overload]
    return await replay(ids, now)
