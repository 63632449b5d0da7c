"""Retrying a store call, and httpx's failures as ours: shared by the adapters' HTTP clients.

A rate limit waits as long as the store asks (up to `max_wait`; longer is handed back to the
worker). A transient failure waits with exponential backoff, but only when repeating the request
is safe: the call is idempotent, or the request surely never reached the store (RequestNotSent).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from platforms.base import PlatformRateLimited, PlatformUnavailable

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class RequestNotSent(PlatformUnavailable):
    """The request never reached the store (connect failure, pool timeout): safe to retry anything."""


@contextmanager
def transport_errors(shop: str) -> Iterator[None]:
    """Translate httpx's exceptions (and an unreadable JSON body) into `platforms.base` errors."""
    try:
        yield
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise RequestNotSent(f"could not reach {shop}: {type(exc).__name__}") from exc
    except httpx.TimeoutException as exc:
        raise PlatformUnavailable(f"{shop} timed out: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        raise PlatformUnavailable(f"network error talking to {shop}: {type(exc).__name__}") from exc
    except json.JSONDecodeError as exc:
        raise PlatformUnavailable(f"{shop} answered with a body that is not JSON") from exc


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one call."""

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    # A longer wait than this is handed back to the worker instead of holding a task.
    max_wait: float = 30.0

    def wait(self, attempt: int, failure: Exception, *, idempotent: bool) -> float | None:
        """Seconds to wait before the next attempt, or None to give up and raise `failure`."""
        if attempt >= self.max_attempts:
            return None
        if isinstance(failure, PlatformRateLimited):
            # A throttled request was not executed, so it is safe to repeat any operation.
            return failure.retry_after if failure.retry_after <= self.max_wait else None
        if isinstance(failure, PlatformUnavailable) and (
            idempotent or isinstance(failure, RequestNotSent)
        ):
            backoff: float = self.backoff_base * 2 ** (attempt - 1)
            return min(self.backoff_max, backoff)
        return None


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    sleep: Sleep,
    idempotent: bool,
    label: str,
    log: logging.Logger,
) -> T:
    """Run `call` until it succeeds or the policy gives up; `label` names it in the logs."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except (PlatformRateLimited, PlatformUnavailable) as exc:
            wait = policy.wait(attempt, exc, idempotent=idempotent)
            if wait is None:
                raise
            failure = exc
        # The label names the shop and the operation, never the request, so no secret is logged.
        log.warning("%s: attempt %d failed (%s); retry in %.2fs", label, attempt, failure, wait)
        await sleep(wait)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def lenient_json(response: httpx.Response) -> Any:
    """An error answer's JSON if it has any; proxies and edges answer errors in HTML."""
    try:
        return response.json()
    except ValueError:
        return None
