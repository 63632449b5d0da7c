"""Ingest: verify a webhook on its raw bytes and hand it to the inbox before we answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connector.services.base.runtime import Runtime
from platforms.base import WebhookDelivery


@dataclass(frozen=True)
class Received:
    """The outcome of receiving one webhook request."""

    delivery: WebhookDelivery
    stored: bool  # False: a duplicate of one already in the inbox


async def receive(
    runtime: Runtime, platform: str, headers: Mapping[str, str], raw_body: bytes
) -> Received:
    """Verify a webhook request on its raw bytes and store it durably.

    Raises WebhookRejected (400/401) or NotConfigured (503); nothing is stored then.
    """
    secrets = runtime.webhook_secrets(platform)
    delivery = runtime.adapter(platform).verify_webhook(headers, raw_body, secrets)
    stored = await runtime.inbox.store(delivery, runtime.now())
    return Received(delivery, stored)
