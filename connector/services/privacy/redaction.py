"""Find, describe and erase one shopper inside stored webhook bodies (pure functions, no I/O).

Bodies are kept raw so a delivery can be replayed; after `customers/redact` they must no longer
hold that shopper. Scrubbing is structural first (objects that describe a person or a place are
dropped, personal keys are dropped at any depth), then literal (the shopper's email and phone are
masked wherever they still appear, e.g. in free-text attributes). Ids and amounts stay, so the
accounting still adds up and a replayed delivery still parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

REDACTED = "[redacted]"

# Values that describe a person or a place, in Shopify's and WooCommerce's spellings; scrubbing
# replaces them with None, so `payload.get(key) or {}` keeps working on a replay.
PERSON_OBJECTS = frozenset(
    {
        "customer",
        "billing_address",
        "shipping_address",
        "default_address",
        "addresses",
        "billing",
        "shipping",
        "client_details",
        "destination",
        "origin_address",
    }
)
# Keys whose value is personal wherever they appear. "name" is not here: on an order it is "#1042".
PERSONAL_KEYS = frozenset(
    {
        "email",
        "contact_email",
        "phone",
        "first_name",
        "last_name",
        "note",
        "browser_ip",
        "customer_ip_address",
        "customer_user_agent",
        "customer_note",
    }
)
_PHONE_SHAPE = re.compile(r"^\+?[\d\s().\-]{7,}$")
_MIN_PHONE_DIGITS = 7


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _as_id(value: Any) -> str | None:
    """An id from a payload (int or string) as a string; floats and booleans are not ids."""
    if value is None or value == "" or isinstance(value, bool | float):
        return None
    return str(value)


def _text(value: Any) -> str | None:
    text = str(value).strip() if value else ""
    return text or None


@dataclass(frozen=True)
class CustomerIdentity:
    """Who a compliance request is about, as the platform named them."""

    platform: str
    customer_id: str | None
    email: str | None
    phone: str | None
    order_ids: frozenset[str] = frozenset()

    @classmethod
    def from_payload(
        cls, platform: str, payload: Mapping[str, Any], orders_key: str
    ) -> CustomerIdentity:
        """Read `customer:{id,email,phone}` and the order id list named `orders_key`."""
        customer = payload.get("customer") or {}
        if not isinstance(customer, Mapping):
            customer = {}
        orders = payload.get(orders_key) or []
        return cls(
            platform=platform,
            customer_id=_as_id(customer.get("id")),
            email=_text(customer.get("email")),
            phone=_text(customer.get("phone")),
            order_ids=frozenset(
                i for i in (_as_id(o) for o in orders if not isinstance(o, dict | list)) if i
            ),
        )

    @property
    def empty(self) -> bool:
        """True when nothing identifies anyone (nothing can match)."""
        return not (self.customer_id or self.email or self.phone or self.order_ids)

    def _email_pattern(self) -> re.Pattern[str] | None:
        if not self.email:
            return None
        # A whole address only: redacting ana@x.org must not touch susana@x.org.
        return re.compile(
            r"(?<![\w.+\-])" + re.escape(self.email) + r"(?![\w\-]|\.\w)", re.IGNORECASE
        )

    def is_phone(self, text: str) -> bool:
        """True when `text` is a phone number equal to ours (ignoring spacing and a country code)."""
        if not self.phone or not _PHONE_SHAPE.match(text.strip()):
            return False
        ours, theirs = _digits(self.phone), _digits(text)
        if min(len(ours), len(theirs)) < _MIN_PHONE_DIGITS:
            return False
        return ours.endswith(theirs) or theirs.endswith(ours)

    def in_text(self, text: str) -> bool:
        """True when free text names this shopper's email or phone."""
        pattern = self._email_pattern()
        if pattern is not None and pattern.search(text):
            return True
        return self.is_phone(text) or bool(self.phone and self.phone in text)

    def mask(self, text: str) -> str:
        """`text` with this shopper's email and phone replaced by REDACTED."""
        if self.is_phone(text):
            return REDACTED
        pattern = self._email_pattern()
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        if self.phone:
            text = text.replace(self.phone, REDACTED)
        return text


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _customer_ids(node: Any) -> Iterator[str]:
    """Every customer id the payload names (`customer.id` or `customer_id`, at any depth)."""
    if isinstance(node, Mapping):
        customer = node.get("customer")
        if isinstance(customer, Mapping) and _as_id(customer.get("id")):
            yield str(customer["id"])
        if _as_id(node.get("customer_id")):
            yield str(node["customer_id"])
        for value in node.values():
            yield from _customer_ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _customer_ids(value)


def mentions(payload: Any, identity: CustomerIdentity) -> bool:
    """True when a webhook body is about this shopper: their id, email, phone, or one of the orders."""
    if isinstance(payload, Mapping) and identity.order_ids:
        # An order body carries its id at the top; a refund body names its order.
        own = {_as_id(payload.get("id")), _as_id(payload.get("order_id"))}
        if own & identity.order_ids:
            return True
    if identity.customer_id and identity.customer_id in set(_customer_ids(payload)):
        return True
    return any(identity.in_text(text) for text in _strings(payload))


def personal_fields(payload: Any, path: str = "", inside: bool = False) -> dict[str, Any]:
    """The personal values a body holds, by dotted path (what a data-request export lists)."""
    found: dict[str, Any] = {}
    if isinstance(payload, Mapping):
        items: Iterator[tuple[str, Any]] = ((str(k), v) for k, v in payload.items())
        for key, value in items:
            here = f"{path}.{key}" if path else key
            personal = inside or key in PERSON_OBJECTS or key in PERSONAL_KEYS
            found.update(personal_fields(value, here, personal))
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            found.update(personal_fields(value, f"{path}[{index}]", inside))
    elif inside and payload not in (None, ""):
        found[path] = payload
    return found


# Under a person object (or as a personal key), these values identify the shopper; scrubbing masks
# them wherever else the same body repeats them (a gift note, a guest email in an attribute).
# Not city, zip or country: short or shared values whose masking could hit amounts and currencies.
IDENTIFYING_KEYS = frozenset(
    {
        "email",
        "contact_email",
        "phone",
        "first_name",
        "last_name",
        "name",
        "address1",
        "address2",
        "company",
    }
)
_MIN_IDENTIFIER = 3


def _own_identifiers(payload: Any) -> re.Pattern[str] | None:
    """A pattern of the identifying values this body itself holds, as whole words, any case."""
    values = {
        value.strip()
        for path, value in personal_fields(payload).items()
        if isinstance(value, str)
        and len(value.strip()) >= _MIN_IDENTIFIER
        and re.split(r"[.\[]", path)[-1] in IDENTIFYING_KEYS
    }
    if not values:
        return None
    words = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


def scrub(payload: Any, identity: CustomerIdentity) -> Any:
    """A copy of the body without personal data: person objects and personal keys gone, and the
    shopper's email, phone and the body's own identifying values masked in every other string."""
    return _scrub(payload, identity, _own_identifiers(payload))


def _scrub(payload: Any, identity: CustomerIdentity, own: re.Pattern[str] | None) -> Any:
    if isinstance(payload, Mapping):
        out: dict[str, Any] = {}
        for key, value in payload.items():
            if key in PERSON_OBJECTS:
                out[key] = None
            elif key not in PERSONAL_KEYS:
                out[key] = _scrub(value, identity, own)
        return out
    if isinstance(payload, list):
        return [_scrub(value, identity, own) for value in payload]
    if isinstance(payload, str):
        text = identity.mask(payload)
        return own.sub(REDACTED, text) if own is not None else text
    return payload
