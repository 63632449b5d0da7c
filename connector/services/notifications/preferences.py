"""A shop's notification choices: which kinds are on, its own texts, sender, timings, WhatsApp.

They live in `Shop.settings["notifications"]`:

    {"kinds": {"welcome": {"on": false, "texts": {"es": {"subject": ..., "body": ...}}}},
     "from_address": "hola@shop.example", "from_name": "Casa Lumbre", "reply_to": ...,
     "merchant_email": "owner@shop.example", "locale": "es",
     "ask_after_days": 7, "winback_after_days": 90, "long_time_orders": 3,
     "whatsapp": {"phone_number_id": "...", "token": <encrypted>, "language": {...}}}

A kind not named is on when its catalogue entry says so; a text not overridden is the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from connector.domain.messages import KINDS, MessageKind, Text
from connector.services.base.messages import notification_settings
from connector.services.base.runtime import Runtime
from connector.store.models import Shop

# The brief's asks: a post-purchase ask N days after a paid order, a win-back after M days
# without one ("long-time customer", from this many orders on, is in services.base.messages).
DEFAULT_ASK_AFTER_DAYS = 7
DEFAULT_WINBACK_AFTER_DAYS = 90


def _kind_settings(shop: Shop, kind: str) -> Mapping[str, Any]:
    kinds = notification_settings(shop).get("kinds")
    value = kinds.get(kind) if isinstance(kinds, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def kind_on(shop: Shop, kind: MessageKind) -> bool:
    """True when the shop sends this kind (its own switch, else the catalogue's default)."""
    value = _kind_settings(shop, kind.name).get("on")
    return kind.on_by_default if not isinstance(value, bool) else value


def override(shop: Shop, kind: str, locale: str) -> Mapping[str, str]:
    """The shop's own subject and body of a kind in a locale (either may be absent)."""
    texts = _kind_settings(shop, kind).get("texts")
    value = texts.get(locale) if isinstance(texts, Mapping) else None
    if not isinstance(value, Mapping):
        return {}
    return {k: str(v) for k, v in value.items() if k in ("subject", "body") and v}


def text_for(shop: Shop, kind: MessageKind, locale: str) -> Text:
    """The subject and body the shop sends for `kind` in `locale`."""
    default = kind.text(locale)
    own = override(shop, kind.name, locale)
    return Text(own.get("subject", default.subject), own.get("body", default.body))


def shop_name(shop: Shop) -> str:
    """The name shoppers know the shop by."""
    raw = shop.settings or {}
    storefront = raw.get("storefront") if isinstance(raw.get("storefront"), Mapping) else {}
    return str((storefront or {}).get("name") or raw.get("name") or shop.domain)


def shop_url(shop: Shop) -> str:
    """The shop's storefront address."""
    raw = shop.settings or {}
    storefront = raw.get("storefront") if isinstance(raw.get("storefront"), Mapping) else {}
    return str((storefront or {}).get("url") or f"https://{shop.domain}")


def shop_values(runtime: Runtime, shop: Shop) -> dict[str, str]:
    """The placeholders every message of the shop may use."""
    return {
        "shop_name": shop_name(shop),
        "shop_url": shop_url(shop),
        "admin_url": f"{runtime.settings.public_url}/admin",
    }


def sender(runtime: Runtime, shop: Shop) -> tuple[str, str]:
    """The From name and address: the shop's own, else SMTP_FROM, else no-reply@ our host."""
    own = notification_settings(shop)
    address = own.get("from_address") or runtime.settings.mail.from_address
    if not address:
        address = f"no-reply@{urlsplit(runtime.settings.public_url).hostname or 'localhost'}"
    return str(own.get("from_name") or shop_name(shop)), str(address)


def reply_to(shop: Shop) -> str | None:
    """Where replies go, when the shop set it."""
    value = notification_settings(shop).get("reply_to")
    return str(value) if value else None


def known_kinds() -> list[MessageKind]:
    """Every kind, in catalogue order."""
    return list(KINDS.values())
