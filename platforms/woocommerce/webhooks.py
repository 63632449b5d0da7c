"""Verify a WooCommerce webhook on its raw bytes, recognise the creation ping, key deliveries.

WooCommerce signs each delivery with the secret we gave the webhook:
`X-WC-Webhook-Signature = base64(HMAC-SHA256(raw body, secret))`, where the store first decodes
the HTML entities `&amp; &quot; &#039; &lt; &gt;` in the secret (`wp_specialchars_decode`).

It never retries a delivery, and builds the payload when it delivers, not when the order changed:
`order.created` and `order.updated` for one change carry the same body, and its
`X-WC-Webhook-Delivery-ID` is a hash of webhook id and the current second. So a delivery's key
is the order's state, (order id, status, date_modified_gmt), plus the refund ids, since a refund
is the one change the order's status and total may not show. Anything else keys on the
delivery id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import Any

from connector import jsonsafe
from platforms.base import BadSignature, MissingHeaders, WebhookDelivery
from platforms.woocommerce.connect import store_domain

PLATFORM = "woocommerce"
SIGNATURE = "X-WC-Webhook-Signature"
TOPIC = "X-WC-Webhook-Topic"
DELIVERY_ID = "X-WC-Webhook-Delivery-ID"
SOURCE = "X-WC-Webhook-Source"
_PING = re.compile(rb"webhook_id=(\d{1,20})")
# What wp_specialchars_decode(..., ENT_QUOTES) turns back into characters.
_ENTITIES = re.compile(
    r"&(?:(amp|quot|lt|gt)|#0*(34|38|39|60|62)|#x0*(22|26|27|3c|3e));", re.IGNORECASE
)
_NAMED = {"amp": "&", "quot": '"', "lt": "<", "gt": ">"}


def _decode_entity(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED[named.lower()]
    return chr(int(decimal) if decimal else int(hexadecimal, 16))


def signing_key(secret: str) -> bytes:
    """The key WooCommerce signs with: the secret with its HTML entities decoded."""
    return _ENTITIES.sub(_decode_entity, secret).encode()


def body_signature(secret: str, raw_body: bytes) -> str:
    """base64(HMAC-SHA256(raw body)), as WooCommerce sends in X-WC-Webhook-Signature."""
    digest = hmac.new(signing_key(secret), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def ping_webhook_id(headers: Mapping[str, str], raw_body: bytes) -> int | None:
    """The webhook id of the creation ping (an unsigned form body `webhook_id=N`), else None."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get(SIGNATURE.lower()):
        return None
    content_type = lowered.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    match = _PING.fullmatch(raw_body.strip())
    return int(match.group(1)) if match else None


def _order_state(payload: Any) -> str | None:
    if not isinstance(payload, Mapping) or payload.get("id") in (None, ""):
        return None
    status, modified = payload.get("status"), payload.get("date_modified_gmt")
    if not status or not modified:
        return None
    refunds = ",".join(
        str(r.get("id")) for r in payload.get("refunds") or () if isinstance(r, Mapping)
    )
    return f"order:{payload['id']}:{status}:{modified}:refunds={refunds}"


def delivery_key(topic: str, raw_body: bytes, delivery_id: str) -> str:
    """The inbox key: the order's state for order topics, else WooCommerce's delivery id."""
    if topic.startswith("order."):
        try:
            payload = jsonsafe.loads(raw_body)
        except ValueError:
            payload = None
        state = _order_state(payload)
        if state is not None:
            return state
        if topic == "order.deleted" and isinstance(payload, Mapping) and payload.get("id"):
            return f"order:{payload['id']}:deleted:{delivery_id}"
    return delivery_id


def verify(
    headers: Mapping[str, str],
    raw_body: bytes,
    secrets: Sequence[str],
    *,
    shop: str | None = None,
) -> WebhookDelivery:
    """Required headers (400, naming the missing ones), then the signature (401).

    `shop` is the shop the route identified from its URL; without it the shop is read from
    X-WC-Webhook-Source, which is then required.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    required = (TOPIC, SIGNATURE, DELIVERY_ID) + (() if shop else (SOURCE,))
    values = {name: (lowered.get(name.lower()) or "").strip() for name in required}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise MissingHeaders(missing)
    signature = values[SIGNATURE]
    if not any(hmac.compare_digest(body_signature(s, raw_body), signature) for s in secrets):
        raise BadSignature(f"the {SIGNATURE} signature does not match the body")
    topic = values[TOPIC].lower()
    if not shop:
        try:
            shop = store_domain(values[SOURCE])
        except ValueError as exc:
            raise MissingHeaders([f"{SOURCE} (the store's URL)"]) from exc
    return WebhookDelivery(
        platform=PLATFORM,
        shop=shop,
        topic=topic,
        delivery_id=delivery_key(topic, raw_body, values[DELIVERY_ID]),
        raw_body=raw_body,
        headers={k: v for k, v in lowered.items() if k != SIGNATURE.lower()},
        event_id=values[DELIVERY_ID],
    )
