"""The advocate's own signals, recorded so the fraud checks have something true to compare with.

What we keep are hashes only: of the IP addresses and user agents of the widget's join and click
calls (and of the advocate's own orders), and keys of the addresses their own orders shipped
and billed to (`fraud.address_key`). Each row says where it was first seen, so a finding can
tell the merchant what matched ("joining in the widget", "the billing address of order #1001").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from connector.domain.emails import normalize_email
from connector.domain.rules.facts import OrderFacts
from connector.domain.rules.fraud import address_key
from connector.services.base import deferred
from connector.services.referrals.records import ADVOCATE as ADVOCATE_ROW
from connector.store.models import Advocate, AdvocateSignal
from platforms.base import client_hash

IP, USER_AGENT, ADDRESS = "ip", "user_agent", "address"
JOINED = "joining in the widget"
OWN_LINK = "opening their own link in the widget"
CHOSE = "choosing in the widget"


@dataclass
class Signals:
    """One advocate's recorded signals, as the fraud checks read them."""

    ip_hashes: list[str] = field(default_factory=list)
    user_agent_hashes: list[str] = field(default_factory=list)
    address_keys: list[str] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)


async def _record(
    rows: Iterable[tuple[str, str | None, str]], shop_id: int, advocate_id: int, now: datetime,
    db: BaseDBAsyncClient | None,
) -> None:  # fmt: skip
    new = [
        AdvocateSignal(
            shop_id=shop_id,
            advocate_id=advocate_id,
            kind=kind,
            value=value,
            source=source,
            first_seen_at=now,
        )
        for kind, value, source in rows
        if value
    ]
    if new:
        # Seen before: the first sighting (and its words) stays.
        await AdvocateSignal.bulk_create(new, ignore_conflicts=True, using_db=db)


async def record_visit(
    advocate: Advocate, ip: str | None, user_agent: str | None, source: str, now: datetime
) -> None:
    """The advocate called the widget (joined, opened their own link) from this IP and browser."""
    rows = [(IP, client_hash(ip), source), (USER_AGENT, client_hash(user_agent), source)]
    await _record(rows, advocate.shop_id, advocate.id, now, None)  # type: ignore[attr-defined]


def owner_keys(order: OrderFacts) -> list[tuple[str, str]]:
    """How an order may name one of the shop's advocates: ("customer", id), ("email", normal)."""
    keys = [("customer", order.customer_id)] if order.customer_id else []
    if order.email and "@" in order.email:
        keys.append(("email", normalize_email(order.email)))
    return keys


async def owners(
    shop_id: int, orders: Iterable[OrderFacts], db: BaseDBAsyncClient | None
) -> dict[tuple[str, str], int]:
    """The shop's advocates the orders name (by customer id or email), by `owner_keys` (one query)."""
    wanted = {key for order in orders for key in owner_keys(order)}
    customers = sorted(v for k, v in wanted if k == "customer")
    emails = sorted(v for k, v in wanted if k == "email")
    if not wanted:
        return {}
    rows = await (
        Advocate.filter(Q(customer_id__in=customers) | Q(email_normalized__in=emails),
                        shop_id=shop_id)
        .using_db(db)
        .values_list("id", "customer_id", "email_normalized")
    )  # fmt: skip
    found: dict[tuple[str, str], int] = {}
    for advocate_id, customer, email in rows:
        if customer:
            found[("customer", customer)] = advocate_id
        if email:
            found[("email", email)] = advocate_id
    return found


def owner_in(known: dict[tuple[str, str], int], order: OrderFacts) -> int | None:
    """The advocate whose own order this is, among `known` (`owners`), or None."""
    return next((known[k] for k in owner_keys(order) if k in known), None)


async def owner_of(shop_id: int, order: OrderFacts, db: BaseDBAsyncClient | None) -> int | None:
    """The advocate whose own order this is (by customer id, then email), or None."""
    return owner_in(await owners(shop_id, [order], db), order)


async def record_order(
    shop_id: int, advocate_id: int, order: OrderFacts, order_name: str, db: BaseDBAsyncClient,
    now: datetime,
) -> None:  # fmt: skip
    """An advocate's own order: keep its addresses, IP and browser as theirs (in the order's tx)."""
    name = order_name or order.order_id
    rows = [
        (ADDRESS, address_key(order.shipping_address), f"the shipping address of their order {name}"),
        (ADDRESS, address_key(order.billing_address), f"the billing address of their order {name}"),
        (IP, order.ip_hash, f"placing their order {name}"),
        (USER_AGENT, order.user_agent_hash, f"placing their order {name}"),
    ]
    await _record(rows, shop_id, advocate_id, now, db)
    # A worker's batch read the advocate's signals when it began: a later order of the batch
    # must see these, so the advocate is read again for it (services.referrals.inputs).
    deferred.touch(db, ADVOCATE_ROW, advocate_id)


async def load(advocate_ids: Iterable[int], db: BaseDBAsyncClient) -> dict[int, Signals]:
    """The recorded signals of each advocate (one query)."""
    found: dict[int, Signals] = {}
    rows = (
        await AdvocateSignal.filter(advocate_id__in=list(advocate_ids)).using_db(db).order_by("id")
    )
    for row in rows:
        mine = found.setdefault(row.advocate_id, Signals())  # type: ignore[attr-defined]
        {IP: mine.ip_hashes, USER_AGENT: mine.user_agent_hashes, ADDRESS: mine.address_keys}[
            row.kind
        ].append(row.value)
        mine.seen.setdefault(row.value, row.source)
    return found
