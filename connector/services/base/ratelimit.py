"""Rate limits that hold across processes: fixed-window counters kept in the database.

Each (limit, subject) pair counts hits in the current window with one atomic upsert, so N web
processes behind a load balancer share the same counters. Subjects (IP addresses, shop domains)
are stored only as keyed hashes: the table never holds a raw IP.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.services.base.runtime import Runtime
from connector.store.db import conn, sql

_HIT = (
    "INSERT INTO rate_limit (subject, window_start, hits, expires_at) VALUES (?, ?, 1, ?)"
    " ON CONFLICT (subject, window_start) DO UPDATE SET hits = rate_limit.hits + 1"
    " RETURNING hits"
)
_PURGE = "DELETE FROM rate_limit WHERE expires_at < ?"


@dataclass(frozen=True)
class Limit:
    """At most `max_hits` per `window_seconds` for one action and one kind of subject."""

    action: str
    scope: str  # "ip" | "shop" | "shop-hour": what the subject is
    max_hits: int
    window_seconds: int


@dataclass(frozen=True)
class Verdict:
    """Whether the hit is allowed, and if not, when to try again and which limit said no."""

    allowed: bool
    retry_after: int = 0
    limit: Limit | None = None


def subject_key(runtime: Runtime, limit: Limit, subject: str) -> str:
    """A keyed hash of the limit and subject: stable across processes, not reversible to an IP."""
    key = runtime.derived_key("connector/rate-limits")
    message = f"{limit.action}\x1f{limit.scope}\x1f{subject}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


async def _count(key: str, window_start: int, expires_at: int) -> int:
    client = conn()
    rows = await client.execute_query_dict(sql(_HIT, client), [key, window_start, expires_at])
    return int(rows[0]["hits"])


async def hit(runtime: Runtime, checks: Sequence[tuple[Limit, str]], now: datetime) -> Verdict:
    """Count one hit against every (limit, subject); refused if any limit is past its maximum.

    Every check counts even when another refuses, so a client hammering one limit cannot stay
    under the others by being refused first.
    """
    moment = now.timestamp()
    refused: list[tuple[int, Limit]] = []
    purge = False
    for limit, subject in checks:
        start = int(moment // limit.window_seconds) * limit.window_seconds
        end = start + limit.window_seconds
        count = await _count(subject_key(runtime, limit, subject), start, end)
        purge = purge or count == 1
        if count > limit.max_hits:
            refused.append((max(1, math.ceil(end - moment)), limit))
    if purge:
        # A new window began for some key: a good moment to drop the rows of ended windows.
        client = conn()
        await client.execute_query(sql(_PURGE, client), [int(moment)])
    if not refused:
        return Verdict(True)
    retry_after, limit = max(refused, key=lambda pair: pair[0])
    return Verdict(False, retry_after, limit)
