"""What an advocate is told about their rewards, written in the transaction that changes them.

`reward_earned` is called by the reward outbox in the transaction that records a reward as in
the store (issued or recorded); `reward_reversed` by a refund's change, for a reward the advocate
was already told of. Both write through the message outbox, keyed by the reward, so a replayed
delivery or a retried job writes nothing more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.domain.messages import reward_words
from connector.services.base.messages import enqueue_to_advocate, pick_locale
from connector.services.base.rows import fk
from connector.store.models import Advocate, Reward, Shop

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
            points=reward.points, cause=reward.charity_cause,
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
