"""WhatsApp: template messages through the WhatsApp Business Cloud API, per shop.

A shop connects its own business number in the Notifications page: the phone number id and
an access token (kept encrypted with the vault, never shown again). Without both the channel
is off, and the outbox says so (`whatsapp_off`). Messages go only to shoppers who opted in from
the widget (services.base.messages.whatsapp_number), as the approved template named for the
kind (the kind's name unless the shop says otherwise), in the message's language, with the
kind's WhatsApp placeholders as the body's text parameters, in order:

    POST {graph}/{version}/{phone-number-id}/messages
    Authorization: Bearer <token>
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "<digits>",
     "type": "template",
     "template": {"name": ..., "language": {"code": "es"},
                  "components": [{"type": "body", "parameters": [{"type": "text", ...}]}]}}

Meta's errors are mapped in one place: throttling (HTTP 429, error codes 4, 80007, 130429,
131048, 131056) and server errors are temporary; any other refusal is permanent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from connector.domain.messages import message_kind
from connector.services.base.messages import notification_settings
from connector.services.base.runtime import Runtime
from connector.services.notifications.mail import SendFailed
from connector.store.models import Message, Shop

GRAPH_URL = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"
THROTTLED = frozenset({4, 80007, 130429, 131048, 131056})


@dataclass(frozen=True)
class Account:
    """A shop's WhatsApp business number: its id and (decrypted, in memory only) token."""

    phone_number_id: str
    token: str
    templates: Mapping[str, str]


def _stored(shop: Shop) -> Mapping[str, Any]:
    value = notification_settings(shop).get("whatsapp")
    return value if isinstance(value, Mapping) else {}


def account(runtime: Runtime, shop: Shop) -> Account | None:
    """The shop's WhatsApp account, or None when it is not connected (the channel is off)."""
    stored = _stored(shop)
    number, token = stored.get("phone_number_id"), stored.get("token")
    if not number or not token:
        return None
    secret = runtime.vault.decrypt(str(token))
    runtime.remember_secret(secret)
    templates = stored.get("templates")
    return Account(str(number), secret, dict(templates) if isinstance(templates, Mapping) else {})


def request_body(account: Account, row: Message) -> dict[str, Any]:
    """The Cloud API request for one outbox row."""
    kind = message_kind(row.kind)
    values = row.context or {}
    parameters = [{"type": "text", "text": str(values.get(p) or "-")} for p in kind.whatsapp_params]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": row.recipient.lstrip("+"),
        "type": "template",
        "template": {
            "name": account.templates.get(row.kind, row.kind),
            "language": {"code": row.locale},
            "components": [{"type": "body", "parameters": parameters}],
        },
    }


def _error(response: httpx.Response) -> SendFailed:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code")
    detail = f"WhatsApp {response.status_code}: {error.get('message') or response.text[:200]}"
    temporary = response.status_code == 429 or response.status_code >= 500 or code in THROTTLED
    return SendFailed(detail, temporary=temporary)


async def send(runtime: Runtime, shop: Shop, row: Message) -> str:
    """Send one row as a template message; the id WhatsApp gave it."""
    connected = account(runtime, shop)
    if connected is None:
        raise SendFailed("WhatsApp is not connected for this shop", temporary=False)
    url = f"{GRAPH_URL}/{GRAPH_VERSION}/{connected.phone_number_id}/messages"
    try:
        response = await runtime.http.post(
            url,
            json=request_body(connected, row),
            headers={"Authorization": f"Bearer {connected.token}"},
        )
    except httpx.HTTPError as exc:
        raise SendFailed(f"WhatsApp unreachable: {type(exc).__name__}", temporary=True) from exc
    if response.status_code >= 300:
        raise _error(response)
    messages = response.json().get("messages") or [{}]
    return str(messages[0].get("id") or "")
