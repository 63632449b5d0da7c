"""Counters of one batch transaction, added up in memory and written together before it commits.

The worker applies a batch of orders in one transaction (services.pipeline.batches). Every
referral it writes adds one to the shop's tally and to its advocate's `live_referrals`; written
at once, that is two UPDATEs per order. Inside `collect(tx)`, `add` keeps the sums instead, and
they are written when the block ends: one statement per kind of counter for the whole batch, the
rows in key order (so two batches take them alike and never wait on each other in a circle).
Outside `collect`, or on another connection, `add` writes at once, as before.

A reader inside the batch sees a counter's stored value plus `pending` (or, for a row it loaded
when the batch began, plus `added`); one that reads counters in SQL calls `flush` first. `touch` notes that an advocate's row changed in ways a batch that
loaded it at its start cannot know (points earned, a referral moved): the crediting path then
reads that advocate again instead of using what it loaded.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.store.db import sql

# How a kind of counter writes its sums: (transaction, {key: delta}, keys in order).
Writer = Callable[[BaseDBAsyncClient, dict[Hashable, int]], Awaitable[None]]


@dataclass
class Counters:
    """The sums a batch transaction owes, by kind of counter, and the rows it saw change."""

    tx: BaseDBAsyncClient
    sums: dict[str, dict[Hashable, int]] = field(default_factory=dict)
    writers: dict[str, Writer] = field(default_factory=dict)
    touched: set[tuple[str, Hashable]] = field(default_factory=set)
    added: dict[tuple[str, Hashable], int] = field(default_factory=dict)  # written or not


_CURRENT: contextvars.ContextVar[Counters | None] = contextvars.ContextVar(
    "deferred_counters", default=None
)


def current(db: BaseDBAsyncClient) -> Counters | None:
    """The counters being collected for the batch this task is applying, if any.

    Any client used inside the batch counts as the batch's (its transaction, or a savepoint in
    it), so that what `pending`, `added` and `touched` say is never short of a write."""
    del db  # the batch's transaction or a savepoint in it: the same work
    return _CURRENT.get()


@asynccontextmanager
async def collect(tx: BaseDBAsyncClient) -> AsyncIterator[Counters]:
    """Collect counter additions made with `tx` and write them when the block ends well."""
    counters = Counters(tx)
    token = _CURRENT.set(counters)
    try:
        yield counters
        await flush(tx)
    finally:
        _CURRENT.reset(token)


async def add(db: BaseDBAsyncClient, kind: str, key: Hashable, delta: int, write: Writer) -> None:
    """Add `delta` to the counter `key` of `kind`: kept for the batch, or written now by `write`."""
    if not delta:
        return
    counters = current(db)
    if counters is None:
        await write(db, {key: delta})
        return
    sums = counters.sums.setdefault(kind, {})
    sums[key] = sums.get(key, 0) + delta
    counters.writers[kind] = write
    counters.added[(kind, key)] = counters.added.get((kind, key), 0) + delta


def pending(db: BaseDBAsyncClient, kind: str, key: Hashable) -> int:
    """What the batch has added to `key` of `kind` and not written yet."""
    counters = current(db)
    return counters.sums.get(kind, {}).get(key, 0) if counters is not None else 0


def added(db: BaseDBAsyncClient, kind: str, key: Hashable) -> int:
    """What the batch has added to `key` of `kind` since it began, written or not."""
    counters = current(db)
    return counters.added.get((kind, key), 0) if counters is not None else 0


async def flush(db: BaseDBAsyncClient) -> None:
    """Write every pending sum of `db`'s batch now (kinds by name, keys in order)."""
    counters = current(db)
    if counters is None:
        return
    for kind in sorted(counters.sums):
        sums = {k: v for k, v in sorted(counters.sums[kind].items()) if v}
        if sums:
            await counters.writers[kind](db, sums)
    counters.sums.clear()


def touch(db: BaseDBAsyncClient, kind: str, key: Hashable) -> None:
    """Note that row `key` of `kind` changed in this batch (see the module's docstring)."""
    counters = current(db)
    if counters is not None:
        counters.touched.add((kind, key))


def touched(db: BaseDBAsyncClient, kind: str, key: Hashable) -> bool:
    """Whether row `key` of `kind` changed in this batch since it began."""
    counters = current(db)
    return counters is not None and (kind, key) in counters.touched


def column_adder(table: str, column: str) -> Writer:
    """A writer that adds each sum to `column` of the `table` row whose id is the key, in one
    UPDATE (`table` and `column` are names from the code, never from input)."""
    statement = (
        f"UPDATE {table} SET {column} = {column}"  # noqa: S608 - names from the code
        " + CASE id {cases} ELSE 0 END WHERE id IN ({ids})"
    )

    async def write(db: BaseDBAsyncClient, sums: dict[Hashable, int]) -> None:
        cases = " ".join("WHEN ? THEN ?" for _ in sums)
        ids = ", ".join("?" for _ in sums)
        values = [v for key, delta in sums.items() for v in (key, delta)]
        text = sql(statement.format(cases=cases, ids=ids), db)
        await db.execute_query(text, [*values, *sums])

    return write
