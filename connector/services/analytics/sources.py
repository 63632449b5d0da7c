"""Sources: what one customer or one referral contributes to the rollups, restated on change.

A customer's source (`customer:<hash>`) keeps the facts of their orders (day, net amount,
refund, whether a referral brought it: no name, email or address) and the rollup rows they add;
a referral's (`referral:<id>`) the rows of its funnel steps, checks and reward costs. When an
order or a referral changes, `order_recorded` / `referral_changed` note it in the caller's
transaction; `restate_sources` then computes the new contribution, inserts the difference from
the old one as rollup rows and rewrites the source. A duplicate, a replay or an older update
therefore writes nothing, and a refund lowers revenue on the order's own day.

Inside a worker's batch the restating waits for the batch's end (services.base.deferred): every
order and referral the batch touched is restated together, in a few set-based statements; on
its own, a change is restated at once, in the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.services.analytics import figures
from connector.services.analytics.figures import Contribution, OrderFact, ReferralFact
from connector.services.analytics.rollups import write
from connector.services.base import deferred
from connector.store.db import sql
from connector.store.models import OrderRecord, Referral, ReferralEvent, Reward, RollupSource

# The deferred kind under which a batch collects what to restate: (ORDER, order record id) and
# (REFERRAL, referral id).
KIND, ORDER, REFERRAL = "analytics", "order", "referral"
# The states of a referral that was approved or reversed at some point (the others never were).
MOVED = frozenset({"approved", "rewarded", "reversed"})
Wanted = dict[tuple[int, str], tuple[dict[str, Any] | None, Contribution]]
_UPSERT = (
    'INSERT INTO analytics_source (shop_id, source, facts, "rows") VALUES {values}'
    " ON CONFLICT (shop_id, source) DO {action}"
)


async def order_recorded(db: BaseDBAsyncClient, record: OrderRecord) -> None:
    """Restate the order's customer with the order as it is now recorded."""
    await deferred.add(db, KIND, (ORDER, record.id), 1, restate_sources)


async def referral_changed(db: BaseDBAsyncClient, referral: Referral) -> None:
    """Restate one referral after a change of its state or its rewards."""
    await deferred.add(db, KIND, (REFERRAL, referral.id), 1, restate_sources)


def customer_source(record: OrderRecord) -> str:
    """The source name of the order's customer: a hash, never the id or the email itself."""
    if record.customer_id:
        who = f"id:{record.customer_id}"
    elif record.email:
        who = f"email:{record.email.strip().lower()}"
    else:
        who = f"order:{record.order_id}"  # a guest without an email is a customer of one order
    digest = hashlib.sha256(f"{record.shop_id}:{who}".encode()).hexdigest()  # type: ignore[attr-defined]
    return f"customer:{digest[:40]}"


def order_fact(record: OrderRecord, version: int) -> OrderFact:
    """The order as the figures see it; `version` is its referral's program version (0: none)."""
    counted = record.paid and not record.cancelled and not record.is_test
    refunded = min(Decimal(record.refunded), Decimal(record.total))
    return OrderFact(
        order_id=record.order_id,
        day=figures.day_of(record.order_created_at, record.first_seen_at),
        net=Decimal(record.total) - refunded,
        refunded=refunded,
        counted=counted,
        version=version,
    )


def referral_fact_of(
    referral: Referral,
    firsts: Mapping[str, date],
    rewards: list[tuple[datetime, str, Decimal | None, str | None, str, str]],
) -> ReferralFact:
    """A ReferralFact from the referral row, its first approval and reversal days, its rewards."""
    findings = tuple((str(f.get("reason")), str(f.get("verdict"))) for f in referral.findings or ())
    return ReferralFact(
        day=figures.day_of(referral.created_at, referral.created_at),
        version=referral.program_version,
        channel=referral.winning_signal or "",
        has_order=referral.order_id is not None,
        state=referral.state,
        findings=findings,
        credited_on=firsts.get("approved"),
        reversed_on=firsts.get("reversed"),
        rewards=tuple(
            figures.RewardFact(
                figures.day_of(at, at),
                str(kind),
                amount,
                currency,
                str(status),
                owed=":partial:" in key,
            )
            for at, kind, amount, currency, status, key in rewards
        ),
    )


async def restate_sources(db: BaseDBAsyncClient, touched: Mapping[Hashable, int]) -> None:
    """Restate every order's customer and every referral in `touched` ({(kind, id): _}).

    Each source row is made if missing, then locked (in (shop, name) order, so two batches never
    wait on each other in a circle) before its old contribution is read; the differences are
    inserted as rollup rows and the sources rewritten, a statement or two for all of them.
    """
    keys = [key for key in touched if isinstance(key, tuple)]
    wanted: Wanted = {}
    orders = sorted(int(i) for kind, i in keys if kind == ORDER)
    referrals = sorted(int(i) for kind, i in keys if kind == REFERRAL)
    if orders:
        await _orders(db, orders, wanted)
    if referrals:
        await _referrals(db, referrals, wanted)
    if not wanted:
        return
    names = sorted(wanted)
    await _upsert(db, [(shop, name, "{}", "[]") for shop, name in names], replace=False)
    locked = await (
        RollupSource.filter(
            shop_id__in=sorted({shop for shop, _ in names}),
            source__in=sorted({name for _, name in names}),
        )
        .using_db(db)
        .order_by("shop_id", "source")
        .select_for_update()
    )
    found = {(row.shop_id, row.source): row for row in locked}  # type: ignore[attr-defined]
    by_shop: dict[int, Contribution] = {}
    written: list[tuple[int, str, str, str]] = []
    for shop_id, name in names:
        row = found[(shop_id, name)]
        facts, new = wanted[(shop_id, name)]
        if facts is not None:  # a customer: the batch's orders over the ones kept
            facts = {"orders": {**row.facts.get("orders", {}), **facts["orders"]}}
            if facts == row.facts:
                continue  # the same news again
            kept = [OrderFact.from_json(k, v) for k, v in facts["orders"].items()]
            new = figures.customer_rows(kept)
        delta = figures.difference(new, figures.rows_from_json(row.rows))
        if not delta and facts is None:
            continue
        for key, (n, amount) in delta.items():
            figures.add(by_shop.setdefault(shop_id, {}), key, n, amount)
        keep = facts if facts is not None else row.facts
        written.append((shop_id, name, json.dumps(keep), json.dumps(figures.rows_json(new))))
    for shop_id, delta in sorted(by_shop.items()):
        await write(db, shop_id, delta)
    if written:
        await _upsert(db, written, replace=True)


async def _orders(db: BaseDBAsyncClient, ids: list[int], wanted: Wanted) -> None:
    """The orders as facts of their customers, gathered into `wanted`."""
    records = await OrderRecord.filter(id__in=ids).using_db(db)
    keys = sorted({f"order:{r.order_id}" for r in records})
    shops = sorted({int(r.shop_id) for r in records})  # type: ignore[attr-defined]
    versions = {
        (int(shop), str(key)): int(version)
        for shop, key, version in await Referral.filter(shop_id__in=shops, qualifying_key__in=keys)
        .using_db(db)
        .values_list("shop_id", "qualifying_key", "program_version")
    }  # fmt: skip
    for record in records:
        shop_id: int = record.shop_id  # type: ignore[attr-defined]
        fact = order_fact(record, versions.get((shop_id, f"order:{record.order_id}"), 0))
        facts, _ = wanted.setdefault((shop_id, customer_source(record)), ({"orders": {}}, {}))
        assert facts is not None
        facts["orders"][fact.order_id] = fact.to_json()


async def _referrals(db: BaseDBAsyncClient, ids: list[int], wanted: Wanted) -> None:
    """The referrals' contributions, from their first approval and reversal and their rewards."""
    referrals = await Referral.filter(id__in=ids).using_db(db)
    # Only a referral that was approved or reversed has such a step, or rewards: a batch of new
    # referrals (pending, in review, rejected) reads neither.
    moved = sorted(r.id for r in referrals if r.state in MOVED)
    firsts: dict[int, dict[str, date]] = {}
    given: dict[int, list[Any]] = {}
    if moved:
        steps = ReferralEvent.filter(referral_id__in=moved, to_state__in=("approved", "reversed"))
        ordered = steps.using_db(db).order_by("at", "id")
        for referral_id, state, at in await ordered.values_list("referral_id", "to_state", "at"):
            firsts.setdefault(int(referral_id), {}).setdefault(str(state), figures.day_of(at, at))
        rewards = Reward.filter(referral_id__in=moved).using_db(db)
        for values in await rewards.values_list(
            "referral_id", "created_at", "kind", "amount", "currency", "status", "idempotency_key"
        ):
            given.setdefault(int(values[0]), []).append(values[1:])
    for referral in referrals:
        fact = referral_fact_of(referral, firsts.get(referral.id, {}), given.get(referral.id, []))
        shop_id: int = referral.shop_id  # type: ignore[attr-defined]
        wanted[(shop_id, f"referral:{referral.id}")] = (None, figures.referral_rows(fact))


async def _upsert(
    db: BaseDBAsyncClient, sources: list[tuple[int, str, str, str]], *, replace: bool
) -> None:
    """Write sources (shop, name, facts JSON, rows JSON): `replace` overwrites a stored one,
    otherwise a stored one stays (placeholders, so that every source exists to be locked)."""
    action = 'UPDATE SET facts = excluded.facts, "rows" = excluded."rows"' if replace else "NOTHING"
    for start in range(0, len(sources), 500):
        chunk = sources[start : start + 500]
        values = ", ".join("(?, ?, ?, ?)" for _ in chunk)
        text = sql(_UPSERT.format(values=values, action=action), db)
        await db.execute_query(text, [value for source in chunk for value in source])
