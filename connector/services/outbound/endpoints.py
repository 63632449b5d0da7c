"""A merchant's webhook endpoints: register one (its secret shown once), list, change, remove."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from connector.crypto import Vault
from connector.services.base.runtime import Runtime
from connector.services.outbound.events import EVENTS
from connector.store.models import Shop, WebhookAttempt, WebhookEndpoint, WebhookMessage
from platforms.retrying import RequestNotSent
from platforms.ssrf import Resolver, StoreURLRefused, check_url, system_resolver

MAX_ENDPOINTS = 10  # per shop
URL_LENGTH = 2000


class EndpointRefused(ValueError):
    """An endpoint we will not register or change; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class EndpointNotFound(LookupError):
    """No endpoint with that id in this shop."""


@dataclass(frozen=True)
class Endpoint:
    """An endpoint as the merchant sees it (never its secret, except `secret` once at creation)."""

    id: int
    url: str
    events: list[str]
    description: str
    active: bool
    created_at: datetime
    created_by: str
    secret: str | None = None


def _shown(row: WebhookEndpoint, secret: str | None = None) -> Endpoint:
    return Endpoint(row.id, row.url, list(row.events), row.description, row.active,
                    row.created_at, row.created_by, secret)  # fmt: skip


def _events(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise EndpointRefused("events", f"choose one or more of {', '.join(EVENTS)}")
    unknown = [e for e in value if e not in EVENTS]
    if unknown:
        raise EndpointRefused("events", f"unknown event {unknown[0]!r}: use {', '.join(EVENTS)}")
    return [e for e in EVENTS if e in value]


async def check_endpoint_url(given: Any, resolve: Resolver = system_resolver) -> str:
    """The URL if we may post to it: HTTPS, a public host (the SSRF rules of store URLs)."""
    if not isinstance(given, str) or not given.strip():
        raise EndpointRefused("url", "an HTTPS URL is required")
    url: str = given.strip()
    if len(url) > URL_LENGTH:
        raise EndpointRefused("url", f"the URL is longer than {URL_LENGTH} characters")
    if urlsplit(url).scheme != "https":
        raise EndpointRefused("url", "the URL must start with https://")
    try:
        await check_url(url, allow_private=False, resolve=resolve)
    except StoreURLRefused as exc:
        raise EndpointRefused("url", f"we do not send to {url}: {exc.reason}") from None
    except RequestNotSent as exc:
        raise EndpointRefused("url", f"{urlsplit(url).hostname} could not be resolved") from exc
    return url


async def register(runtime: Runtime, shop: Shop, body: dict[str, Any], actor: str) -> Endpoint:
    """Register an endpoint; the answer carries its signing secret, the only time it is shown."""
    url = await check_endpoint_url(body.get("url"), runtime.resolve)
    events = _events(body.get("events", list(EVENTS)))
    description = body.get("description") or ""
    if not isinstance(description, str) or len(description) > 255:
        raise EndpointRefused("description", "a text of at most 255 characters")
    if await WebhookEndpoint.filter(shop_id=shop.id).count() >= MAX_ENDPOINTS:
        raise EndpointRefused("url", f"a shop has at most {MAX_ENDPOINTS} endpoints")
    secret = "whsec_" + secrets.token_urlsafe(32)
    row = await WebhookEndpoint.create(
        shop_id=shop.id, url=url, events=events, secret=runtime.vault.encrypt(secret),
        description=description, created_by=actor[:320], created_at=runtime.now(),
    )  # fmt: skip
    return _shown(row, secret)


async def _mine(shop: Shop, endpoint_id: int) -> WebhookEndpoint:
    row = await WebhookEndpoint.get_or_none(id=endpoint_id, shop_id=shop.id)
    if row is None:
        raise EndpointNotFound(f"no webhook endpoint {endpoint_id}")
    return row


async def list_endpoints(shop: Shop) -> list[Endpoint]:
    """The shop's endpoints, oldest first."""
    return [_shown(r) for r in await WebhookEndpoint.filter(shop_id=shop.id).order_by("id")]


async def change(shop: Shop, endpoint_id: int, body: dict[str, Any]) -> Endpoint:
    """Switch an endpoint on or off, or change its events (its URL and secret stay)."""
    row = await _mine(shop, endpoint_id)
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise EndpointRefused("active", "true or false")
        row.active = body["active"]
    if "events" in body:
        row.events = _events(body["events"])
    await row.save(update_fields=["active", "events"])
    return _shown(row)


async def remove(shop: Shop, endpoint_id: int) -> None:
    """Remove an endpoint and its queued messages."""
    row = await _mine(shop, endpoint_id)
    await row.delete()


@dataclass(frozen=True)
class Attempt:
    """One try at sending a message."""

    number: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Message:
    """One event sent (or to send) to an endpoint, with its attempts, newest first."""

    id: int
    event: str
    event_id: str
    status: str
    attempts: list[Attempt]
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None


async def messages(shop: Shop, endpoint_id: int, limit: int = 50) -> list[Message]:
    """The endpoint's newest messages with every attempt of each."""
    await _mine(shop, endpoint_id)
    rows = await WebhookMessage.filter(endpoint_id=endpoint_id).order_by("-id").limit(limit)
    by_message: dict[int, list[WebhookAttempt]] = {}
    for attempt in await WebhookAttempt.filter(message_id__in=[r.id for r in rows]).order_by("-id"):
        by_message.setdefault(attempt.message_id, []).append(attempt)  # type: ignore[attr-defined]
    out = []
    for row in rows:
        tries = by_message.get(row.id, [])
        out.append(Message(
            row.id, row.event, row.event_key, row.status,
            [Attempt(a.number, a.at, a.status_code, a.error, a.duration_ms) for a in tries],
            row.created_at, row.delivered_at, row.next_attempt_at, row.last_error,
        ))  # fmt: skip
    return out


async def resend(runtime: Runtime, shop: Shop, message_id: int) -> None:
    """Queue a message again with a fresh budget of tries (after a failure, say)."""
    changed = await WebhookMessage.filter(id=message_id, shop_id=shop.id).update(
        status="pending", attempts=0, next_attempt_at=runtime.now(), lease_token=None,
        lease_until=None,
    )  # fmt: skip
    if not changed:
        raise EndpointNotFound(f"no webhook message {message_id}")


async def rotate_secrets(vault: Vault) -> int:
    """Re-encrypt every endpoint's signing secret with the newest key; how many endpoints."""
    count = 0
    async with in_transaction() as tx:
        for row in await WebhookEndpoint.all().using_db(tx).select_for_update():
            row.secret = vault.rotate(row.secret)
            await row.save(using_db=tx, update_fields=["secret"])
            count += 1
    return count
