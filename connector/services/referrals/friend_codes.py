"""Friend codes: create each pending code in the store with the program's friend offer.

A shared code (purpose `friend`) is one per advocate that each customer may use once; a unique
code (`friend_single`) is for one friend and can be used once. Where the program is for new
customers only and the platform has customer segments (Shopify), the code is limited to the
segment of customers with no orders, found or created once per run and shop. Creating a code is
idempotent by the code itself (an existing one is read back), so two workers racing here, or a
crash before the row is updated, never yields two discounts.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from connector.domain.program import Program, RewardRule
from connector.domain.program.kinds import DISCOUNT_KINDS, RewardKind
from connector.domain.rewards.offer import TierOffer, offer_for, tier_offers
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import live_program
from connector.services.shops.tokens import fresh_credentials
from connector.store.models import Advocate, DiscountCode, Shop, ShopStatus
from platforms.base import (
    DiscountKind,
    DiscountRef,
    DiscountSpec,
    PlatformError,
    PlatformRejected,
)

log = logging.getLogger("connector.friend_codes")

FRIEND_PURPOSES = ("friend", "friend_single")
BATCH = 500
_KIND = {
    RewardKind.PERCENTAGE_DISCOUNT: DiscountKind.PERCENTAGE,
    RewardKind.FIXED_DISCOUNT: DiscountKind.FIXED_AMOUNT,
    RewardKind.FREE_SHIPPING: DiscountKind.FREE_SHIPPING,
}


def friend_spec(
    program: Program,
    row: DiscountCode,
    segment_id: str | None,
    now: datetime,
    offer: RewardRule | None = None,
) -> DiscountSpec:
    """The store discount behind a friend code: the program's friend offer, or `offer` (the one
    a tier raised it to)."""
    offer = offer or program.friend_offer
    if offer is None or offer.kind not in DISCOUNT_KINDS:
        raise PlatformRejected("the program's friend offer is not a discount", code="NO_OFFER")
    unique = row.purpose == "friend_single"
    tier = f", tier {row.offer_level}" if row.offer_level else ""
    # A shared code is the advocate's lasting link; only a friend's own code runs out.
    ends_at = (
        row.created_at + timedelta(days=offer.expires_days)
        if unique and offer.expires_days
        else None
    )
    return DiscountSpec(
        code=row.code,
        title=f"Referral: friend offer ({row.code}{tier})",
        kind=_KIND[offer.kind],
        value=offer.value,
        currency=program.currency,
        starts_at=now,
        ends_at=ends_at,
        usage_limit=1 if unique else None,
        once_per_customer=True,
        customer_segment_ids=(segment_id,) if segment_id else (),
        new_customers_only=program.new_customers_only,
        minimum_subtotal=program.min_subtotal or None,
        combines_with_order=program.combines_with.order,
        combines_with_product=program.combines_with.product,
        combines_with_shipping=program.combines_with.shipping,
    )


async def create_pending_friend_codes(runtime: Runtime) -> int:
    """Create every pending friend code in its store; return how many became active."""
    rows = await (
        DiscountCode.filter(
            status="pending", purpose__in=FRIEND_PURPOSES, shop__status=ShopStatus.ACTIVE
        )
        .order_by("updated_at", "id")
        .limit(BATCH)
    )
    by_shop: dict[int, list[DiscountCode]] = defaultdict(list)
    for row in rows:
        by_shop[fk(row, "shop")].append(row)
    created = 0
    for shop_id, codes in by_shop.items():
        created += await _create_for_shop(runtime, await Shop.get(id=shop_id), codes)
    return created


async def _create_for_shop(runtime: Runtime, shop: Shop, codes: list[DiscountCode]) -> int:
    program = (await live_program(runtime, shop)).program
    if program.friend_offer is None:
        for row in codes:
            await _note(row, "the shop's program gives friends no discount yet")
        return 0
    created = 0
    current = codes[0]
    # The offer of each code's advocate as it is now: a tier they reached may have raised it.
    ids = {fk(row, "advocate") for row in codes}
    live = dict(await Advocate.filter(id__in=ids).values_list("id", "live_referrals"))
    try:
        creds = await fresh_credentials(runtime, shop)
        adapter = runtime.adapter(shop.platform)
        segment = await adapter.new_customer_segment(creds) if program.new_customers_only else None
        for current in codes:
            offer = offer_for(program, live.get(fk(current, "advocate"), 0))
            current.offer_level = offer.level
            try:
                spec = friend_spec(program, current, segment, runtime.now(), offer.rule)
                ref = await adapter.create_discount(creds, spec)
            except PlatformRejected as exc:
                await _note(current, str(exc), status="failed")
                continue
            created += await DiscountCode.filter(id=current.id, status="pending").update(
                status="active", platform_id=ref.platform_id, last_error=None,
                offer_level=offer.level,
            )  # fmt: skip
    except PlatformError as exc:
        # Throttled, unavailable or waiting for re-authorisation: the rest wait for the next run.
        log.warning("shop %s: friend codes paused: %s", shop.domain, exc)
        await _note(current, f"{type(exc).__name__}: {exc}")
    return created


async def _note(row: DiscountCode, error: str, *, status: str | None = None) -> None:
    """Record why a code is not active yet (saving also moves it to the back of the queue)."""
    row.last_error = error[:2000]
    if status is not None:
        row.status = status
    await row.save(update_fields=["last_error", "status", "updated_at"])


async def raise_friend_offers(runtime: Runtime) -> int:
    """Bring each active shared friend code to the offer of its advocate's tier (up, or back
    down after a reversal) where a program's tiers raise the friend's offer; how many changed.

    The wanted level follows from the advocate's live referrals, the code's `offer_level` says
    what the store holds: the store is updated first (the same update twice changes nothing),
    then the level, so a crash in between is put right by the next run.
    """
    changed = 0
    shop_ids = await (
        DiscountCode.filter(purpose="friend", status="active", shop__status=ShopStatus.ACTIVE)
        .distinct()
        .values_list("shop_id", flat=True)
    )
    for shop_id in shop_ids:
        shop = await Shop.get(id=shop_id)
        program = (await live_program(runtime, shop)).program
        offers = tier_offers(program)
        if not offers and program.friend_offer is None:
            continue
        # Without raising tiers every code belongs at level 0 (the program's own offer).
        for offer in offers or (offer_for(program, 0),):
            changed += await _raise(runtime, shop, program, offer)
    return changed


async def _raise(runtime: Runtime, shop: Shop, program: Program, offer: TierOffer) -> int:
    """Update the shop's shared codes whose advocates are in `offer`'s range but hold another."""
    live = {"advocate__live_referrals__gte": offer.low}
    if offer.high is not None:
        live["advocate__live_referrals__lt"] = offer.high
    rows = await (
        DiscountCode.filter(shop_id=shop.id, purpose="friend", status="active", **live)
        .exclude(offer_level=offer.level)
        .order_by("id")
        .limit(BATCH)
    )
    if not rows or offer.rule is None:
        return 0
    done = 0
    try:
        creds = await fresh_credentials(runtime, shop)
        adapter = runtime.adapter(shop.platform)
        for row in rows:
            row.offer_level = offer.level
            spec = friend_spec(program, row, None, runtime.now(), offer.rule)
            ref = DiscountRef(row.code, row.platform_id or "")
            try:
                await adapter.update_discount(creds, ref, spec)
            except PlatformRejected as exc:
                await _note(row, str(exc))
                continue
            done += await DiscountCode.filter(id=row.id).update(
                offer_level=offer.level, last_error=None
            )
            log.info("shop %s: friend code %s now gives tier %s's offer", shop.domain, row.code,
                     offer.level)  # fmt: skip
    except PlatformError as exc:
        log.warning("shop %s: friend offers paused: %s", shop.domain, exc)
    return done
