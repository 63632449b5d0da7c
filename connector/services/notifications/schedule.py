"""Messages that come from time passing: the asks, reward reminders, dead letters, the digest.

Each job looks at one window of events per shop, (where it stopped, now], kept in a
`MessageCursor`, so a job that did not run for a while catches up and none looks at the same
events again; the messages are keyed by their event, so even a window seen twice writes each
once. Only shops that are active and have the kind switched on are looked at.

- `purchase_asks`: N days (`ask_after_days`, 7) after a paid order, ask the customer to refer
  (the brief's templates 1 and 2): they are enrolled (no welcome: the ask carries their link and
  code) and told what a friend gets.
- `winback_asks`: M days (`winback_after_days`, 90) after a customer's last paid order, with no
  order since, ask them back with their link (template 3).
- `expiring_rewards`: 3 days before an unused reward code expires, remind the advocate.
- `flagged_referrals`: tell the merchant of the referrals held for review since last time (one
  notice per window, not one per referral, so an order batch pays nothing for it).
- `dead_letters`: tell the merchant how many deliveries and messages ran out of tries.
- `weekly_digests`: on Mondays, the merchant's numbers of the week before.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from connector.domain.messages import message_kind, reward_words
from connector.domain.referral import ReferralState
from connector.errors import ConnectorError
from connector.services.base import tally
from connector.services.base.messages import (
    enqueue,
    enqueue_to_advocate,
    message_key,
    pick_locale,
    setting_int,
)
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.notifications.preferences import (
    DEFAULT_ASK_AFTER_DAYS,
    DEFAULT_WINBACK_AFTER_DAYS,
    kind_on,
)
from connector.services.referrals.advocates import enrol_advocate
from connector.services.referrals.notices import reward_context
from connector.services.referrals.programs import live_program
from connector.services.referrals.tally import state_counts
from connector.store.models import (
    Advocate,
    Delivery,
    DeliveryStatus,
    Message,
    MessageCursor,
    MessageStatus,
    OrderRecord,
    Referral,
    ReferralEvent,
    Reward,
    RewardStatus,
    Shop,
    ShopStatus,
)

log = logging.getLogger("connector.notifications")

BATCH = 500
FIRST_LOOK = timedelta(days=1)  # a job's first window reaches this far back
REMIND_BEFORE = timedelta(days=3)


async def _shops(kind: str) -> list[Shop]:
    spec = message_kind(kind)
    return [s for s in await Shop.filter(status=ShopStatus.ACTIVE) if kind_on(s, spec)]


async def _since(shop: Shop, name: str, upto: datetime, first_look: timedelta) -> datetime:
    row = await MessageCursor.get_or_none(shop_id=shop.id, name=name)
    return row.until if row is not None else upto - first_look


async def _advance(shop: Shop, name: str, until: datetime) -> None:
    await MessageCursor.update_or_create(defaults={"until": until}, shop_id=shop.id, name=name)


async def _windowed(
    runtime: Runtime,
    kind: str,
    upto_of: Callable[[Shop, datetime], datetime],
    step: Callable[[Shop, datetime, datetime], Awaitable[tuple[int, datetime]]],
    first_look: timedelta = FIRST_LOOK,
) -> int:
    """Run `step` over each shop's next window of `kind`; the messages written."""
    written = 0
    for shop in await _shops(kind):
        upto = upto_of(shop, runtime.now())
        since = await _since(shop, kind, upto, first_look)
        if since >= upto:
            continue
        count, reached = await step(shop, since, upto)
        written += count
        await _advance(shop, kind, reached)
    return written


async def _friend_offer(runtime: Runtime, shop: Shop, locale: str) -> str:
    program = (await live_program(runtime, shop)).program
    offer = program.friend_offer or program.friend_reward
    if offer is None:
        return ""
    return reward_words(offer.kind.value, locale, amount=offer.value, currency=program.currency)


async def _ask(runtime: Runtime, shop: Shop, kind: str, order: OrderRecord) -> int:
    """Enrol the order's customer (no welcome) and write the ask keyed by the order."""
    try:
        enrolled = await enrol_advocate(
            runtime, shop, email=order.email, customer_id=order.customer_id, welcome=False
        )
    except (ValueError, ConnectorError) as exc:
        log.info("%s: no %s for order %s: %s", shop.domain, kind, order.order_id, exc)
        return 0
    advocate = enrolled.advocate
    if advocate.status != "active":
        return 0
    context = {
        "share_link": enrolled.share_link,
        "friend_code": advocate.friend_code,
        "friend_offer": await _friend_offer(runtime, shop, pick_locale(shop, advocate.locale)),
    }
    async with in_transaction() as tx:
        return await enqueue_to_advocate(
            tx, shop, advocate, kind, f"order-{order.order_id}", now=runtime.now(),
            context=context,
        )  # fmt: skip


def _paid_orders(shop: Shop, since: datetime, upto: datetime) -> Any:
    return OrderRecord.filter(
        shop_id=shop.id, paid=True, cancelled=False, is_test=False, email__isnull=False,
        order_created_at__gt=since, order_created_at__lte=upto,
    ).order_by("order_created_at", "id")  # fmt: skip


def _reached(rows: list[OrderRecord], upto: datetime) -> datetime:
    """Where the window's next look starts: the last row's time when the batch was full."""
    last = rows[-1].order_created_at if len(rows) == BATCH else None
    return last or upto


async def purchase_asks(runtime: Runtime) -> int:
    """Ask customers to refer a friend N days after a paid order."""

    def upto(shop: Shop, now: datetime) -> datetime:
        return now - timedelta(days=setting_int(shop, "ask_after_days", DEFAULT_ASK_AFTER_DAYS))

    async def step(shop: Shop, since: datetime, until: datetime) -> tuple[int, datetime]:
        rows = await _paid_orders(shop, since, until).limit(BATCH)
        written = 0
        for order in rows:
            written += await _ask(runtime, shop, "purchase_ask", order)
        return written, _reached(rows, until)

    return await _windowed(runtime, "purchase_ask", upto, step)


async def _ordered_since(shop: Shop, order: OrderRecord) -> bool:
    """True when the customer of `order` placed a later paid order (by store customer id, else
    by email: both read through an index)."""
    if order.customer_id:
        theirs = OrderRecord.filter(shop_id=shop.id, customer_id=order.customer_id)
    else:
        theirs = OrderRecord.filter(shop_id=shop.id, email=order.email)
    later = theirs.filter(paid=True, cancelled=False, order_created_at__gt=order.order_created_at)
    return await later.exists()


async def winback_asks(runtime: Runtime) -> int:
    """Ask customers back M days after their last paid order, when none came since."""

    def upto(shop: Shop, now: datetime) -> datetime:
        days = setting_int(shop, "winback_after_days", DEFAULT_WINBACK_AFTER_DAYS)
        return now - timedelta(days=days)

    async def step(shop: Shop, since: datetime, until: datetime) -> tuple[int, datetime]:
        rows = await _paid_orders(shop, since, until).limit(BATCH)
        written = 0
        for order in rows:
            if not await _ordered_since(shop, order):
                written += await _ask(runtime, shop, "winback_ask", order)
        return written, _reached(rows, until)

    return await _windowed(runtime, "winback_ask", upto, step)


async def expiring_rewards(runtime: Runtime) -> int:
    """Remind advocates of unused reward codes 3 days before they expire."""

    def upto(shop: Shop, now: datetime) -> datetime:
        return now + REMIND_BEFORE

    async def step(shop: Shop, since: datetime, until: datetime) -> tuple[int, datetime]:
        rows = await Reward.filter(
            shop_id=shop.id, side="advocate", status=RewardStatus.ISSUED.value,
            used_at__isnull=True, code__isnull=False, expires_at__gt=max(since, runtime.now()),
            expires_at__lte=until,
        ).order_by("expires_at", "id")  # fmt: skip
        written = 0
        for reward in rows:
            advocate = await Advocate.get_or_none(id=fk(reward, "advocate"))
            if advocate is None:
                continue
            context = reward_context(reward, pick_locale(shop, advocate.locale))
            async with in_transaction() as tx:
                written += await enqueue_to_advocate(
                    tx, shop, advocate, "reward_expiring", f"reward-{reward.id}",
                    now=runtime.now(), context=context,
                )  # fmt: skip
        return written, until

    # The first look covers every reward expiring within the reminder's reach.
    return await _windowed(runtime, "reward_expiring", upto, step, first_look=REMIND_BEFORE)


async def dead_letters(runtime: Runtime) -> int:
    """Tell each merchant how many deliveries and messages ran out of tries since last time."""

    def upto(shop: Shop, now: datetime) -> datetime:
        return now

    async def step(shop: Shop, since: datetime, until: datetime) -> tuple[int, datetime]:
        deliveries = Delivery.filter(
            shop_domain=shop.domain, status=DeliveryStatus.DEAD, next_attempt_at__gt=since,
            next_attempt_at__lte=until,
        )  # fmt: skip
        messages = Message.filter(
            shop_id=shop.id, status=MessageStatus.DEAD, updated_at__gt=since,
            updated_at__lte=until,
        ).exclude(kind="deliveries_dead")  # fmt: skip
        count = await deliveries.count() + await messages.count()
        if not count:
            return 0, until
        first = await deliveries.order_by("id").first() or await messages.order_by("id").first()
        context = {"count": count, "first_error": (first.last_error or "")[:300] if first else ""}
        event = f"dead-{until:%Y%m%dT%H%M%S}"
        async with in_transaction() as tx:
            written = await enqueue(
                tx, shop, "deliveries_dead", event, now=runtime.now(), context=context
            )
        return int(written), until

    return await _windowed(runtime, "deliveries_dead", upto, step)


async def flagged_referrals(runtime: Runtime) -> int:
    """Tell each merchant of the referrals newly held for their review."""

    def upto(shop: Shop, now: datetime) -> datetime:
        return now

    async def step(shop: Shop, since: datetime, until: datetime) -> tuple[int, datetime]:
        moves = ReferralEvent.filter(
            referral__shop_id=shop.id, to_state=ReferralState.FLAGGED.value, at__gt=since,
            at__lte=until,
        )  # fmt: skip
        ids = list(dict.fromkeys(await moves.order_by("id").values_list("referral_id", flat=True)))
        if not ids:
            return 0, until
        rows = await Referral.filter(id__in=ids[:10], state=ReferralState.FLAGGED.value)
        first = rows[0] if rows else None
        reasons = [
            str(f.get("message")) for f in (first.findings if first else ())
            if f.get("verdict") in ("flag", "block")
        ]  # fmt: skip
        context = {
            "count": len(ids),
            "orders": ", ".join(r.order_id or r.qualifying_key for r in rows)
            + (", …" if len(ids) > len(rows) else ""),
            "reasons": "; ".join(reasons),
        }
        async with in_transaction() as tx:
            written = await enqueue(
                tx, shop, "referral_flagged", f"flagged-{until:%Y%m%dT%H%M%S}",
                now=runtime.now(), context=context,
            )  # fmt: skip
        return int(written), until

    return await _windowed(runtime, "referral_flagged", upto, step)


def _week_before(now: datetime) -> datetime:
    """The Monday 00:00 UTC that starts the last full week."""
    monday = (now.astimezone(UTC) - timedelta(days=now.astimezone(UTC).weekday())).date()
    return datetime.combine(monday - timedelta(days=7), time(0), tzinfo=UTC)


async def weekly_digests(runtime: Runtime) -> int:
    """Send each merchant their numbers of the last full week (once per week)."""
    start = _week_before(runtime.now())
    end = start + timedelta(days=7)
    event = f"week-{start.date().isoformat()}"
    written = 0
    for shop in await _shops("weekly_digest"):
        key = message_key(shop.id, "weekly_digest", event, "email", None)
        if await Message.exists(shop_id=shop.id, key=key):
            continue
        states = state_counts(await tally.counts(shop.id))
        context = {
            "week": start.date().isoformat(),
            "referrals": await Referral.filter(
                shop_id=shop.id, created_at__gte=start, created_at__lt=end
            ).count(),
            "rewarded": await ReferralEvent.filter(
                referral__shop_id=shop.id,
                to_state=ReferralState.REWARDED.value,
                at__gte=start,
                at__lt=end,
            ).count(),
            "pending": states.get(ReferralState.PENDING.value, 0),
            "review": states.get(ReferralState.FLAGGED.value, 0),
            "advocates": await Advocate.filter(
                shop_id=shop.id, created_at__gte=start, created_at__lt=end
            ).count(),
            "messages": await Message.filter(
                shop_id=shop.id, status=MessageStatus.SENT, sent_at__gte=start, sent_at__lt=end
            ).count(),
        }
        async with in_transaction() as tx:
            written += await enqueue(
                tx, shop, "weekly_digest", event, now=runtime.now(), context=context
            )
    return written


JOBS: dict[str, tuple[float, Callable[[Runtime], Awaitable[int]]]] = {
    "ask_after_purchase": (3600.0, purchase_asks),
    "ask_to_come_back": (3600.0, winback_asks),
    "remind_expiring_rewards": (3600.0, expiring_rewards),
    "report_flagged_referrals": (600.0, flagged_referrals),
    "report_dead_letters": (3600.0, dead_letters),
    "send_weekly_digests": (3600.0, weekly_digests),
}
