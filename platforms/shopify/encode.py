"""Python values as Admin GraphQL input values: global ids, DateTime and Decimal strings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal


def gid(resource: str, value: str) -> str:
    """A Shopify global id for `value`, which may already be one."""
    return value if value.startswith("gid://") else f"gid://shopify/{resource}/{value}"


def iso_utc(moment: datetime) -> str:
    """An aware datetime as ISO-8601 in UTC with a Z, as Shopify's DateTime scalar expects."""
    if moment.tzinfo is None:
        raise ValueError(f"a naive datetime is ambiguous: {moment!r}")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def decimal_text(value: Decimal) -> str:
    """A Decimal as Shopify's Decimal scalar: a plain string, never a float or `1E+1`."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"not a finite Decimal: {value!r}")
    return format(value, "f")
