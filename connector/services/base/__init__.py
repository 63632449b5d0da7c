"""The ground every capability stands on: the runtime, the durable inbox writer, small row tools.

`runtime` builds the process-wide `Runtime` (settings, the vault, one HTTP client, the adapters,
the clock) that every service takes. `inbox` is the group-commit writer that makes a delivery
durable before we answer the store; the runtime owns one, so it lives here rather than in the
pipeline. `ratelimit` keeps cross-process counters in the database, `savepoints` lets one insert
fail without dooming its transaction, `rows` reads foreign keys off Tortoise rows, `limits` is the
one table of text lengths every edge checks before storage, `tally` keeps a shop's running
counts in the transaction that writes the rows, `deferred` sums the counters a worker's batch
adds to and writes them once before it commits, `messages` is the message outbox's one way in
(`enqueue`, called in the transaction of the event), and `health` answers readiness. This package may call the storage layer, `connector.crypto`, the settings and
`platforms.base`/the registry; it imports no other service package.
"""
