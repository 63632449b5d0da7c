"""Verify a Shopify webhook on its raw bytes: required headers, then HMAC against each secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime

from platforms.base import BadSignature, MissingHeaders, WebhookDelivery
from platforms.shopify.shops import InvalidShop, normalize_shop

# Webhook headers, and the unprefixed spelling Shopify's newer Events product uses.
REQUIRED = ("Hmac-Sha256", "Topic", "Shop-Domain", "API-Version", "Webhook-Id")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key in (f"x-shopify-{lowered}", f"shopify-{lowered}"):
        value = headers.get(key)
        if value:
            return value
    return None


def body_hmac(secret: str, raw_body: bytes) -> str:
    """base64(HMAC-SHA256(secret, raw body)), as Shopify sends in X-Shopify-Hmac-Sha256."""
    # hmac.digest: the one-shot C path, a third of hmac.new(...).digest() on a webhook body.
    return base64.b64encode(hmac.digest(secret.encode(), raw_body, hashlib.sha256)).decode()


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def verify_shopify_webhook(
    headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]
) -> WebhookDelivery:
    """Check required headers (400 naming the missing ones) and the signature (401).

    `headers` must have lower-case keys (Starlette's and httpx's do).
    """
    # One pass into a plain dict (the first of a repeated header wins, as with `.get`): a
    # webhook's dozen look-ups then cost nothing next to a scan of the header list each.
    headers = dict(reversed(list(headers.items())))
    values = {name: _header(headers, name) for name in REQUIRED}
    missing = [f"X-Shopify-{name}" for name, value in values.items() if not value]
    if missing:
        raise MissingHeaders(missing)
    signature = values["Hmac-Sha256"] or ""
    if not any(hmac.compare_digest(body_hmac(s, raw_body), signature) for s in secrets):
        raise BadSignature("the X-Shopify-Hmac-Sha256 signature does not match the body")
    try:
        shop = normalize_shop(values["Shop-Domain"] or "")
    except InvalidShop as exc:
        raise MissingHeaders(["X-Shopify-Shop-Domain (a valid *.myshopify.com domain)"]) from exc
    return WebhookDelivery(
        platform="shopify",
        shop=shop,
        topic=(values["Topic"] or "").strip().lower(),
        delivery_id=(values["Webhook-Id"] or "").strip(),
        raw_body=raw_body,
        headers={k: v for k, v in headers.items() if "hmac" not in k},
        event_id=_header(headers, "Event-Id"),
        triggered_at=_parse_time(_header(headers, "Triggered-At")),
        api_version=values["API-Version"],
    )
