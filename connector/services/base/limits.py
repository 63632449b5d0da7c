"""How long the texts the outside sends may be: one table that the edges, the services and the
OpenAPI documents share, so a value that cannot be stored is refused with its name, never let
through to a database length error.
"""

from __future__ import annotations

from collections.abc import Mapping

# The widths of the columns these values are stored in (connector.store.models).
EMAIL = 320
CUSTOMER_ID = 64
NAME = 255
LOCALE = 16
CODE = 64
NOTE = 2000
ACTOR = 255
LIMITS: Mapping[str, int] = {
    "email": EMAIL,
    "customer_id": CUSTOMER_ID,
    "name": NAME,
    "locale": LOCALE,
    "ref": CODE,
    "note": NOTE,
    "reason": NOTE,
    "by": ACTOR,
    "request_key": 100,
    "reference": 255,
    "partner_id": CODE,
    "code": CODE,
    "value": 500,  # a blocklist entry as the merchant types it
}


class FieldInvalid(ValueError):
    """One input value is not acceptable; `field` names it and the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message


def too_long(field: str, value: str | None) -> str | None:
    """What is wrong with `value` for `field` (over its length, or a control character), or None."""
    if value is None:
        return None
    most = LIMITS.get(field, NOTE)  # any other text: a note's length at most
    if len(value) > most:
        return f"must be at most {most} characters, got {len(value)}"
    if any(ord(c) < 32 for c in value):
        return "must not contain control characters"
    return None


def check_texts(**values: str | None) -> None:
    """Raise FieldInvalid for the first value that breaks its limit."""
    for field, value in values.items():
        problem = too_long(field, value)
        if problem is not None:
            raise FieldInvalid(field, problem)
