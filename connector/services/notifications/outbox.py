"""The outbox as people see it: list and show messages, replay the dead and skipped ones.

A replay puts a message back to `pending` with a fresh budget of tries; it keeps its key, so
its Message-ID is the one it always had. A sent message is never replayed (its recipient has
it), nor one being sent right now. Every function can be scoped to one shop, so the admin never
reaches another shop's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.services.base.rows import fk
from connector.store.models import Message, MessageStatus, Shop

REPLAYABLE = (MessageStatus.DEAD.value, MessageStatus.SKIPPED.value)
STATUSES = tuple(s.value for s in MessageStatus)


@dataclass(frozen=True)
class MessageRow:
    """One line of the outbox."""

    id: int
    shop: str
    kind: str
    channel: str
    recipient: str
    locale: str
    status: str
    reason: str | None
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


def _row(m: Message, domain: str) -> MessageRow:
    return MessageRow(
        id=m.id, shop=domain, kind=m.kind, channel=m.channel, recipient=m.recipient,
        locale=m.locale, status=m.status, reason=m.reason, attempts=m.attempts,
        created_at=m.created_at, sent_at=m.sent_at, last_error=m.last_error,
    )  # fmt: skip


async def _domains(rows: list[Message]) -> dict[int, str]:
    ids = {fk(r, "shop") for r in rows}
    return {s.id: s.domain for s in await Shop.filter(id__in=ids).only("id", "domain")}


async def list_messages(
    *,
    shop: Shop | None = None,
    shop_domain: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[MessageRow]:
    """The newest messages first, optionally filtered."""
    query = Message.all()
    if shop is not None:
        query = query.filter(shop_id=shop.id)
    if shop_domain:
        query = query.filter(shop__domain=shop_domain)
    if status:
        query = query.filter(status=status)
    if kind:
        query = query.filter(kind=kind)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(limit)
    domains = await _domains(rows)
    return [_row(m, domains.get(fk(m, "shop"), "")) for m in rows]


async def show_message(message_id: int, shop: Shop | None = None) -> dict[str, Any] | None:
    """One message with its placeholders and what was sent (while the bodies are kept)."""
    query = Message.filter(id=message_id)
    if shop is not None:
        query = query.filter(shop_id=shop.id)
    row = await query.first()
    if row is None:
        return None
    domains = await _domains([row])
    return {
        **_row(row, domains.get(fk(row, "shop"), "")).__dict__,
        "key": row.key,
        "message_id": row.message_id,
        "marketing": row.marketing,
        "context": row.context,
        "subject": row.subject,
        "body_text": row.body_text,
        "bodies_erased_at": row.bodies_erased_at,
    }


@dataclass(frozen=True)
class Replayed:
    """Which messages were queued again, and which were not, each with why."""

    queued: tuple[int, ...]
    refused: tuple[tuple[int, str], ...]


async def replay_messages(
    ids: list[int], now: datetime, *, shop: Shop | None = None, all_dead: bool = False
) -> Replayed:
    """Queue the named dead or skipped messages (or every dead one) again."""
    query = Message.all() if shop is None else Message.filter(shop_id=shop.id)
    if all_dead:
        rows = await query.filter(status=MessageStatus.DEAD).order_by("id")
        wanted = [r.id for r in rows]
    else:
        wanted = list(dict.fromkeys(ids))
        rows = await query.filter(id__in=wanted)
    found = {r.id: r for r in rows}
    queued: list[int] = []
    refused: list[tuple[int, str]] = []
    for message_id in wanted:
        row = found.get(message_id)
        if row is None:
            refused.append((message_id, f"no message {message_id}"))
            continue
        if row.status not in REPLAYABLE:
            refused.append((message_id, f"message {message_id} is {row.status}: only dead or"
                            " skipped messages are sent again"))  # fmt: skip
            continue
        changed = await Message.filter(id=message_id, status__in=REPLAYABLE).update(
            status=MessageStatus.PENDING.value, attempts=0, next_attempt_at=now, reason=None,
            last_error=None, lease_token=None, lease_until=None, updated_at=now,
        )  # fmt: skip
        if changed:
            queued.append(message_id)
        else:
            refused.append((message_id, f"message {message_id} changed meanwhile"))
    return Replayed(tuple(queued), tuple(refused))
