"""Advocates: enrol a shopper (or a partner brand), their friend code and share link, offer claims.

Enrolling is idempotent: the same email (normalized) or store customer id gives back the same
advocate, and partners are one per program partner. Uniqueness is the database's: a concurrent
enrolment, or a friend code that collides with another advocate's, fails its insert on a
constraint and is tried again (reading the winner, or drawing a new code). Friend codes are made
here as `pending` DiscountCode rows; the friend-codes job creates them in the store.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from connector.domain.codes import ALPHABET, friend_code, normalize_code, reward_code
from connector.domain.emails import normalize_email
from connector.domain.program import Program
from connector.domain.program.kinds import FriendCodeMode
from connector.domain.reasons import Reason
from connector.domain.rules.facts import ReferralLookup
from connector.errors import ConnectorError
from connector.services.analytics import rollups
from connector.services.analytics.figures import Metric
from connector.services.base import tally
from connector.services.base.limits import CODE, NAME, check_texts
from connector.services.base.messages import enqueue_to_advocate
from connector.services.base.runtime import Runtime
from connector.services.base.savepoints import savepoint
from connector.services.outbound import events
from connector.services.referrals.programs import ProgramChanged, ensure_saved, live_program
from connector.store.models import Advocate, DiscountCode, LinkClick, OfferClaim, Shop

log = logging.getLogger("connector.advocates")

CUSTOMER, PARTNER = "customer", "partner"
ACTIVE = "active"
# Blocked by the shop: their codes still attribute, and the decision says they earn nothing.
BLOCKED = "blocked"
# The advocates whose codes and claims attribute an order (a redacted advocate's never do).
ATTRIBUTABLE = (ACTIVE, BLOCKED)
FRIEND, FRIEND_SINGLE = "friend", "friend_single"
# The share link's parameter (`?ref=CODE`) unless the shop's storefront settings name another.
DEFAULT_REF_PARAM = ReferralLookup().param_names[0]
SHARE_TOKEN_LENGTH = 16
# How many of the newest advocates a search walks before it asks the indexes (see `_search`).
SEARCH_WINDOW = 20_000
# Four random characters give 31**4 codes per name prefix; after a few collisions, six.
MAX_CODE_TRIES = 8
SHORT_TRIES = 3


@dataclass(frozen=True)
class Refused:
    """An expected "no" to a request about advocates, with its reason."""

    reason: Reason
    message: str


@dataclass(frozen=True)
class Enrolment:
    """The advocate, whether this call created it, and the link they share."""

    advocate: Advocate
    created: bool
    share_link: str


@dataclass(frozen=True)
class OfferClaimed:
    """A friend's claim of an advocate's offer and the code the friend should use."""

    advocate_id: int
    friend_code: str
    created: bool


@dataclass(frozen=True)
class AdvocateRow:
    """One advocate, as the admin and `connector advocates list` show it."""

    id: int
    kind: str
    name: str
    email: str | None
    customer_id: str | None
    friend_code: str
    share_link: str
    status: str
    created_at: datetime


def domain_id(advocate: Advocate) -> str:
    """The advocate's id in the rules: a partner's program account, else the row id."""
    if advocate.kind == PARTNER and advocate.partner_account:
        return advocate.partner_account
    return str(advocate.id)


def ref_param(shop: Shop) -> str:
    """The query parameter the shop's links carry a code in: its storefront `ref_param`, or "ref"."""
    storefront = (shop.settings or {}).get("storefront") or {}
    return str(storefront.get("ref_param") or DEFAULT_REF_PARAM)


def home_url(shop: Shop) -> str:
    """The storefront's home page: the configured URL, else the store's own, else its domain."""
    settings = shop.settings or {}
    storefront = settings.get("storefront") or {}
    configured = str(storefront.get("url") or settings.get("home_url") or "")
    return configured or f"https://{shop.domain}/"


def share_link(shop: Shop, advocate: Advocate) -> str:
    """The advocate's personal link: the storefront with their code as the referral parameter."""
    query = urlencode({ref_param(shop): advocate.friend_code})
    return f"{home_url(shop).split('?', 1)[0]}?{query}"


def _share_token() -> str:
    # In the code alphabet, so the normalized form that attribution looks up is the token itself.
    draw = secrets.SystemRandom()
    return "".join(draw.choice(ALPHABET) for _ in range(SHARE_TOKEN_LENGTH))


async def _existing(shop: Shop, email: str | None, customer_id: str | None) -> Advocate | None:
    """The advocate with this customer id, else this normalized email."""
    if customer_id:
        found = await Advocate.get_or_none(shop_id=shop.id, customer_id=customer_id)
        if found is not None:
            return found
    if email:
        return await Advocate.get_or_none(shop_id=shop.id, email_normalized=email)
    return None


async def _fill_in(
    advocate: Advocate, email: str | None, raw_email: str | None, customer_id: str | None
) -> Advocate:
    """Add an identity the advocate lacked (an email-enrolled shopper now logged in)."""
    changes: dict[str, str] = {}
    if customer_id and not advocate.customer_id:
        changes["customer_id"] = customer_id
    if email and raw_email and not advocate.email_normalized:
        changes.update(email=raw_email.strip(), email_normalized=email)
    if not changes:
        return advocate
    try:
        await Advocate.filter(id=advocate.id).update(**changes)
    except IntegrityError:
        # Another advocate holds that identity already; both stay as they are.
        return advocate
    advocate.update_from_dict(changes)
    return advocate


async def enrol_advocate(
    runtime: Runtime,
    shop: Shop,
    *,
    email: str | None = None,
    customer_id: str | None = None,
    name: str = "",
    locale: str | None = None,
    welcome: bool = True,
) -> Enrolment:
    """Enrol a shopper by email or store customer id; the same shopper gets the same advocate.

    A new advocate is sent the welcome message with their link, unless `welcome` is False (a
    message that carries the link itself enrols them). FieldInvalid (a ValueError) names a value
    too long to store, before any storage call.
    """
    check_texts(email=email, customer_id=customer_id, name=name, locale=locale)
    normalized = normalize_email(email) if email and email.strip() else None
    if normalized is not None and "@" not in normalized:
        raise ValueError(f"not an email address: {email!r}")
    if normalized is None and not customer_id:
        raise ValueError("an advocate needs an email or a store customer id")

    async def find() -> Advocate | None:
        found = await _existing(shop, normalized, customer_id)
        return await _fill_in(found, normalized, email, customer_id) if found else None

    def values(code_length: int) -> dict[str, str | None]:
        return {
            "kind": CUSTOMER,
            "email": email.strip() if email else None,
            "email_normalized": normalized,
            "customer_id": customer_id,
            "name": name.strip(),
            "locale": locale,
            "friend_code": friend_code(name, length=code_length),
        }

    return await _enrol(runtime, shop, find, values, shared=None, welcome=welcome)


async def accept_terms(advocate: Advocate, version: int, at: datetime) -> None:
    """Record that the advocate accepted the program terms of `version` at `at` (the latest
    acceptance is the one kept)."""
    await Advocate.filter(id=advocate.id).update(terms_version=version, terms_accepted_at=at)
    advocate.terms_version, advocate.terms_accepted_at = version, at


async def _enrol(
    runtime: Runtime,
    shop: Shop,
    find: Callable[[], Awaitable[Advocate | None]],
    values: Callable[[int], Mapping[str, str | None]],
    shared: bool | None,
    welcome: bool = True,
) -> Enrolment:
    """The advocate `find` returns, else a new one, drawing its code again after a collision."""
    for attempt in range(MAX_CODE_TRIES):
        found = await find()
        if found is not None:
            return Enrolment(found, False, share_link(shop, found))
        created = await _insert(
            runtime, shop, values(4 if attempt < SHORT_TRIES else 6), shared, welcome
        )
        if created is not None:
            log.info("shop %s: advocate %s enrolled", shop.domain, created.id)
            return Enrolment(created, True, share_link(shop, created))
    raise ConnectorError(f"{shop.domain}: no free friend code after {MAX_CODE_TRIES} tries")


async def _insert(
    runtime: Runtime,
    shop: Shop,
    values: Mapping[str, str | None],
    shared: bool | None,
    welcome: bool = True,
) -> Advocate | None:
    """Insert the advocate and its friend code; None when a unique constraint said no.

    `shared` forces a shared store code (partners); None follows the program's mode. A customer
    is welcomed (their link and code) in the same transaction, unless `welcome` is False.
    """
    for _ in range(2):
        live = await live_program(runtime, shop)
        try:
            async with in_transaction() as tx:
                program = await ensure_saved(runtime, shop, live, tx)
                return await _create(runtime, shop, program, values, shared, tx, welcome=welcome)
        except IntegrityError:
            return None
        except ProgramChanged:
            continue  # the merchant saved a program meanwhile: make the code under that one
    return None


async def _create(
    runtime: Runtime,
    shop: Shop,
    program: Program,
    values: Mapping[str, str | None],
    shared: bool | None,
    db: BaseDBAsyncClient,
    *,
    welcome: bool = False,
) -> Advocate:
    """Insert the advocate, count it, and make its shared friend code pending (in `db`).

    A customer who joined is welcomed (their link and code) in `db` when `welcome` is True; a
    member the loyalty program enrols on a purchase is not (the post-purchase ask tells them).
    """
    now = runtime.now()
    advocate = await Advocate.create(
        shop_id=shop.id, share_token=_share_token(), created_at=now, using_db=db, **values
    )
    await tally.add(db, shop.id, tally.ADVOCATES, advocate.id, 1)
    if welcome and advocate.kind == CUSTOMER:
        context = {"share_link": share_link(shop, advocate), "friend_code": advocate.friend_code}
        await enqueue_to_advocate(
            db, shop, advocate, "welcome", f"advocate-{advocate.id}", now=now, context=context
        )
    await rollups.count(db, shop.id, Metric.JOINS, now)
    joined = {"advocate_id": advocate.id, "kind": advocate.kind,
              "code": advocate.friend_code, "joined_at": now.isoformat()}  # fmt: skip
    await events.enqueue(db, shop.id, events.ADVOCATE_JOINED, str(advocate.id), joined, now)
    if shared is None:
        shared = program.friend_code_mode is FriendCodeMode.SHARED
    if program.friend_offer is not None and shared:
        await DiscountCode.create(
            shop_id=shop.id, advocate_id=advocate.id, code=advocate.friend_code,
            purpose=FRIEND, status="pending", created_at=now, using_db=db,
        )  # fmt: skip
    return advocate


async def member_account(
    runtime: Runtime,
    shop: Shop,
    program: Program,
    db: BaseDBAsyncClient,
    *,
    customer_id: str | None,
    email: str | None,
) -> Advocate | None:
    """The loyalty member with this store customer id (else email), enrolled now if new, in `db`.

    Every shopper who earns points is a member with a ledger account; a member may also refer
    (an advocate is a member who refers), so a new one gets a friend code like any advocate.
    None when the order names nobody (a guest checkout without an email).
    """
    normalized = normalize_email(email) if email and "@" in email else None
    if not customer_id and normalized is None:
        return None

    async def find() -> Advocate | None:
        if customer_id:
            found = (
                await Advocate.filter(shop_id=shop.id, customer_id=customer_id).using_db(db).first()
            )
            if found is not None:
                return found
        if normalized is None:
            return None
        return (
            await Advocate.filter(shop_id=shop.id, email_normalized=normalized).using_db(db).first()
        )

    for attempt in range(MAX_CODE_TRIES):
        found = await find()
        if found is not None:
            return found
        values = {
            "kind": CUSTOMER,
            "email": email.strip() if normalized and email else None,
            "email_normalized": normalized,
            "customer_id": customer_id,
            "friend_code": friend_code("", length=4 if attempt < SHORT_TRIES else 6),
        }
        try:
            async with savepoint(db) as point:
                created = await _create(runtime, shop, program, values, None, point)
        except IntegrityError:
            continue  # a concurrent enrolment of the same shopper, or a code collision
        log.info("shop %s: member %s enrolled by their order", shop.domain, created.id)
        return created
    raise ConnectorError(f"{shop.domain}: no free friend code after {MAX_CODE_TRIES} tries")


async def enrol_partner(runtime: Runtime, shop: Shop, partner_id: str) -> Enrolment | Refused:
    """Enrol one of the program's partner brands; its code is shared (one code for its audience)."""
    live = await live_program(runtime, shop)
    partner = next((p for p in live.program.partners if p.partner_id == partner_id), None)
    if partner is None:
        known = ", ".join(p.partner_id for p in live.program.partners) or "none"
        return Refused(
            Reason.PARTNER, f"The program has no partner {partner_id!r} (it has {known})."
        )

    async def find() -> Advocate | None:
        return await Advocate.get_or_none(shop_id=shop.id, partner_account=partner.account_id)

    def values(code_length: int) -> dict[str, str | None]:
        return {
            "kind": PARTNER,
            "partner_account": partner.account_id,
            "partner_name": partner.name,
            "name": partner.name,
            "friend_code": friend_code(partner.name, length=code_length),
        }

    return await _enrol(runtime, shop, find, values, shared=True)


async def advocate_by_code(shop: Shop, code: str) -> Advocate | None:
    """The active advocate whose friend code or share token this is."""
    wanted = normalize_code(code)
    return await Advocate.filter(
        Q(friend_code=wanted) | Q(share_token=wanted), shop_id=shop.id, status=ACTIVE
    ).first()


def _single_use_code(runtime: Runtime, advocate: Advocate, email: str) -> str:
    """The friend's own code: the same friend always gets the same one (a constraint keeps it one)."""
    key = runtime.derived_key("connector/friend-codes")
    return reward_code(key, f"friend:{advocate.id}:{email}", advocate.name or "FRIEND")


async def claim_offer(
    runtime: Runtime, shop: Shop, code: str, friend_email: str
) -> OfferClaimed | Refused:
    """A friend claims an advocate's offer by email: attribution by email, and their code."""
    check_texts(email=friend_email, ref=code)
    advocate = await advocate_by_code(shop, code)
    if advocate is None:
        return Refused(Reason.UNKNOWN_CODE, f"{code!r} is not an advocate's code.")
    email = normalize_email(friend_email)
    if "@" not in email:
        raise ValueError(f"not an email address: {friend_email!r}")
    if email == advocate.email_normalized:
        return Refused(Reason.SAME_EMAIL, "An advocate cannot claim their own offer.")
    now = runtime.now()
    live = await live_program(runtime, shop)
    created = True
    try:
        async with in_transaction() as tx:
            await OfferClaim.create(
                shop_id=shop.id, advocate_id=advocate.id, email_normalized=email, claimed_at=now,
                using_db=tx,
            )  # fmt: skip
            await rollups.count(tx, shop.id, Metric.CLAIMS, now)
    except IntegrityError:
        created = False  # claimed before: the first claim's time stays the touch
    unique = live.program.friend_code_mode is FriendCodeMode.UNIQUE
    if not unique or live.program.friend_offer is None or advocate.kind == PARTNER:
        return OfferClaimed(advocate.id, advocate.friend_code, created)
    single = _single_use_code(runtime, advocate, email)
    with contextlib.suppress(IntegrityError):  # made by an earlier claim of the same friend
        await DiscountCode.create(
            shop_id=shop.id, advocate_id=advocate.id, code=single, purpose=FRIEND_SINGLE,
            status="pending", friend_email_normalized=email, created_at=now,
        )  # fmt: skip
    return OfferClaimed(advocate.id, single, created)


async def link_clicks(advocate: Advocate) -> int:
    """Visits through the advocate's link: those kept, and those the retention job pruned."""
    kept = await LinkClick.filter(advocate_id=advocate.id).count()
    return int(advocate.clicks_pruned) + kept


async def choose_cause(
    runtime: Runtime, shop: Shop, advocate_id: int, cause_id: str
) -> Advocate | Refused:
    """Record the charity the advocate's donations go to; it must be one of the program's causes."""
    advocate = await Advocate.get_or_none(id=advocate_id, shop_id=shop.id)
    if advocate is None:
        raise LookupError(f"{shop.domain} has no advocate {advocate_id}")
    charity = (await live_program(runtime, shop)).program.charity
    causes = [c.cause_id for c in charity.causes] if charity is not None else []
    if cause_id not in causes:
        listed = ", ".join(causes) or "none: the program has no charity"
        return Refused(Reason.CHARITY_CAUSE, f"{cause_id!r} is not a cause (causes: {listed}).")
    advocate.charity_cause = cause_id
    await advocate.save(update_fields=["charity_cause"])
    return advocate


def advocate_row(shop: Shop, a: Advocate) -> AdvocateRow:
    """One advocate as the admin and `connector advocates list` show it."""
    return AdvocateRow(
        id=a.id,
        kind=a.kind,
        name=a.name,
        email=a.email,
        customer_id=a.customer_id,
        friend_code=a.friend_code,
        share_link=share_link(shop, a),
        status=a.status,
        created_at=a.created_at,
    )


def search_filter(text: str) -> Q:
    """Advocates whose code is `text`, or whose email or name starts with it.

    Each part is one a btree index answers: the friend code and share token exactly, the
    normalized (lower-case) email by its first characters, and the name by its first
    characters as typed, in lower case, capitalised or in title case ("ana" finds "Ana
    García"), rather than a case-folding scan of every name.
    """
    term = text.strip()
    code = normalize_code(term)
    # A term longer than a column cannot equal or start a value in it: those parts are left out
    # (comparing would also fail the ORM's length check before any query).
    found = _prefix("email_normalized", term.lower())
    if len(code) <= CODE:
        found |= Q(friend_code=code) | Q(share_token=code)
    if "@" in term:
        found |= Q(email_normalized=normalize_email(term))
    if len(term) > NAME:
        return found
    for variant in dict.fromkeys((term, term.lower(), term.capitalize(), term.title())):
        found |= _prefix("name", variant)
    return found


def _prefix(field: str, start: str) -> Q:
    """`field` starts with `start`: as a range an index answers under any collation (a prefix
    LIKE uses one only under the C collation), and as the LIKE that makes it exact."""
    last = ord(start[-1])
    if last >= sys.maxunicode:
        return Q(**{f"{field}__gte": start, f"{field}__startswith": start})
    after = start[:-1] + chr(last + 1)
    return Q(**{f"{field}__gte": start, f"{field}__lt": after, f"{field}__startswith": start})


async def list_advocates(
    shop: Shop,
    limit: int = 100,
    before: int | None = None,
    *,
    search: str | None = None,
    status: str | None = None,
) -> list[AdvocateRow]:
    """The shop's advocates, newest first; `before` (an id) starts the list after that one.

    `search` keeps those `search_filter` finds; `status` those active or blocked.
    """
    query = Advocate.filter(shop_id=shop.id)
    if status:
        query = query.filter(status=status)
    if before is not None:
        query = query.filter(id__lt=before)
    if search:
        found = await _search(query, search_filter(search), limit)
    else:
        found = await query.order_by("-id").limit(limit)
    return [advocate_row(shop, a) for a in found]


async def _search(query: QuerySet[Advocate], found: Q, limit: int) -> list[Advocate]:
    """The newest `limit` advocates of `query` that `found` keeps, fast however common they are.

    Walking the newest first and testing each is quick when matches are common (a page fills
    early) and slow when they are rare; asking the indexes for every match is the reverse. So
    the newest SEARCH_WINDOW advocates are walked first, and only a page still short asks the
    indexes for the older ones, which are then rare by construction.
    """
    edge = await query.order_by("-id").offset(SEARCH_WINDOW).limit(1).values_list("id", flat=True)
    if not edge:
        return list(await query.filter(found).order_by("-id").limit(limit))
    recent = list(await query.filter(found, id__gt=edge[0]).order_by("-id").limit(limit))
    if len(recent) == limit:
        return recent
    # Ordered by an expression, so the database gathers the matches through the indexes
    # rather than walking the id index back through every older advocate.
    older = (
        query.filter(found, id__lte=edge[0])
        .annotate(newest=F("id") + 0)
        .order_by("-newest")
        .limit(limit - len(recent))
    )
    return recent + list(await older)
