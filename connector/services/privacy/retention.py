"""Retention: what we keep only as long as it is useful, pruned by a periodic job.

Older than the configured period (`[retention] days`, 90 by default): processed deliveries (raw
webhook bodies and headers, with their attempt logs), link clicks, and offer claims. What a
merchant relies on stays: each referral keeps its own evidence and findings (the explanation is
built from those, never from the raw bodies), an advocate keeps their click count
(`Advocate.clicks_pruned`), and a delivery that is pending or dead-lettered stays for an
operator to see and replay. A claim is kept at least as long as the shop's attribution window,
so pruning never takes away an attribution a later order could still make.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from connector.services.base.runtime import Runtime
from connector.store.models import (
    Advocate,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    LinkClick,
    OfferClaim,
    ProgramVersion,
)

BATCH = 200  # rows a statement removes: small enough that each finds them by index
log = logging.getLogger("connector.retention")


@dataclass(frozen=True)
class Pruned:
    """How many rows of each kind one run removed."""

    deliveries: int = 0
    clicks: int = 0
    claims: int = 0


async def _deliveries(before: datetime) -> int:
    removed = 0
    while True:
        ids = await (
            Delivery.filter(status=DeliveryStatus.DONE, received_at__lt=before)
            .order_by("received_at")
            .limit(BATCH)
            .values_list("id", flat=True)
        )
        if not ids:
            return removed
        async with in_transaction() as tx:
            await DeliveryAttempt.filter(delivery_id__in=ids).using_db(tx).delete()
            removed += await Delivery.filter(id__in=ids).using_db(tx).delete()


async def _clicks(before: datetime) -> int:
    removed = 0
    while True:
        async with in_transaction() as tx:
            rows = await (
                LinkClick.filter(clicked_at__lt=before)
                .using_db(tx)
                .order_by("clicked_at")
                .limit(BATCH)
                .values_list("id", "advocate_id")
            )
            if not rows:
                return removed
            # The advocate's count stays whole: the pruned clicks move into their counter.
            for advocate_id, count in sorted(Counter(a for _, a in rows).items()):
                await (
                    Advocate.filter(id=advocate_id)
                    .using_db(tx)
                    .update(clicks_pruned=F("clicks_pruned") + count)
                )
            removed += await LinkClick.filter(id__in=[i for i, _ in rows]).using_db(tx).delete()


async def _window_days(shop_id: int) -> int:
    newest = await ProgramVersion.filter(shop_id=shop_id).order_by("-version").first()
    config = newest.config if newest is not None else {}
    window = config.get("attribution_window_days") if isinstance(config, dict) else None
    return int(window) if isinstance(window, int) else 30


async def _claims(before: datetime, now: datetime) -> int:
    removed = 0
    shops: list[int] = await OfferClaim.filter(claimed_at__lt=before).distinct().values_list(
        "shop_id", flat=True
    )  # type: ignore[assignment]
    for shop_id in sorted(set(shops)):
        kept_from = min(before, now - timedelta(days=await _window_days(shop_id)))
        removed += await OfferClaim.filter(shop_id=shop_id, claimed_at__lt=kept_from).delete()
    return removed


async def prune_old_data(runtime: Runtime) -> Pruned:
    """The periodic job: remove what is older than the retention period (see the module)."""
    now = runtime.now()
    before = now - timedelta(days=runtime.settings.retention.days)
    pruned = Pruned(
        deliveries=await _deliveries(before),
        clicks=await _clicks(before),
        claims=await _claims(before, now),
    )
    if pruned != Pruned():
        log.info(
            "retention (%d days): pruned %d deliveries, %d link clicks, %d offer claims",
            runtime.settings.retention.days, pruned.deliveries, pruned.clicks, pruned.claims,
        )  # fmt: skip
    return pruned
