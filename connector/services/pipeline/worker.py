"""The worker: claim stored deliveries, process each exactly once, retry with backoff, dead-letter.

A claim is a lease: one UPDATE marks a batch `processing` with a fresh lease token (on PostgreSQL
the candidate rows are locked with FOR UPDATE SKIP LOCKED, so concurrent workers never claim the
same row; SQLite has a single writer). A handler first *prepares* outside any transaction (this is
where store calls may happen), then *applies* its writes in one transaction that also marks the
delivery done, guarded by the lease token. A crash before that commit leaves the lease to expire
and the delivery is claimed again; a crash after it leaves the delivery done. If the lease was
lost to another worker meanwhile, the guard fails and the whole transaction rolls back.

Deliveries of a handler that can batch (orders) are prepared together and applied in one
transaction per batch (services.pipeline.batches); the rules above hold for each of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from connector.errors import LeaseLost, NoHandler
from connector.services.base.runtime import Runtime
from connector.services.pipeline.batches import BatchHandler, Item, process_batch

# Re-exported: handlers import these words from the worker.
from connector.services.pipeline.handling import Claim as Claim
from connector.services.pipeline.handling import FatalDeliveryError as FatalDeliveryError
from connector.services.pipeline.handling import Handler as Handler
from connector.services.pipeline.handling import HandlerContext as HandlerContext
from connector.store.db import conn, dialect, sql
from connector.store.models import Delivery, DeliveryAttempt, DeliveryStatus
from platforms.base import PlatformRateLimited, PlatformRejected

log = logging.getLogger("connector.worker")


_CLAIM = (
    "UPDATE delivery SET status = 'processing', lease_token = ?, lease_until = ?,"
    " attempts = attempts + 1"
    " WHERE id IN (SELECT id FROM delivery"
    "  WHERE (status = 'pending' AND next_attempt_at <= ?)"
    "     OR (status = 'processing' AND lease_until < ?)"
    "  ORDER BY next_attempt_at, id LIMIT ?{lock})"
    " RETURNING id"
)
_FINISH = (
    "UPDATE delivery SET status = 'done', processed_at = ?, lease_token = NULL,"
    " lease_until = NULL, last_error = NULL"
    " WHERE id = ? AND lease_token = ? AND status = 'processing'"
)
_RELEASE = (
    "UPDATE delivery SET status = ?, next_attempt_at = ?, last_error = ?, lease_token = NULL,"
    " lease_until = NULL WHERE id = ? AND lease_token = ?"
)


def backoff_seconds(attempt: int, base: float, cap: float, jitter: float = 0.1) -> float:
    """Exponential backoff for the given (1-based) attempt, capped, with +/- jitter."""
    delay: float = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay * (1 + random.uniform(-jitter, jitter))  # noqa: S311 - spreading, not security


class Worker:
    """Claims and processes deliveries; `run` loops until stopped, also running periodic jobs."""

    def __init__(
        self,
        runtime: Runtime,
        handlers: Mapping[str, Handler],
        topic_handlers: Callable[[str, str], str | None],
        periodic: Mapping[str, tuple[float, Callable[[Runtime], Awaitable[Any]]]] | None = None,
    ) -> None:
        self.runtime = runtime
        self.handlers = handlers
        self.topic_handlers = topic_handlers
        self.periodic = dict(periodic or {})
        self._last_run: dict[str, datetime] = {}
        self.settings = runtime.settings.worker

    async def claim(self, limit: int | None = None) -> list[Claim]:
        """Lease up to `limit` due deliveries to this worker."""
        client = conn()
        now = self.runtime.now()
        token = secrets.token_hex(16)
        lock = " FOR UPDATE SKIP LOCKED" if dialect(client) == "postgres" else ""
        query = sql(_CLAIM.format(lock=lock), client)
        lease_until = now + timedelta(seconds=self.settings.lease_seconds)
        rows = await client.execute_query_dict(
            query, [token, lease_until, now, now, limit or self.settings.batch_size]
        )
        # RETURNING gives no order on PostgreSQL; process a batch oldest first, as received.
        return [Claim(int(row["id"]), token) for row in sorted(rows, key=lambda r: int(r["id"]))]

    async def process(self, claim: Claim) -> str:
        """Process one claimed delivery; return its outcome: done, retry or dead."""
        started = self.runtime.now()
        delivery = await Delivery.get_or_none(id=claim.delivery_id)
        if delivery is None:
            # Erased since the claim (a redaction deletes a shop's deliveries): nothing to do,
            # and the rest of the batch goes on.
            log.info("delivery %s: gone before it was processed (erased)", claim.delivery_id)
            return "gone"
        try:
            handler = self._handler(delivery)
            if handler is None:
                raise NoHandler(delivery.topic)
            ctx = HandlerContext(self.runtime, delivery)
            prepared = await handler.prepare(ctx)
            async with in_transaction() as tx:
                rows, _ = await tx.execute_query(
                    sql(_FINISH, tx), [self.runtime.now(), claim.delivery_id, claim.lease_token]
                )
                if not rows:
                    raise LeaseLost(f"delivery {claim.delivery_id} was claimed by another worker")
                await handler.apply(ctx, prepared, tx)
                # shop/redact deletes every delivery of the shop, this one included; an attempt
                # row would then point at a deleted delivery, so record it only if the row remains.
                if await Delivery.exists(id=claim.delivery_id, using_db=tx):
                    await self._record(tx, delivery, started, "done", None)
        except LeaseLost:
            log.warning("delivery %s: lease lost, left to its new owner", claim.delivery_id)
            return "lost"
        except Exception as exc:
            return await self.fail(delivery, claim, started, exc)
        log.info("delivery %s (%s %s): done", delivery.id, delivery.topic, delivery.shop_domain)
        return "done"

    async def fail(
        self, delivery: Delivery, claim: Claim, started: datetime, exc: Exception
    ) -> str:
        """Release a claimed delivery after `exc`: retry it with backoff, or dead-letter it."""
        now = self.runtime.now()
        error = f"{type(exc).__name__}: {exc}"[:2000]
        fatal = isinstance(exc, NoHandler | PlatformRejected | FatalDeliveryError | ValueError)
        attempts = delivery.attempts
        if fatal or attempts >= self.settings.max_attempts:
            outcome, status, next_at = "dead", DeliveryStatus.DEAD, now
        else:
            outcome, status = "retry", DeliveryStatus.PENDING
            if isinstance(exc, PlatformRateLimited):
                delay = exc.retry_after
            else:
                delay = backoff_seconds(
                    attempts, self.settings.backoff_base_seconds, self.settings.backoff_max_seconds
                )
            next_at = now + timedelta(seconds=delay)
        async with in_transaction() as tx:
            rows, _ = await tx.execute_query(
                sql(_RELEASE, tx),
                [status.value, next_at, error, claim.delivery_id, claim.lease_token],
            )
            if rows:
                await self._record(tx, delivery, started, outcome, error)
        log.warning(
            "delivery %s (%s %s) attempt %s: %s -> %s",
            delivery.id,
            delivery.topic,
            delivery.shop_domain,
            attempts,
            error,
            outcome,
        )
        return outcome

    async def _record(
        self,
        tx: BaseDBAsyncClient,
        delivery: Delivery,
        started: datetime,
        outcome: str,
        error: str | None,
    ) -> None:
        await DeliveryAttempt.create(
            delivery_id=delivery.id,
            number=delivery.attempts,
            started_at=started,
            finished_at=self.runtime.now(),
            outcome=outcome,
            error=error,
            using_db=tx,
        )

    async def run_once(self, limit: int | None = None) -> dict[str, int]:
        """Claim one batch and process it, oldest first; return counts by outcome.

        Consecutive deliveries of a `BatchHandler` are prepared and applied together
        (services.pipeline.batches); any other delivery is processed on its own, in its turn.
        """
        claims = await self.claim(limit)
        if not claims:
            return {}
        rows = {d.id: d for d in await Delivery.filter(id__in=[c.delivery_id for c in claims])}
        outcomes: list[str] = []
        run: list[Item] = []
        runs: list[tuple[BatchHandler, list[Item]]] = []
        for claim in claims:
            delivery = rows.get(claim.delivery_id)
            handler = self._handler(delivery) if delivery is not None else None
            if delivery is not None and isinstance(handler, BatchHandler):
                if not runs or runs[-1][0] is not handler or not run:
                    run = []
                    runs.append((handler, run))
                run.append(Item(claim, delivery, HandlerContext(self.runtime, delivery)))
                continue
            for batch_handler, items in runs:
                outcomes += await process_batch(self, batch_handler, items)
            runs, run = [], []
            outcomes.append(await self.process(claim))
        for batch_handler, items in runs:
            outcomes += await process_batch(self, batch_handler, items)
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    def _handler(self, delivery: Delivery) -> Handler | None:
        name = self.topic_handlers(delivery.platform, delivery.topic)
        return self.handlers.get(name) if name else None

    async def drain(self, max_batches: int = 1000) -> dict[str, int]:
        """Process until nothing is due (for tests, the CLI and the demo)."""
        total: dict[str, int] = {}
        for _ in range(max_batches):
            counts = await self.run_once()
            if not counts:
                break
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
        return total

    async def run_periodic(self) -> None:
        """Run each periodic job whose interval has passed."""
        now = self.runtime.now()
        for name, (interval, job) in self.periodic.items():
            last = self._last_run.get(name)
            if last is not None and (now - last).total_seconds() < interval:
                continue
            self._last_run[name] = now
            try:
                await job(self.runtime)
            except Exception:
                log.exception("periodic job %s failed", name)

    async def run(self, stop: asyncio.Event) -> None:
        """Loop: periodic jobs, then a batch; sleep when idle; until `stop` is set."""
        log.info("worker started")
        while not stop.is_set():
            try:
                await self.run_periodic()
                counts = await self.run_once()
            except Exception:
                log.exception("worker loop error")
                counts = {}
            if not counts:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.poll_interval_seconds)
        log.info("worker stopped")
