"""Outbox rows: lease due rows of a table, write to them under the lease, retry with backoff.

Shared by the reward outbox (services.rewards.outbox), the outbound webhooks
(services.outbound) and the message outbox (services.notifications.sender). A lease is one UPDATE that stamps a batch of due rows with a fresh token and
an expiry (on PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so two workers
never lease the same row; SQLite has a single writer). The status does not change while a row is
leased: a lapsed lease makes the row due again. Every later write is guarded by the token, so a
worker whose lease was taken over changes nothing. Rows of shops that are not active are not
leased, unless the caller says so (the message outbox). Each table needs `status`, `attempts`, `next_attempt_at`, `lease_token`, `lease_until`
and `shop_id` columns.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from connector.services.base.runtime import Runtime
from connector.services.pipeline.worker import backoff_seconds
from connector.store.db import conn, dialect, sql

_LEASE = (
    "UPDATE {table} SET lease_token = ?, lease_until = ?, attempts = attempts + 1"
    " WHERE id IN (SELECT id FROM {table}"
    "  WHERE status IN ({statuses})"
    "    AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
    "    AND (lease_until IS NULL OR lease_until < ?)"
    "    {active}"
    "  ORDER BY id LIMIT ?{lock})"
    " RETURNING id"
)


async def lease(
    runtime: Runtime,
    model: type[Model],
    due: Sequence[str],
    limit: int,
    *,
    active_shops_only: bool = True,
) -> tuple[str, list[int]]:
    """Lease up to `limit` due rows of `model`'s table; the lease token and the rows' ids.

    `active_shops_only=False` leases rows of every shop (the message outbox: a shop waiting for
    its merchant to re-authorise must still be able to tell the merchant so).
    """
    client = conn()
    now = runtime.now()
    token = secrets.token_hex(16)
    lock = " FOR UPDATE SKIP LOCKED" if dialect(client) == "postgres" else ""
    until = now + timedelta(seconds=runtime.settings.worker.lease_seconds)
    active = "AND shop_id IN (SELECT id FROM shop WHERE status = 'active')"
    query = _LEASE.format(
        table=model._meta.db_table, statuses=", ".join("?" for _ in due), lock=lock,
        active=active if active_shops_only else "",
    )
    rows = await client.execute_query_dict(
        sql(query, client), [token, until, *due, now, now, limit]
    )
    return token, sorted(int(row["id"]) for row in rows)


async def guarded(
    model: type[Model], row_id: int, token: str, tx: BaseDBAsyncClient | None = None,
    **values: Any,
) -> bool:  # fmt: skip
    """Write `values` to the leased row if the lease is still ours; False when it was lost."""
    query = model.filter(id=row_id, lease_token=token)
    if tx is not None:
        query = query.using_db(tx)
    return bool(await query.update(**values))


def settled(status: str, **values: Any) -> dict[str, Any]:
    """The columns of a row leaving the outbox with `status` (lease released)."""
    return {
        "status": status,
        "lease_token": None,
        "lease_until": None,
        "next_attempt_at": None,
        **values,
    }


def later(
    runtime: Runtime, attempts: int, error: str, *, after: float | None = None,
    not_its_fault: bool = False,
) -> dict[str, Any] | None:  # fmt: skip
    """The columns that schedule another try, with backoff; None when the tries are used up.

    `after` (seconds) overrides the backoff (a rate limit says how long). A try that was not
    the row's fault gives its attempt back (never below one: "never tried" stays meaningful).
    """
    worker = runtime.settings.worker
    if not not_its_fault and attempts >= worker.max_attempts:
        return None
    if after is None:
        after = backoff_seconds(attempts, worker.backoff_base_seconds, worker.backoff_max_seconds)
    return {
        "lease_token": None,
        "lease_until": None,
        "next_attempt_at": runtime.now() + timedelta(seconds=after),
        "last_error": error,
        "attempts": max(attempts - 1, 1) if not_its_fault else attempts,
    }
