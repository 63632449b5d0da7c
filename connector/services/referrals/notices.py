"""What advocates and the merchant are told of referrals and rewards, in the changing transaction.

`budget_nearly_spent` is called by crediting in the transaction that creates a referral: once the
period's rewards reach the program's `warn_percent` of its budget, the merchant is told once per
period (the message's key names the period, so every later referral of it writes nothing).
`reward_earned` is called by the reward outbox in the transaction that records a reward as in
the store (issued or recorded); `reward_reversed` by a refund's change, for a reward the advocate
was already told of. `referral_moved` is called by `records.record_event` for every transition:
a credited (approved) referral thanks the advocate, worded for a long-time or an occasional
customer by their paid orders; any other state writes nothing here, so the worker's order
batches pay no statement for it (referrals held for review reach the merchant in one notice per
window: services.notifications.schedule). All write through the
message outbox keyed by the reward or referral, so a replayed delivery or a retried job writes
nothing more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.domain.messages import reward_words
from connector.domain.referral import ReferralState
from connector.domain.rules.budget import BudgetWarning
from connector.services.base.messages import (
    enqueue,
    enqueue_to_advocate,
    pick_locale,
    setting_int,
)
from connector.services.base.rows import fk
from connector.services.referrals.advocates import share_link
from connector.store.models import Advocate, OrderRecord, Referral, Reward, Shop

# From this many paid orders on, an advocate is thanked as a long-time customer.
DEFAULT_LONG_TIME_ORDERS = 3

TOLD_SIDES = frozenset({"advocate"})


async def _advocate_of(db: BaseDBAsyncClient, reward: Reward) -> tuple[Shop, Advocate] | None:
    if reward.side not in TOLD_SIDES or fk(reward, "advocate") is None:
        return None
    advocate = await Advocate.get_or_none(id=fk(reward, "advocate"), using_db=db)
    if advocate is None:
        return None
    return await Shop.get(id=fk(reward, "shop"), using_db=db), advocate


def reward_context(reward: Reward, locale: str, code: str | None = None) -> dict[str, Any]:
    """The placeholders of a reward message: the reward in words, its code, when it expires."""
    return {
        "reward": reward_words(
            reward.kind, locale, amount=reward.amount, currency=reward.currency,
            points=reward.points, cause=reward.charity_cause, product=reward.product_name,
        ),
        "code": code or reward.code or "",
        "expires_on": reward.expires_at.date().isoformat() if reward.expires_at else "",
    }  # fmt: skip


async def reward_earned(
    db: BaseDBAsyncClient, reward: Reward, now: datetime, code: str | None = None
) -> int:
    """Tell the advocate a reward reached them (once per reward)."""
    found = await _advocate_of(db, reward)
    if found is None:
        return 0
    shop, advocate = found
    context = reward_context(reward, pick_locale(shop, advocate.locale), code)
    return await enqueue_to_advocate(
        db, shop, advocate, "reward_earned", f"reward-{reward.id}", now=now, context=context
    )


async def reward_reversed(db: BaseDBAsyncClient, reward: Reward, now: datetime) -> int:
    """Tell the advocate a reward they were told of was taken back (once per reward)."""
    found = await _advocate_of(db, reward)
    if found is None:
        return 0
    shop, advocate = found
    context = reward_context(reward, pick_locale(shop, advocate.locale))
    return await enqueue_to_advocate(
        db, shop, advocate, "reward_reversed", f"reward-{reward.id}", now=now, context=context
    )


async def _paid_orders(db: BaseDBAsyncClient, shop: Shop, advocate: Advocate) -> int:
    """The advocate's own paid, uncancelled orders that we have seen (by their store customer
    id, else their email as the store sent it: both read through an index)."""
    if advocate.customer_id:
        mine = OrderRecord.filter(shop_id=shop.id, customer_id=advocate.customer_id)
    elif advocate.email:
        mine = OrderRecord.filter(shop_id=shop.id, email=advocate.email)
    else:
        return 0
    return await mine.filter(paid=True, cancelled=False, is_test=False).using_db(db).count()


async def referral_moved(
    db: BaseDBAsyncClient, referral: Referral, from_state: str | None, at: datetime
) -> int:
    """Write the messages a referral's new state calls for; how many were written."""
    if referral.state == from_state or referral.state != ReferralState.APPROVED.value:
        return 0
    advocate = await Advocate.get_or_none(id=fk(referral, "advocate"), using_db=db)
    if advocate is None or advocate.kind != "customer":
        return 0
    shop = await Shop.get(id=fk(referral, "shop"), using_db=db)
    orders = await _paid_orders(db, shop, advocate)
    long_time = orders >= setting_int(shop, "long_time_orders", DEFAULT_LONG_TIME_ORDERS)
    kind = "thanks_long_time" if long_time else "thanks_occasional"
    context = {"orders": orders, "share_link": share_link(shop, advocate),
               "friend_code": advocate.friend_code}  # fmt: skip
    return await enqueue_to_advocate(
        db, shop, advocate, kind, f"referral-{referral.id}", now=at, context=context
    )


async def budget_nearly_spent(
    db: BaseDBAsyncClient, shop: Shop, warning: BudgetWarning, now: datetime
) -> bool:
    """Tell the merchant the period's budget is nearly spent; False when they were told already."""
    context = {"spent": warning.spent, "budget": warning.budget, "period": warning.period}
    return await enqueue(db, shop, "budget_warning", warning.event, now=now, context=context)
