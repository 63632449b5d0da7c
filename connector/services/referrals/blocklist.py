"""A shop's blocklist: emails, email domains, customers, IP addresses and postal addresses whose
referrals the `blocklist` fraud check stops (or holds, as the program says).

An entry keeps what the merchant typed (`label`, shown back to them and quoted in findings) and
the value the check compares: a normalized email, a lower-case domain, a customer id, the
sha256 of an IP address (as the platforms hash a buyer's IP) or an address key.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from connector.domain.emails import normalize_email
from connector.domain.rules.fraud import BLOCK_KINDS, address_key
from connector.services.base.limits import LIMITS, NOTE
from connector.services.base.runtime import Runtime
from connector.store.models import BlockEntry, Shop
from platforms.base import client_hash

KINDS = tuple(BLOCK_KINDS)
LABEL_MAX = LIMITS["value"]
NOTE_MAX = NOTE


class BadEntry(ValueError):
    """The text cannot be an entry of that kind; the message says why."""


@dataclass(frozen=True)
class EntryRow:
    """One blocklist entry as the admin and the CLI show it."""

    id: int
    kind: str
    label: str
    note: str
    created_by: str
    created_at: datetime


def entry_value(kind: str, text: str) -> tuple[str, str]:
    """(value compared, label shown) for `text` of `kind`; BadEntry when it cannot be one."""
    label = " ".join(text.split())
    if kind not in BLOCK_KINDS:
        raise BadEntry(f"kind must be one of {', '.join(KINDS)}")
    if not label or len(label) > LABEL_MAX:
        raise BadEntry(f"value must be 1 to {LABEL_MAX} characters")
    if kind == "email":
        if "@" not in label.strip("@"):
            raise BadEntry(f"{label!r} is not an email address")
        return normalize_email(label), label
    if kind == "domain":
        domain = label.lower().lstrip("@")
        if "." not in domain or "@" in domain or " " in domain:
            raise BadEntry(f"{label!r} is not an email domain (like example.com)")
        return domain, domain
    if kind == "customer":
        if len(label) > 64:
            raise BadEntry("a customer id is at most 64 characters")
        return label, label
    if kind == "ip":
        try:
            ip = ipaddress.ip_address(label)
        except ValueError:
            raise BadEntry(f"{label!r} is not an IP address") from None
        return str(client_hash(str(ip))), str(ip)
    street, _, postcode = label.rpartition(",")
    key = address_key({"address1": street, "zip": postcode}) if street.strip() else None
    if key is None or not postcode.strip():
        raise BadEntry("an address is written as its street, a comma, then its postcode")
    return key, label


def _row(entry: BlockEntry) -> EntryRow:
    return EntryRow(
        entry.id, entry.kind, entry.label, entry.note, entry.created_by, entry.created_at
    )


async def list_entries(shop: Shop) -> list[EntryRow]:
    """The shop's blocklist, newest first."""
    return [_row(e) for e in await BlockEntry.filter(shop_id=shop.id).order_by("-id")]


async def add_entry(
    runtime: Runtime, shop: Shop, kind: str, text: str, *, note: str = "", actor: str
) -> tuple[EntryRow, bool]:
    """List `text` as `kind` (idempotent); the entry, and whether it is new. BadEntry if invalid."""
    value, label = entry_value(kind, text)
    if len(note) > NOTE_MAX:
        raise BadEntry(f"note must be at most {NOTE_MAX} characters")
    try:
        entry = await BlockEntry.create(
            shop_id=shop.id, kind=kind, value=value, label=label, note=note.strip(),
            created_by=actor, created_at=runtime.now(),
        )  # fmt: skip
    except IntegrityError:
        return _row(await BlockEntry.get(shop_id=shop.id, kind=kind, value=value)), False
    return _row(entry), True


async def remove_entry(shop: Shop, entry_id: int) -> bool:
    """Take an entry off the shop's blocklist; False when it has no such entry."""
    return await BlockEntry.filter(shop_id=shop.id, id=entry_id).delete() > 0


async def listed(
    shop_id: int, values: Iterable[tuple[str, str]], db: BaseDBAsyncClient
) -> dict[tuple[str, str], str]:
    """The entries among (kind, value) pairs, by pair, with their labels (one query)."""
    wanted = set(values)
    if not wanted:
        return {}
    rows = await BlockEntry.filter(shop_id=shop_id, value__in={v for _, v in wanted}).using_db(db)
    return {(r.kind, r.value): r.label for r in rows if (r.kind, r.value) in wanted}
