"""What the rules read about one order: its facts, the referral evidence we know, and the history.

`order_facts` translates the platform's `OrderEvent` (and the newest state we have recorded of
the order) into the domain's `OrderFacts`. `load_lookup` finds the advocates behind the codes,
share tokens and claims the order names; `load_history` reads what the rules need around the
advocate (counts of earlier referrals for caps, tiers and velocity, identity for fraud checks,
lifetime points), never the advocate's whole history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.functions import Sum

from connector.domain.codes import normalize_code
from connector.domain.emails import normalize_email
from connector.domain.program import Program
from connector.domain.referral import FINAL_STATES, LIVE_STATES
from connector.domain.rules.budget import period_start
from connector.domain.rules.facts import (
    AdvocateIdentity,
    Claim,
    CodeOwner,
    History,
    OrderFacts,
    OrderLine,
    ReferralCounts,
    ReferralLookup,
    RefundFact,
    cap_since,
    velocity_since,
)
from connector.domain.rules.fraud import blocklist_values
from connector.services.base import deferred
from connector.services.referrals import blocklist, signals
from connector.services.referrals.advocates import ATTRIBUTABLE, BLOCKED, domain_id, ref_param
from connector.services.referrals.records import ADVOCATE, LIVE_REFERRALS
from connector.store.db import dialect, sql
from connector.store.models import (
    Advocate,
    DiscountCode,
    OfferClaim,
    OrderRecord,
    Referral,
    Shop,
)
from platforms.base import OrderEvent

FINAL_STATE_VALUES = tuple(sorted(state.value for state in FINAL_STATES))
LIVE_STATE_VALUES = tuple(sorted(state.value for state in LIVE_STATES))


def order_facts(event: OrderEvent, record: OrderRecord | None = None) -> OrderFacts:
    """The order as the rules see it; status and amounts from `record`, the newest state we hold.

    Deliveries arrive out of order: an older "paid" body must not undo a newer refund, so the
    status fields come from the order record (which keeps the newest) when there is one.
    """
    created = event.created_at or event.updated_at
    if created is None:
        raise ValueError(f"order {event.order_id} has no created_at or updated_at")
    status = record if record is not None else event
    return OrderFacts(
        shop=event.shop,
        order_id=event.order_id,
        currency=status.currency,
        subtotal=status.subtotal,
        total=status.total,
        created_at=created,
        customer_id=event.customer_id,
        email=event.email,
        refunded=status.refunded,
        paid=status.paid,
        cancelled=status.cancelled,
        is_test=status.is_test,
        discount_codes=event.discount_codes,
        attributes=dict(event.attributes),
        # Shopify's landing_site_ref is the ref parameter already; otherwise the landing URL's query.
        landing_ref=event.landing_ref or event.landing_site,
        ip_hash=event.client_ip_hash,
        user_agent_hash=event.user_agent_hash,
        shipping_address=dict(event.shipping_address),
        billing_address=dict(event.billing_address),
        line_items=tuple(
            OrderLine(li.product_id, li.quantity, li.price) for li in event.line_items
        ),
        refunds=tuple(RefundFact(r.refund_id, r.amount, r.created_at) for r in event.refunds),
        presentment_currency=status.presentment_currency,
        exchange_rate=status.exchange_rate,
    )


def candidate_codes(order: OrderFacts) -> set[str]:
    """Every value on the order that could be a friend code or share token, normalized."""
    values: list[str] = [*order.discount_codes, *order.attributes.values()]
    landing = order.landing_ref or ""
    values.append(landing)
    query = urlsplit(landing).query if "?" in landing else landing.lstrip("?")
    values += [value for _key, value in parse_qsl(query)]
    return {code for code in (normalize_code(v) for v in values) if code}


def param_names(shop: Shop) -> tuple[str, ...]:
    """The query and cart-attribute names a code is read from: the shop's own parameter first."""
    # The usual names stay: links shared before the shop chose its own still attribute.
    return tuple(dict.fromkeys((ref_param(shop), *ReferralLookup().param_names)))


async def load_lookup(
    shop: Shop, order: OrderFacts, db: BaseDBAsyncClient | None = None
) -> tuple[ReferralLookup, dict[str, int]]:
    """The evidence we know for this order, and each advocate's row id by their rules id."""
    return (await load_lookups(shop, [order], db))[0]


async def load_lookups(
    shop: Shop, orders: Sequence[OrderFacts], db: BaseDBAsyncClient | None = None
) -> list[tuple[ReferralLookup, dict[str, int]]]:
    """`load_lookup` for each of `orders`, in three queries whatever their number.

    The parameter lists grow with the orders of one worker batch (a setting), never with data.
    """
    wanted = [candidate_codes(order) for order in orders]
    codes = set().union(*wanted)
    owner_of: dict[str, Advocate] = {}
    if codes:
        # Blocked advocates too: the decision then says the advocate is blocked.
        advocates = await Advocate.filter(
            Q(friend_code__in=codes) | Q(share_token__in=codes),
            shop_id=shop.id,
            status__in=ATTRIBUTABLE,
        ).using_db(db)
        for advocate in advocates:
            for code in {advocate.friend_code, advocate.share_token} & codes:
                owner_of[code] = advocate
        singles = await (
            DiscountCode.filter(shop_id=shop.id, code__in=codes, advocate_id__isnull=False)
            .using_db(db)
            .values_list("code", "advocate_id")
        )
        # A friend code is also a discount code of its advocate, loaded above already.
        known = {advocate.id: advocate for advocate in advocates}
        missing = {int(a) for _, a in singles if a not in known}
        if missing:
            known.update((a.id, a) for a in await Advocate.filter(id__in=missing).using_db(db))
        for code, advocate_id in singles:
            owner = known.get(advocate_id)
            if owner is not None and owner.status in ATTRIBUTABLE:
                owner_of[str(code)] = owner
    emails = [normalize_email(order.email) if order.email else "" for order in orders]
    claimed: dict[str, list[OfferClaim]] = {}
    if any(emails):
        found = (
            await OfferClaim.filter(
                shop_id=shop.id, email_normalized__in=set(filter(None, emails)),
                advocate__status__in=ATTRIBUTABLE,
            )
            .using_db(db)
            .order_by("claimed_at", "id")
            .prefetch_related("advocate")
        )  # fmt: skip
        for claim in found:
            claimed.setdefault(claim.email_normalized, []).append(claim)
    names = param_names(shop)
    out = []
    for mine, email in zip(wanted, emails, strict=True):
        owners = {code: owner_of[code] for code in sorted(mine) if code in owner_of}
        rows = {domain_id(a): a.id for a in owners.values()}
        claims: dict[str, tuple[Claim, ...]] = {}
        if email:
            found_claims = claimed.get(email, [])
            rows.update((domain_id(c.advocate), c.advocate.id) for c in found_claims)
            claims[email] = tuple(Claim(domain_id(c.advocate), c.claimed_at) for c in found_claims)
        lookup = ReferralLookup(
            codes={code: CodeOwner(domain_id(a)) for code, a in owners.items()},
            claims=claims,
            param_names=names,
        )
        out.append((lookup, rows))
    return out


def identity(advocate: Advocate, seen: signals.Signals | None = None) -> AdvocateIdentity:
    """What the fraud checks compare the friend with: the advocate and their recorded signals."""
    seen = seen or signals.Signals()
    return AdvocateIdentity(
        advocate_id=domain_id(advocate),
        customer_id=advocate.customer_id,
        email=advocate.email,
        ip_hashes=tuple(seen.ip_hashes),
        user_agent_hashes=tuple(seen.user_agent_hashes),
        address_keys=tuple(seen.address_keys),
        seen=dict(seen.seen),
        name=advocate.name,
        cause_id=advocate.charity_cause,
        blocked=advocate.status == BLOCKED,
    )


@dataclass
class BatchLoads:
    """What a worker's batch read at its start for all its orders (services.referrals.orders),
    so that crediting each of them reads nothing more: the advocates it may credit (locked),
    per advocate and order time the counts in the velocity and cap windows, the unused reward
    codes its orders name; and the referrals it has written since, by advocate."""

    advocates: dict[int, Advocate]
    windows: dict[tuple[int, datetime], tuple[int, int]]  # (advocate, at) -> (recent, period)
    reward_codes: set[str] = field(default_factory=set)
    created: dict[int, list[tuple[datetime, str]]] = field(default_factory=dict)
    # For the fraud checks: the advocates' recorded signals, the shop's blocklist entries among
    # the batch's values, and the advocates whose own orders the batch holds (`signals.owners`).
    signals: dict[int, signals.Signals] = field(default_factory=dict)
    listed: dict[tuple[str, str], str] = field(default_factory=dict)
    owners: dict[tuple[str, str], int] = field(default_factory=dict)

    def owner(self, order: OrderFacts) -> int | None:
        """The advocate whose own order this is, as the batch found them."""
        return signals.owner_in(self.owners, order)

    def knows(self, at: datetime, ids: Iterable[int], db: BaseDBAsyncClient) -> bool:
        """Whether every advocate of an order placed `at` is here, unchanged since the batch
        began."""
        return all(
            i in self.advocates and (i, at) in self.windows
            and not deferred.touched(db, ADVOCATE, i)
            for i in ids
        )  # fmt: skip

    def counts(
        self, advocate: Advocate, program: Program, at: datetime, db: BaseDBAsyncClient
    ) -> ReferralCounts:
        """The advocate's counts for an order placed `at`: as loaded, plus what the batch wrote
        since."""
        recent, in_period = self.windows[(advocate.id, at)]
        since, start = velocity_since(at, program.fraud.velocity_hours), None
        if program.caps.per_period is not None:
            start = cap_since(at, program.caps.period_days)
        for placed, state in self.created.get(advocate.id, ()):
            if placed <= at:
                recent += placed > since
                in_period += (
                    start is not None and placed >= start and state not in FINAL_STATE_VALUES
                )
        live = advocate.live_referrals + deferred.added(db, LIVE_REFERRALS, advocate.id)
        return ReferralCounts(live, in_period, recent)


_WINDOWS = (
    "WITH v(k, adv, since, start, low, at) AS (VALUES {rows})"
    " SELECT v.k AS k, v.adv AS adv,"
    " COUNT(CASE WHEN r.placed_at > v.since THEN 1 END) AS recent,"
    " COUNT(CASE WHEN r.placed_at >= v.start AND r.state NOT IN ({final}) THEN 1 END) AS period"
    " FROM v LEFT JOIN referral r"
    " ON r.advocate_id = v.adv AND r.placed_at >= v.low AND r.placed_at <= v.at"
    " GROUP BY v.k, v.adv"
)


async def window_counts(
    wanted: Iterable[tuple[int, datetime]], program: Program, db: BaseDBAsyncClient
) -> dict[tuple[int, datetime], tuple[int, int]]:
    """For each (advocate row, order time): the advocate's referrals placed in the velocity
    window and the live ones in the cap's period before that time, in one query for them all
    (each an indexed range over `referral (advocate_id, placed_at)`, each pair once)."""
    pairs = sorted(set(wanted))
    if not pairs:
        return {}
    row = "(?, ?, ?, ?, ?, ?)"
    if dialect(db) == "postgres":
        row = (
            "(?::bigint, ?::bigint, ?::timestamptz, ?::timestamptz, ?::timestamptz, ?::timestamptz)"
        )
    values: list[Any] = []
    for key, (advocate_id, placed) in enumerate(pairs):
        at = placed.astimezone(UTC)  # SQLite compares the stored UTC text
        since = velocity_since(at, program.fraud.velocity_hours)
        start = at
        if program.caps.per_period is not None:
            start = cap_since(at, program.caps.period_days)
        values += [key, advocate_id, since, start, min(since, start), at]
    final = ", ".join(f"'{state}'" for state in FINAL_STATE_VALUES)
    text = _WINDOWS.format(rows=", ".join(row for _ in pairs), final=final)
    rows = await db.execute_query_dict(sql(text, db), values)
    found = {pairs[int(r["k"])]: (int(r["recent"]), int(r["period"])) for r in rows}
    if program.caps.per_period is None:
        found = {k: (recent, 0) for k, (recent, _) in found.items()}
    return found


async def load_history(
    shop_id: int,
    lookup: ReferralLookup,
    advocate_rows: Iterable[int],
    prior_orders: int | None,
    db: BaseDBAsyncClient,
    *,
    program: Program,
    at: datetime,
    batch: BatchLoads | None = None,
    order: OrderFacts | None = None,
) -> History:
    """The evidence, and the advocates' identities, referral counts and lifetime points.

    The advocates' rows are locked (FOR UPDATE on PostgreSQL), so two orders of one advocate judged at the
    same moment take turns and caps and velocity count each other. Nothing here grows with an
    advocate's history: lifetime figures are the advocate's counters, and the windows of
    velocity and the period cap are indexed counts over `referral (advocate_id, placed_at)`.
    In a worker's batch (`batch`) all of that was read when the batch began, with the rows
    locked then; only an advocate changed since is read again.
    """
    ids = sorted(set(advocate_rows))
    counts: dict[str, ReferralCounts] = {}
    listed: dict[tuple[str, str], str] | None = None
    if batch is not None and batch.knows(at, ids, db):
        advocates = [batch.advocates[i] for i in ids]
        for advocate in advocates:
            counts[domain_id(advocate)] = batch.counts(advocate, program, at, db)
        seen = {i: batch.signals[i] for i in ids if i in batch.signals}
        listed = batch.listed
    else:
        found = Advocate.filter(id__in=ids).using_db(db).select_for_update().order_by("id")
        advocates = list(await found)
        for advocate in advocates:
            counts[domain_id(advocate)] = await _counts(advocate, program, at, db)
        seen = await signals.load(ids, db) if ids else {}
    known = {domain_id(a): identity(a, seen.get(a.id)) for a in advocates}
    if order is not None and listed is None:
        wanted = blocklist_values(order)
        for who in known.values():
            wanted += blocklist_values(order, who)
        listed = await blocklist.listed(shop_id, ((k, v) for k, v, _ in wanted), db)
    return History(
        budget_used=await budget_used(shop_id, program, at, db),
        lookup=lookup,
        advocates=known,
        friend_prior_orders=prior_orders,
        advocate_lifetime_points={domain_id(a): a.points_earned for a in advocates},
        counts=counts,
        blocklist=listed or {},
    )


async def budget_used(
    shop_id: int, program: Program, at: datetime, db: BaseDBAsyncClient | None = None
) -> Decimal:
    """What the shop's live referrals placed in the budget's period (from its start) earn."""
    if program.budget is None:
        return Decimal(0)
    since = period_start(at, program.budget.period)
    totals = await (
        Referral.filter(shop_id=shop_id, placed_at__gte=since, state__in=LIVE_STATE_VALUES)
        .using_db(db)
        .annotate(total=Sum("reward_value"))
        .values_list("total", flat=True)
    )
    return Decimal(totals[0] or 0) if totals else Decimal(0)


async def _counts(
    advocate: Advocate, program: Program, at: datetime, db: BaseDBAsyncClient
) -> ReferralCounts:
    mine = Referral.filter(advocate_id=advocate.id, placed_at__lte=at).using_db(db)
    since = velocity_since(at, program.fraud.velocity_hours)
    recent = await mine.filter(placed_at__gt=since).count()
    in_period = 0
    if program.caps.per_period is not None:
        since = cap_since(at, program.caps.period_days)
        live = mine.filter(placed_at__gte=since).exclude(state__in=FINAL_STATE_VALUES)
        in_period = await live.count()
    live_referrals = advocate.live_referrals + deferred.pending(db, LIVE_REFERRALS, advocate.id)
    return ReferralCounts(live_referrals, in_period, recent)
