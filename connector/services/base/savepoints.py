"""A savepoint inside a caller's transaction, so one failed insert does not doom the whole of it.

On PostgreSQL an error aborts the transaction it happens in; the unique constraints that protect
money are meant to fail now and then (a duplicate delivery, a colliding code), so such inserts
run in a savepoint: the failure rolls back only the insert, and the caller reads what won.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionContext


def savepoint(db: BaseDBAsyncClient) -> TransactionContext:
    """A savepoint in `db` when it is a transaction; a transaction of its own otherwise."""
    # Tortoise nests `_in_transaction` of a transaction client as SAVEPOINT; there is no public
    # spelling that takes the client explicitly rather than from the task's context.
    return db._in_transaction()
