"""VIP tiers with a grace period, and stamp cards: what a member holds after what they did.

A tier is entered as soon as its threshold is reached (points or spend, over the member's life
or a rolling period). Falling below the tier held starts a grace period; the tier is lost (to
the one the measure reaches) only when the grace period is over and the measure is still short.
A stamp card counts qualifying orders or items; every `stamps` of them complete one card (a
refund keeps an order's stamps in proportion to what was kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from connector.domain.program import Loyalty, StampCard, VipTier
from connector.domain.program.kinds import StampPer
from connector.domain.rewards.loyalty import vip_tier


def tier_named(loyalty: Loyalty, name: str | None) -> VipTier | None:
    """The program's tier with this name (None: no tier, or one the program no longer has)."""
    return next((t for t in loyalty.vip_tiers if t.name == name), None)


@dataclass(frozen=True)
class TierReview:
    """The tier a member holds after a review, whether it changed, and their grace period."""

    tier: VipTier | None
    changed: bool
    grace_until: datetime | None


def review_tier(
    loyalty: Loyalty,
    held: str | None,
    grace_until: datetime | None,
    measure: Decimal,
    now: datetime,
) -> TierReview:
    """The member's tier after their measure was taken again at `now`."""
    current = tier_named(loyalty, held)
    reached = vip_tier(loyalty, measure)
    rank = -1 if current is None else current.threshold
    if reached is not None and reached.threshold >= rank:
        return TierReview(reached, reached is not current, None)
    if current is None:
        return TierReview(None, held is not None, None)
    # Below the tier held: keep it through the grace period, then step down to what is reached.
    if grace_until is None:
        if loyalty.tier_grace_days > 0:
            return TierReview(current, False, now + timedelta(days=loyalty.tier_grace_days))
    elif now < grace_until:
        return TierReview(current, False, grace_until)
    return TierReview(reached, True, None)


def stamps_for(
    card: StampCard, subtotal: Decimal, items: tuple[tuple[str | None, int], ...]
) -> int:
    """Stamps one kept order earns: 1 per order, or 1 per qualifying item (product id, quantity)."""
    if subtotal < card.min_subtotal or subtotal <= 0:
        return 0
    wanted = set(card.product_ids)
    qualifying = [q for product, q in items if not wanted or (product in wanted)]
    if card.per is StampPer.ORDER:
        return 1 if qualifying or (not wanted and not items) else 0
    return sum(max(q, 0) for q in qualifying)


def stamps_kept(stamps: int, total: Decimal, refunded: Decimal, cancelled: bool) -> int:
    """An order's stamps after its refunds: in proportion to what was kept, to the nearest whole
    stamp (a small refund on a one-stamp order keeps its stamp); none once cancelled or refunded
    in full."""
    if cancelled or total <= 0 or refunded >= total:
        return 0
    if refunded <= 0:
        return stamps
    kept = (Decimal(stamps) * (total - refunded) / total).quantize(Decimal(1), ROUND_HALF_UP)
    return max(min(int(kept), stamps), 0)


def cards_completed(total_stamps: int, card: StampCard) -> int:
    """How many whole cards `total_stamps` fill."""
    return max(total_stamps, 0) // card.stamps
