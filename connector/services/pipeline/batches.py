"""Batches: the worker's claimed deliveries of one handler, prepared and applied together.

A handler that also implements `BatchHandler` gets a whole batch at once: `prepare_batch` loads
what all of them need in a few set-based queries (outside any transaction, store calls
included), then one transaction marks the batch done, guarded by the lease, takes the batch's
row locks in a fixed order and does its set-based writes (`begin_batch`), applies each delivery
(ordered by `batch_key`) and records every attempt in one insert. If anything in it fails,
nothing of the batch is written and each delivery is processed again on its own
(`Worker.process`), so only the one at fault is retried or dead-lettered. The counters the batch
adds to are summed and written once before it commits (services.base.deferred). Exactly once holds as
before: a delivery is done in the same transaction as its writes, and only while the lease is
still this worker's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from connector.services.base import deferred
from connector.services.base.runtime import Runtime
from connector.services.pipeline.handling import Claim, HandlerContext
from connector.settings import WorkerSettings
from connector.store.db import sql
from connector.store.models import Delivery, DeliveryAttempt

log = logging.getLogger("connector.worker")


class Runner(Protocol):
    """What a batch needs of the worker that claimed it."""

    runtime: Runtime
    settings: WorkerSettings

    async def process(self, claim: Claim) -> str:
        """Process one claimed delivery on its own; its outcome."""
        ...

    async def fail(
        self, delivery: Delivery, claim: Claim, started: datetime, exc: Exception
    ) -> str:
        """Retry or dead-letter a claimed delivery after `exc`; the outcome."""
        ...


@runtime_checkable
class BatchHandler(Protocol):
    """A handler whose deliveries can be prepared together and applied in one transaction."""

    async def prepare_batch(self, ctxs: Sequence[HandlerContext]) -> list[Any]:
        """What `apply` needs for each delivery, or the exception that delivery met."""
        ...

    def batch_key(self, prepared: Any) -> Any:
        """The order in which a batch is applied (so that workers take shared locks alike)."""
        ...

    async def begin_batch(self, prepared: Sequence[Any], tx: BaseDBAsyncClient) -> list[Any]:
        """In the batch's transaction, before any delivery is applied: take the rows the batch
        will change in a fixed order, and do its set-based work; return what each `apply` gets."""
        ...

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        """Write one delivery's outcome (as `Handler.apply`)."""
        ...


_FINISH_MANY = (
    "UPDATE delivery SET status = 'done', processed_at = ?, lease_token = NULL,"
    " lease_until = NULL, last_error = NULL"
    " WHERE id IN ({marks}) AND lease_token = ? AND status = 'processing' RETURNING id"
)


@dataclass
class Item:
    """One delivery of the batch and how it is getting on."""

    claim: Claim
    delivery: Delivery
    ctx: HandlerContext
    prepared: Any = None
    error: Exception | None = None


async def process_batch(worker: Runner, handler: BatchHandler, items: list[Item]) -> list[str]:
    """Prepare and apply `items` (all claimed under one lease); their outcomes, in any order."""
    started = worker.runtime.now()
    try:
        found = await handler.prepare_batch([item.ctx for item in items])
    except Exception as exc:  # the batch's loads failed (the database): every delivery retries
        found = [exc] * len(items)
    for item, prepared in zip(items, found, strict=True):
        if isinstance(prepared, Exception):
            item.error = prepared
        else:
            item.prepared = prepared
    ready = sorted(
        (item for item in items if item.error is None),
        key=lambda item: (handler.batch_key(item.prepared), item.delivery.id),
    )
    outcomes: list[str] = []
    if ready:
        try:
            outcomes += await _apply(worker, handler, ready, started)
        except Exception:
            # Nothing of the batch was written: each delivery goes again on its own, so that
            # the one that fails is retried or dead-lettered and the others are done.
            log.warning("a batch of %s failed; processing its deliveries one by one", len(ready))
            outcomes += [await worker.process(item.claim) for item in ready]
    for item in items:
        if item.error is not None:
            outcomes.append(await worker.fail(item.delivery, item.claim, started, item.error))
    return outcomes


async def _apply(
    worker: Runner, handler: BatchHandler, ready: list[Item], started: datetime
) -> list[str]:
    now = worker.runtime.now()
    token = ready[0].claim.lease_token
    ids = [item.delivery.id for item in ready]
    marks = ", ".join("?" for _ in ids)
    outcomes: list[str] = []
    async with in_transaction() as tx:
        rows = await tx.execute_query_dict(
            sql(_FINISH_MANY.format(marks=marks), tx), [now, *ids, token]
        )
        finished = {int(row["id"]) for row in rows}
        mine = [item for item in ready if item.delivery.id in finished]
        if len(mine) < len(ready):
            # Not ours any more: claimed by another worker after our lease ran out, or erased
            # since the claim (a redaction deletes a shop's deliveries).
            missing = [i for i in ids if i not in finished]
            found = Delivery.filter(id__in=missing).using_db(tx).values_list("id", flat=True)
            there = set(await found)
            outcomes += ["lost" if i in there else "gone" for i in missing]
        # Counters the deliveries add to (tallies, an advocate's live referrals) are summed and
        # written once, in key order, at the end of the block (services.base.deferred).
        async with deferred.collect(tx):
            states = await handler.begin_batch([item.prepared for item in mine], tx)
            for item, state in zip(mine, states, strict=True):
                await handler.apply(item.ctx, state, tx)
        finished_at = worker.runtime.now()
        attempts = [
            DeliveryAttempt(
                delivery_id=item.delivery.id,
                number=item.delivery.attempts,
                started_at=started,
                finished_at=finished_at,
                outcome="done",
            )
            for item in mine
        ]
        if attempts:
            await DeliveryAttempt.bulk_create(attempts, using_db=tx)
    for item in mine:
        log.info("delivery %s (%s %s): done", item.delivery.id, item.delivery.topic,
                 item.delivery.shop_domain)  # fmt: skip
    outcomes += ["done"] * len(mine)
    return outcomes
