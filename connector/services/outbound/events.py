"""The events a merchant can subscribe to, and queuing them in the event's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.store.models import WebhookEndpoint, WebhookMessage

ADVOCATE_JOINED = "advocate.joined"
REFERRAL_CREDITED = "referral.credited"
REWARD_ISSUED = "reward.issued"
REFERRAL_REVERSED = "referral.reversed"
EVENTS = (ADVOCATE_JOINED, REFERRAL_CREDITED, REWARD_ISSUED, REFERRAL_REVERSED)


async def enqueue(
    db: BaseDBAsyncClient, shop_id: int, event: str, key: str, payload: dict[str, Any],
    at: datetime,
) -> int:  # fmt: skip
    """Queue `event` for every active endpoint of the shop that subscribes to it; how many.

    `key` names this occurrence of the event (unique per endpoint), so queuing it again, in a
    replayed delivery or a retried job, queues nothing more.
    """
    endpoints = await (
        WebhookEndpoint.filter(shop_id=shop_id, active=True).using_db(db).values_list("id", "events")
    )
    wanted = [endpoint_id for endpoint_id, events in endpoints if event in (events or ())]
    if not wanted:
        return 0
    body = {"event": event, "id": f"{event}:{key}", "created_at": at.isoformat(), "data": payload}
    await WebhookMessage.bulk_create(
        [
            WebhookMessage(shop_id=shop_id, endpoint_id=endpoint_id, event=event,
                           event_key=f"{event}:{key}", payload=body, created_at=at,
                           next_attempt_at=at)
            for endpoint_id in wanted
        ],
        ignore_conflicts=True,
        using_db=db,
    )  # fmt: skip
    return len(wanted)
