"""Send due webhook messages: signed, one attempt recorded per try, retried with backoff.

Each request carries `X-Referral-Signature: t=<unix seconds>,v1=<hex>`, where the hex is the
HMAC-SHA256, under the endpoint's secret, of `<t>.<raw body>`: a receiver recomputes it, compares
in constant time and refuses an old `t` (replays). `X-Referral-Event-Id` names the event once,
so a receiver that got it before (an answer lost on the way back) can skip it. The URL is checked
against our own network before every try (its DNS may have changed); redirects are not followed.
Leases and backoff are the pipeline's outbox helpers, shared with the reward outbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections import Counter

import httpx
from tortoise.transactions import in_transaction

from connector.services.base.runtime import Runtime
from connector.services.pipeline import outbox
from connector.store.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from platforms.retrying import RequestNotSent, retry_after_seconds
from platforms.ssrf import StoreURLRefused, check_url

log = logging.getLogger(__name__)
SIGNATURE = "X-Referral-Signature"
TIMEOUT_SECONDS = 10.0
BATCH = 50
MAX_BATCHES = 20
DELIVERED, FAILED, PENDING = "delivered", "failed", "pending"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def body_of(message: WebhookMessage) -> bytes:
    """The exact bytes sent (and signed) for a message."""
    return json.dumps(message.payload, separators=(",", ":"), sort_keys=True).encode()


async def deliver_due(runtime: Runtime) -> dict[str, int]:
    """Send every due message (in batches); how many were delivered, retried, failed."""
    outcomes: Counter[str] = Counter()
    for _ in range(MAX_BATCHES):
        token, ids = await outbox.lease(runtime, WebhookMessage, (PENDING,), BATCH)
        if not ids:
            break
        for message_id in ids:
            outcomes[await send(runtime, message_id, token)] += 1
    return dict(outcomes)


async def send(runtime: Runtime, message_id: int, token: str) -> str:
    """One try at a leased message; what became of it (delivered, retry, failed, lost)."""
    message = await WebhookMessage.get(id=message_id)
    endpoint = await WebhookEndpoint.get(id=message.endpoint_id)  # type: ignore[attr-defined]
    status_code: int | None = None
    error: str | None = None
    final = False  # a failure no retry can mend
    after: float | None = None
    started = time.monotonic()
    if not endpoint.active:
        error, final = "the endpoint is switched off", True
    else:
        body = body_of(message)
        stamp = int(runtime.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "referral-connector-webhooks/1",
            "X-Referral-Event": message.event,
            "X-Referral-Event-Id": message.event_key,
            "X-Referral-Delivery": str(message.id),
            "X-Referral-Timestamp": str(stamp),
            SIGNATURE: sign(runtime.vault.decrypt(endpoint.secret), stamp, body),
        }
        try:
            await check_url(endpoint.url, allow_private=False, resolve=runtime.resolve)
            answer = await runtime.http.post(
                endpoint.url, content=body, headers=headers, timeout=TIMEOUT_SECONDS,
                follow_redirects=False,
            )  # fmt: skip
            status_code = answer.status_code
            if not 200 <= status_code < 300:
                error = f"the endpoint answered {status_code}"
                after = retry_after_seconds(answer.headers.get("retry-after"))
        except StoreURLRefused as exc:
            error, final = f"refused: {exc.reason}", True
        except (httpx.HTTPError, RequestNotSent) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
    took = int((time.monotonic() - started) * 1000)
    now = runtime.now()
    if error is None:
        values = outbox.settled(DELIVERED, delivered_at=now, last_error=None)
    else:
        later = None if final else outbox.later(runtime, message.attempts, error, after=after)
        values = later or outbox.settled(FAILED, last_error=error)
    async with in_transaction() as tx:
        if not await outbox.guarded(WebhookMessage, message.id, token, tx, **values):
            return "lost"  # another worker took the lease over: its try counts, not ours
        await WebhookAttempt.create(
            message_id=message.id, number=message.attempts, at=now, status_code=status_code,
            error=error, duration_ms=took, using_db=tx,
        )  # fmt: skip
    outcome = DELIVERED if error is None else ("retry" if values.get("status") is None else FAILED)
    log.info("webhook message %s (%s) try %s: %s", message.id, message.event, message.attempts,
             outcome)  # fmt: skip
    return outcome
