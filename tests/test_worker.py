"""The worker: exactly-once processing, retries with backoff, dead-letter, replay, lease takeover."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient

from connector.services.base.inbox import store_delivery
from connector.services.base.runtime import Runtime
from connector.services.pipeline import deliveries
from connector.services.pipeline.worker import HandlerContext, Worker, backoff_seconds
from connector.store.models import Delivery, DeliveryAttempt, DeliveryStatus
from platforms.base import PlatformRateLimited, PlatformUnavailable, WebhookDelivery
from tests.conftest import Clock

SHOP = "worker-test.myshopify.com"


class Recorder:
    """A handler that counts applies and can be told to fail the first N tries."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.applied: Counter[int] = Counter()
        self.prepared: Counter[int] = Counter()
        self.failures = failures
        self.error = error or PlatformUnavailable("store timed out")

    async def prepare(self, ctx: HandlerContext) -> Any:
        self.prepared[ctx.delivery.id] += 1
        if self.failures > 0:
            self.failures -= 1
            raise self.error
        return ctx.payload()

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        self.applied[ctx.delivery.id] += 1


def make_worker(runtime: Runtime, handler: Recorder) -> Worker:
    return Worker(
        runtime,
        {"record": handler},
        lambda platform, topic: "record" if topic == "test/topic" else None,
    )


async def put(
    runtime: Runtime, key: str, topic: str = "test/topic", body: dict[str, Any] | None = None
) -> int:
    raw = json.dumps(body or {"n": key}).encode()
    await store_delivery(
        WebhookDelivery("shopify", SHOP, topic, key, raw, {"x-shopify-topic": topic}), runtime.now()
    )
    return (await Delivery.get(delivery_key=key)).id


async def test_delivery_is_processed_once_and_marked_done(runtime: Runtime) -> None:
    handler = Recorder()
    delivery_id = await put(runtime, "d-1")

    counts = await make_worker(runtime, handler).drain()

    assert counts == {"done": 1}
    assert handler.applied == Counter({delivery_id: 1})
    stored = await Delivery.get(id=delivery_id)
    assert (stored.status, stored.attempts, stored.lease_token) == (DeliveryStatus.DONE, 1, None)
    attempts = await DeliveryAttempt.filter(delivery_id=delivery_id).values_list(
        "outcome", flat=True
    )
    assert list(attempts) == ["done"]
    assert await make_worker(runtime, handler).drain() == {}


async def test_failure_is_retried_after_backoff_then_succeeds(
    runtime: Runtime, clock: Clock
) -> None:
    handler = Recorder(failures=1)
    delivery_id = await put(runtime, "d-retry")
    worker = make_worker(runtime, handler)

    assert await worker.run_once() == {"retry": 1}
    stored = await Delivery.get(id=delivery_id)
    assert stored.status == DeliveryStatus.PENDING
    assert stored.last_error == "PlatformUnavailable: store timed out"
    wait = (stored.next_attempt_at - clock.now).total_seconds()
    assert 4.5 <= wait <= 5.5  # base 5 s, +/- 10 % jitter
    assert await worker.run_once() == {}  # not due yet

    clock.advance(seconds=6)
    assert await worker.run_once() == {"done": 1}
    assert handler.applied == Counter({delivery_id: 1})
    outcomes = (
        await DeliveryAttempt.filter(delivery_id=delivery_id)
        .order_by("id")
        .values_list("outcome", flat=True)
    )
    assert list(outcomes) == ["retry", "done"]


async def test_rate_limit_waits_as_long_as_the_store_asks(runtime: Runtime, clock: Clock) -> None:
    handler = Recorder(failures=1, error=PlatformRateLimited(retry_after=42))
    delivery_id = await put(runtime, "d-429")

    await make_worker(runtime, handler).run_once()

    stored = await Delivery.get(id=delivery_id)
    assert stored.next_attempt_at == clock.now + timedelta(seconds=42)


async def test_dead_letter_after_max_attempts_then_replay(runtime: Runtime, clock: Clock) -> None:
    max_attempts = runtime.settings.worker.max_attempts
    handler = Recorder(failures=max_attempts)
    delivery_id = await put(runtime, "d-dead")
    worker = make_worker(runtime, handler)

    for _ in range(max_attempts):
        await worker.run_once()
        clock.advance(hours=2)

    stored = await Delivery.get(id=delivery_id)
    assert (stored.status, stored.attempts) == (DeliveryStatus.DEAD, max_attempts)
    assert handler.applied == Counter()
    assert await worker.run_once() == {}

    listed = await deliveries.list_deliveries(status="dead")
    assert [(r.id, r.attempts, r.last_error) for r in listed] == [
        (delivery_id, max_attempts, "PlatformUnavailable: store timed out")
    ]
    assert await deliveries.replay_dead(clock.now) == 1
    assert await worker.run_once() == {"done": 1}
    assert handler.applied == Counter({delivery_id: 1})


async def test_topic_without_handler_is_dead_lettered_at_once(runtime: Runtime) -> None:
    delivery_id = await put(runtime, "d-nohandler", topic="products/create")

    counts = await make_worker(runtime, Recorder()).drain()

    assert counts == {"dead": 1}
    stored = await Delivery.get(id=delivery_id)
    assert stored.last_error == "NoHandler: no handler is configured for topic 'products/create'"


async def test_malformed_body_is_dead_lettered_and_keeps_the_raw_bytes(runtime: Runtime) -> None:
    raw = b'{"id": 1, "broken'
    await store_delivery(
        WebhookDelivery("shopify", SHOP, "test/topic", "d-bad", raw, {}), runtime.now()
    )

    counts = await make_worker(runtime, Recorder()).drain()

    assert counts == {"dead": 1}
    stored = await Delivery.get(delivery_key="d-bad")
    assert bytes(stored.body) == raw
    assert stored.last_error is not None
    assert stored.last_error.startswith("FatalDeliveryError: the body is not JSON we can read")


async def test_expired_lease_is_taken_over_and_the_old_owner_cannot_finish(
    runtime: Runtime, clock: Clock
) -> None:
    handler = Recorder()
    delivery_id = await put(runtime, "d-lease")
    slow, fast = make_worker(runtime, handler), make_worker(runtime, handler)

    [stale_claim] = await slow.claim()
    clock.advance(seconds=runtime.settings.worker.lease_seconds + 1)
    assert await fast.run_once() == {"done": 1}

    assert await slow.process(stale_claim) == "lost"
    assert handler.applied == Counter({delivery_id: 1})
    assert (await Delivery.get(id=delivery_id)).status == DeliveryStatus.DONE


async def test_a_replayed_done_delivery_is_processed_again(runtime: Runtime, clock: Clock) -> None:
    handler = Recorder()
    delivery_id = await put(runtime, "d-replay")
    worker = make_worker(runtime, handler)
    await worker.drain()

    assert await deliveries.replay([delivery_id], clock.now) == 1
    await worker.drain()

    assert handler.applied == Counter({delivery_id: 2})


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n, 5, 3600, jitter=0) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff_seconds(20, 5, 3600, jitter=0) == 3600


@pytest.mark.postgres
async def test_four_workers_racing_over_a_thousand_deliveries_process_each_once(
    runtime: Runtime,
) -> None:
    handler = Recorder()
    received = runtime.now()
    for start in range(0, 1000, 100):
        await asyncio.gather(
            *(
                store_delivery(
                    WebhookDelivery("shopify", SHOP, "test/topic", f"race-{n}", b'{"n": 1}', {}),
                    received,
                )
                for n in range(start, start + 100)
            )
        )
    workers = [make_worker(runtime, handler) for _ in range(4)]
    per_worker: list[int] = [0, 0, 0, 0]

    async def run(index: int) -> None:
        while True:
            counts = await workers[index].run_once(limit=5)
            if not counts:
                return
            per_worker[index] += sum(counts.values())

    await asyncio.gather(*(run(i) for i in range(4)))

    ids = await Delivery.all().values_list("id", flat=True)
    assert len(ids) == 1000
    assert handler.applied == Counter({int(i): 1 for i in ids})
    assert sum(handler.prepared.values()) == 1000
    assert await Delivery.filter(status=DeliveryStatus.DONE, attempts=1).count() == 1000
    assert await DeliveryAttempt.all().count() == 1000
    assert sum(per_worker) == 1000
    assert sum(1 for n in per_worker if n > 0) >= 2  # the work really was shared
