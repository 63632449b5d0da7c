"""Leasing outbox rows: one UPDATE stamps a batch of due rows with a token and an expiry.

On PostgreSQL the candidate rows are locked with FOR UPDATE SKIP LOCKED, so two workers never
lease the same row; SQLite has a single writer. Each lease also counts an attempt. The reward
outbox and the message outbox both lease this way; each names its table and what makes a row due.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from connector.services.base.runtime import Runtime
from connector.store.db import conn, dialect, sql

_LEASE = (
    "UPDATE {table} SET lease_token = ?, lease_until = ?, attempts = attempts + 1"
    " WHERE id IN (SELECT id FROM {table} WHERE {due} ORDER BY {order} LIMIT ?{lock})"
    " RETURNING id"
)


async def lease_due(
    runtime: Runtime,
    table: str,
    due: str,
    params: Sequence[object],
    limit: int,
    order: str = "id",
) -> tuple[str, list[int]]:
    """Lease up to `limit` rows of `table` matching `due` (with `params`); (token, ids by id)."""
    client = conn()
    token = secrets.token_hex(16)
    lock = " FOR UPDATE SKIP LOCKED" if dialect(client) == "postgres" else ""
    until = runtime.now() + timedelta(seconds=runtime.settings.worker.lease_seconds)
    query = _LEASE.format(table=table, due=due, order=order, lock=lock)
    rows = await client.execute_query_dict(sql(query, client), [token, until, *params, limit])
    return token, sorted(int(row["id"]) for row in rows)
