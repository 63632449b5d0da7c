"""VIP tiers and stamp cards of loyalty members, kept in the transactions that change them.

After an order earns (or a refund takes back), `review_member` takes the member's measure
(points or spend, lifetime or a rolling period) and moves their tier (domain.rewards.vip: entry
at once, loss after the grace period). Entering a tier grants its store perks as Reward rows the
outbox puts in the store: a standing discount code and a standing free-shipping code, bound to
the member and good for any number of their orders (keyed `vip:{member}:{tier}:{entered}`);
losing it withdraws them (the outbox disables the codes). The earning multiplier is read from
the tier held. `review_tiers` (daily) does the same for members whose rolling measure fell or
whose grace ran out. Stamp cards count each kept order's stamps (`stamps:{order}` entries, a
refund taking back in proportion) and write the card's reward once per card completed.
Messages to the member go through `tell_member`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Sum
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from connector.domain.messages import KINDS, reward_words
from connector.domain.program import Loyalty, Program, StampCard, VipTier
from connector.domain.program.kinds import MONEY_KINDS, RewardKind, TierBasis
from connector.domain.rewards import loyalty as rules
from connector.domain.rewards import vip
from connector.services.base.messages import enqueue_to_advocate, pick_locale
from connector.services.base.runtime import Runtime
from connector.services.base.savepoints import savepoint
from connector.services.referrals.programs import live_program
from connector.services.referrals.records import product_columns
from connector.services.rewards.loyalty import advocate_ledger
from connector.store.models import (
    Advocate,
    LedgerEntry,
    OrderRecord,
    Reward,
    RewardStatus,
    Shop,
    ShopStatus,
    StampEntry,
)
from platforms.base import LineItem

log = logging.getLogger("connector.loyalty")

VIP_PREFIX = "vip:"
VIP_PERK, VIP_LOST = "vip_perk", "vip_tier_lost"
# The kind of a tier's store tag perk (a Reward row the outbox puts on the customer in the store;
# not a reward a program can give): the tag itself is the row's `platform_ref`.
TAG_PERK = "customer_tag"
STAMP_REWARD = "stamp_card"
JOB = "review_tiers"
BATCH = 500
# Rewards of a tier that still stand in (or are on their way to) the store.
STANDING = (RewardStatus.PENDING.value, RewardStatus.ISSUED.value, RewardStatus.FAILED.value)


def is_standing(reward: Reward) -> bool:
    """True for a tier's perk code: bound to its member, good for any number of their orders."""
    return reward.idempotency_key.startswith(VIP_PREFIX)


def is_tag(reward: Reward) -> bool:
    """True for a tier's tag on the member's customer record in the store."""
    return reward.kind == TAG_PERK


async def tell_member(
    db: BaseDBAsyncClient,
    shop: Shop,
    member: Advocate,
    kind: str,
    event: str,
    now: datetime,
    context: Mapping[str, Any],
) -> int:
    """The one place a loyalty event reaches the member (tier reached, points expiring, a card
    completed), in the event's transaction: the message outbox's `enqueue_to_advocate` for the
    kinds its catalogue has (one message per event and recipient, so noticing an event twice
    writes nothing more); the log for the others. How many messages were written."""
    log.info("shop %s: member %s: %s (%s)", shop.domain, member.id, kind, event)
    if kind not in KINDS:
        return 0
    safe = re.sub(r"[^A-Za-z0-9_=+-]", "_", event)
    return await enqueue_to_advocate(db, shop, member, kind, safe, now=now, context=context)


# -- tiers -------------------------------------------------------------------------------------


async def measure(
    db: BaseDBAsyncClient, shop: Shop, loyalty: Loyalty, member: Advocate, now: datetime
) -> Decimal:
    """What the tiers count for the member: points earned (less refunds) or money spent (kept
    subtotals), over their life or the rolling period."""
    since = now - timedelta(days=loyalty.tier_period_days) if loyalty.tier_period_days else None
    if loyalty.tier_basis is TierBasis.POINTS:
        if since is None:
            return Decimal(int(member.points_earned))
        rows = await (
            LedgerEntry.filter(
                shop_id=shop.id, advocate_id=member.id, created_at__gte=since,
                kind__in=(rules.EntryKind.EARN.value, rules.EntryKind.REFUND.value),
            )
            .using_db(db)
            .annotate(total=Sum("points"))
            .values("total")
        )  # fmt: skip
        return Decimal(int(rows[0]["total"] or 0) if rows else 0)
    orders = OrderRecord.filter(
        shop_id=shop.id, paid=True, cancelled=False, is_test=False
    ).using_db(db)
    if member.customer_id:
        orders = orders.filter(customer_id=member.customer_id)
    else:
        orders = orders.filter(email=member.email)
    if since is not None:
        orders = orders.filter(order_created_at__gte=since)
    spent = Decimal(0)
    for order in await orders.only("subtotal", "total", "refunded"):
        kept = order.total - order.refunded if order.total > 0 else Decimal(0)
        share = kept / order.total if order.total > 0 else Decimal(0)
        spent += max(order.subtotal * share, Decimal(0))
    return spent


async def review_member(
    runtime: Runtime, db: BaseDBAsyncClient, shop: Shop, loyalty: Loyalty, member_id: int
) -> Advocate | None:
    """Move the (locked) member's tier after their measure changed; grant or withdraw perks."""
    member = await Advocate.filter(id=member_id).using_db(db).select_for_update().first()
    if member is None or not loyalty.vip_tiers:
        return member
    now = runtime.now()
    taken = await measure(db, shop, loyalty, member, now)
    review = vip.review_tier(loyalty, member.vip_tier, member.vip_grace_until, taken, now)
    values: dict[str, Any] = {"vip_grace_until": review.grace_until}
    if review.changed:
        values.update(vip_tier=review.tier.name if review.tier else None, vip_since=now)
        await _withdraw_perks(db, member, now, review.tier)
        before = vip.tier_named(loyalty, member.vip_tier)
        if review.tier is not None:
            await _grant_perks(db, shop, member, review.tier, now)
        new = review.tier
        # Told of a tier reached (above the base tier), not of one lost: the widget shows both.
        if new is not None and new.threshold > (before.threshold if before else 0):
            await tell_member(
                db, shop, member, "tier_reached", f"tier-{member.id}-{new.name}-{now:%Y%m%d}",
                now, {"tier": new.name, "perks": ", ".join(new.perks)},
            )  # fmt: skip
        log.info("shop %s: member %s is now %s", shop.domain, member.id, values["vip_tier"])
    if values != {k: getattr(member, k) for k in values}:
        await Advocate.filter(id=member.id).using_db(db).update(**values)
        member.update_from_dict(values)
    return member


async def hold_tier(
    db: BaseDBAsyncClient, shop: Shop, member: Advocate, tier: VipTier, now: datetime
) -> bool:
    """Put the (locked) member in `tier` (an import, a person's decision) with its perks; False
    when they hold it already."""
    if member.vip_tier == tier.name:
        return False
    await _withdraw_perks(db, member, now, tier)
    await _grant_perks(db, shop, member, tier, now)
    values = {"vip_tier": tier.name, "vip_since": now, "vip_grace_until": None}
    await Advocate.filter(id=member.id).using_db(db).update(**values)
    member.update_from_dict(values)
    return True


async def _grant_perks(
    db: BaseDBAsyncClient, shop: Shop, member: Advocate, tier: VipTier, now: datetime
) -> None:
    entered = f"{VIP_PREFIX}{member.id}:{tier.name}:{now:%Y%m%dT%H%M%S}"
    perks: list[tuple[str, RewardKind, Decimal | None]] = []
    if tier.discount_percent:
        perks.append(("discount", RewardKind.PERCENTAGE_DISCOUNT, tier.discount_percent))
    if tier.free_shipping:
        perks.append(("shipping", RewardKind.FREE_SHIPPING, None))
    for name, kind, amount in perks:
        await _reward(db, shop, member, f"{entered}:{name}", kind, amount, None, VIP_PERK, now)
    # A tag the member's customer record already carries (the tier before had the same) stays.
    if tier.tag and not await _tags(db, member).filter(platform_ref=tier.tag).exists():
        await _reward(
            db, shop, member, f"{entered}:tag", TAG_PERK, None, None, VIP_PERK, now,
            platform_ref=tier.tag,
        )  # fmt: skip


def _standing(db: BaseDBAsyncClient, member: Advocate) -> QuerySet[Reward]:
    """The member's tier perks that stand in the store (or are on their way there)."""
    return Reward.filter(
        advocate_id=member.id, idempotency_key__startswith=f"{VIP_PREFIX}{member.id}:",
        status__in=STANDING,
    ).using_db(db)  # fmt: skip


def _tags(db: BaseDBAsyncClient, member: Advocate) -> QuerySet[Reward]:
    return _standing(db, member).filter(kind=TAG_PERK)


async def _withdraw_perks(
    db: BaseDBAsyncClient, member: Advocate, now: datetime, entering: VipTier | None
) -> None:
    """Take back the perks of the tier left; the tag of the tier entered stays on the customer
    (taking it off and putting it back would race in the outbox)."""
    query = _standing(db, member)
    if entering is not None and entering.tag:
        query = query.exclude(kind=TAG_PERK, platform_ref=entering.tag)
    await query.update(
        status=RewardStatus.DEACTIVATE_PENDING.value, reason=VIP_LOST, next_attempt_at=now,
        lease_token=None, lease_until=None, updated_at=now,
    )  # fmt: skip


async def _reward(
    db: BaseDBAsyncClient,
    shop: Shop,
    member: Advocate,
    key: str,
    kind: str,
    amount: Decimal | None,
    currency: str | None,
    reason: str,
    now: datetime,
    points: int | None = None,
    platform_ref: str | None = None,
    **columns: Any,
) -> None:
    """A pending reward for the member (written once: its key is unique per shop); `columns`
    are further Reward columns (a free product's)."""
    if await Reward.filter(shop_id=shop.id, idempotency_key=key).using_db(db).exists():
        return
    async with savepoint(db) as point:
        await Reward.create(
            shop_id=shop.id, advocate_id=member.id, idempotency_key=key, side="advocate",
            kind=str(kind), amount=amount, currency=currency, points=points,
            platform_ref=platform_ref,
            recipient_customer_id=member.customer_id, recipient_email=member.email,
            status=RewardStatus.PENDING.value, reason=reason, next_attempt_at=now,
            created_at=now, updated_at=now, using_db=point, **columns,
        )  # fmt: skip


async def review_tiers(runtime: Runtime) -> int:
    """Review every member who holds a tier or a grace period; return how many changed."""
    changed = 0
    rows = await (
        Advocate.filter(vip_tier__isnull=False, shop__status=ShopStatus.ACTIVE)
        .order_by("id")
        .limit(BATCH * 20)
        .values_list("id", "shop_id", "vip_tier")
    )
    programs: dict[int, Program] = {}
    for member_id, shop_id, held in rows:
        shop = await Shop.get(id=shop_id)
        if shop_id not in programs:
            programs[shop_id] = (await live_program(runtime, shop)).program
        loyalty = programs[shop_id].loyalty
        if loyalty is None:
            continue
        async with in_transaction() as tx:
            member = await review_member(runtime, tx, shop, loyalty, member_id)
        changed += member is not None and member.vip_tier != held
    return changed


def tier_multiplier(loyalty: Loyalty, member: Advocate) -> Decimal:
    """The earning multiplier of the tier the member holds (1 without one)."""
    tier = vip.tier_named(loyalty, member.vip_tier)
    return tier.multiplier if tier is not None else Decimal(1)


# -- stamp cards -------------------------------------------------------------------------------


async def stamp_order(
    runtime: Runtime,
    db: BaseDBAsyncClient,
    shop: Shop,
    program: Program,
    member: Advocate,
    record: OrderRecord,
    items: tuple[LineItem, ...],
) -> None:
    """Bring the order's stamps in line with its newest state; write the reward of each card
    the member's stamps complete, once."""
    loyalty = program.loyalty
    card = loyalty.stamp_card if loyalty is not None else None
    if card is None:
        return
    reference = f"order:{record.order_id}"
    rows = await StampEntry.filter(shop_id=shop.id, reference=reference).using_db(db).order_by("id")
    lines = tuple((li.product_id, li.quantity) for li in items)
    first = rows[0].stamps if rows else vip.stamps_for(card, record.subtotal, lines)
    kept = vip.stamps_kept(first, record.total, record.refunded, record.cancelled)
    held = sum(r.stamps for r in rows)
    if rows and kept >= held:
        return  # stamps only ever go back, after a refund
    if not rows and (kept <= 0 or not record.paid):
        return
    now = runtime.now()
    key = f"stamps:{record.order_id}:{len(rows)}"
    await StampEntry.create(
        shop_id=shop.id, advocate_id=member.id, stamps=kept - held, reference=reference,
        idempotency_key=key, created_at=now, using_db=db,
    )  # fmt: skip
    await _complete_cards(db, shop, program, member, card, now)


async def stamps_of(db: BaseDBAsyncClient | None, shop_id: int, member_id: int) -> int:
    """The member's stamps ever (less refunds)."""
    rows = await (
        StampEntry.filter(shop_id=shop_id, advocate_id=member_id)
        .using_db(db)
        .annotate(total=Sum("stamps"))
        .values("total")
    )
    return int(rows[0]["total"] or 0) if rows else 0


async def _complete_cards(
    db: BaseDBAsyncClient,
    shop: Shop,
    program: Program,
    member: Advocate,
    card: StampCard,
    now: datetime,
) -> None:
    """Write the reward of each card the member's stamps fill that has none yet, and tell them,
    in the transaction of the order that filled it."""
    reward, per_card, card_name = card.reward, card.stamps, card.name
    total = await stamps_of(db, shop.id, member.id)
    done = (
        await Reward.filter(
            shop_id=shop.id, advocate_id=member.id, idempotency_key__startswith=f"card:{member.id}:"
        )
        .using_db(db)
        .count()
    )
    money = reward.kind in MONEY_KINDS
    amount = None if reward.kind in (RewardKind.FREE_SHIPPING, RewardKind.POINTS) else reward.value
    points = int(reward.value) if reward.kind is RewardKind.POINTS else None
    currency = program.currency if money else None
    words = reward_words(
        reward.kind.value, pick_locale(shop, member.locale), amount=amount, currency=currency,
        points=points, product=reward.product_name,
    )  # fmt: skip
    for number in range(done + 1, max(total, 0) // per_card + 1):
        await _reward(
            db, shop, member, f"card:{member.id}:{number}", reward.kind, amount, currency,
            STAMP_REWARD, now, points=points, **product_columns(reward),
        )  # fmt: skip
        await tell_member(
            db, shop, member, "stamp_card_completed", f"card-{member.id}-{number}", now,
            {"card": card_name, "reward": words, "cards": number},
        )  # fmt: skip


# -- reminders ---------------------------------------------------------------------------------


async def remind_expiring_points(runtime: Runtime) -> int:
    """Tell each member whose points expire within their program's `expiry_reminder_days` how
    many and when (one message per member and expiry date); return how many were told."""
    now = runtime.now()
    told = 0
    for shop in await Shop.filter(status=ShopStatus.ACTIVE):
        loyalty = (await live_program(runtime, shop)).program.loyalty
        if loyalty is None or not loyalty.expiry_reminder_days:
            continue
        soon = now + timedelta(days=loyalty.expiry_reminder_days)
        members = await (
            LedgerEntry.filter(
                shop_id=shop.id, points__gt=0, expires_at__gt=now, expires_at__lte=soon
            )
            .distinct()
            .values_list("advocate_id")
        )
        for member_id in sorted({int(row[0]) for row in members}):
            async with in_transaction() as tx:
                ledger = await advocate_ledger(shop.id, member_id, tx)
                due = rules.next_expiry(ledger)
                member = await Advocate.get_or_none(id=member_id, using_db=tx)
                if due is None or member is None or due[1] > soon:
                    continue
                points, at = due
                told += await tell_member(
                    tx, shop, member, "points_expiring", f"points-expiry-{member_id}-{at:%Y%m%d}",
                    now, {"points": points, "expires_on": at, "balance": ledger.balance},
                ) > 0  # fmt: skip
    return told
