"""A person's changes to one advocate: add or remove points, grant a reward, block or unblock.

Each is recorded as an `Adjustment` with who made it and why. Points and rewards carry the
request's key: sent again (a double click, a retry after a lost answer), the same key gives back
the first adjustment and changes nothing; the key is unique per shop in the database. Points go
through the ledger (an `adjust` entry, append-only like every other), under the advocate's row
lock, so no adjustment takes the balance below zero. A granted reward is a pending `Reward` row
the outbox issues like any other (a discount code, store credit, a cash record to pay out).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from connector.domain.money import Money
from connector.domain.program.kinds import RewardKind
from connector.errors import ConnectorError
from connector.services.base.limits import FieldInvalid
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import ACTIVE, BLOCKED
from connector.services.rewards.loyalty import balance as points_balance
from connector.services.rewards.loyalty import points_expiry
from connector.store.models import Adjustment, Advocate, LedgerEntry, Reward, RewardStatus, Shop

POINTS, REWARD, BLOCK, UNBLOCK = "points", "reward", "block", "unblock"
LEDGER_KIND = "adjust"
MAX_REASON = 500
MAX_POINTS = 10**9
# What a person may grant by hand (points are added with a points adjustment).
GRANTABLE = (
    RewardKind.FIXED_DISCOUNT.value, RewardKind.PERCENTAGE_DISCOUNT.value,
    RewardKind.FREE_SHIPPING.value, RewardKind.STORE_CREDIT.value, RewardKind.GIFT_CARD.value,
    RewardKind.CASH.value,
)  # fmt: skip
MONEY_KINDS = (RewardKind.FIXED_DISCOUNT.value, RewardKind.STORE_CREDIT.value, RewardKind.CASH.value)


class AdjustmentRefused(FieldInvalid):
    """The adjustment cannot be made as asked: `field` names the part of the request at fault."""


class KeyReused(ConnectorError):
    """The request key was already used for a different adjustment."""


@dataclass(frozen=True)
class AdjustmentRow:
    """One adjustment as the admin shows it."""

    id: int
    advocate_id: int
    kind: str
    points: int | None
    reward_id: int | None
    reason: str
    actor: str
    created_at: datetime


@dataclass(frozen=True)
class Adjusted:
    """The adjustment, whether this call made it (False: the key's first one), the balance now."""

    adjustment: AdjustmentRow
    created: bool
    points: int


def adjustment_row(a: Adjustment) -> AdjustmentRow:
    """One adjustment as the admin shows it."""
    return AdjustmentRow(
        id=a.id, advocate_id=fk(a, "advocate") or 0, kind=a.kind, points=a.points,
        reward_id=fk(a, "reward"), reason=a.reason, actor=a.actor, created_at=a.created_at,
    )  # fmt: skip


async def recent_adjustments(shop: Shop, advocate_id: int, limit: int = 20) -> list[AdjustmentRow]:
    """The advocate's newest adjustments, newest first."""
    rows = await Adjustment.filter(shop_id=shop.id, advocate_id=advocate_id).order_by("-id")
    return [adjustment_row(a) for a in rows[:limit]]


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise AdjustmentRefused("reason", "say why (the reason is kept with the adjustment)")
    if len(text) > MAX_REASON:
        raise AdjustmentRefused("reason", f"must be at most {MAX_REASON} characters")
    return text


def _key(request_key: str) -> str:
    key = request_key.strip()
    if not 1 <= len(key) <= 100:
        raise AdjustmentRefused("request_key", "must be 1 to 100 characters, new for each change")
    return key


async def _locked(tx: BaseDBAsyncClient, shop: Shop, advocate_id: int) -> Advocate:
    advocate = (
        await Advocate.filter(id=advocate_id, shop_id=shop.id).using_db(tx).select_for_update().first()
    )
    if advocate is None:
        raise LookupError(f"no advocate {advocate_id}")
    return advocate


async def _replayed(
    tx: BaseDBAsyncClient, shop: Shop, key: str, advocate_id: int, kind: str
) -> Adjustment | None:
    """The adjustment an earlier request with this key made; KeyReused if it was another one."""
    earlier = await Adjustment.get_or_none(shop_id=shop.id, request_key=key, using_db=tx)
    if earlier is not None and (fk(earlier, "advocate"), earlier.kind) != (advocate_id, kind):
        raise KeyReused(f"request_key {key!r} was used for another adjustment")
    return earlier


Make = Callable[[BaseDBAsyncClient, Advocate, int], Awaitable[tuple[Adjustment, int]]]


async def _once(shop: Shop, advocate_id: int, key: str, kind: str, make: Make) -> Adjusted:
    """Run `make` (given the locked advocate and their balance) unless the key was used before.

    The key's earlier adjustment is answered instead; a concurrent request with the same key
    fails its insert on the unique key and reads the winner back on its second turn.
    """
    for _ in range(2):
        try:
            async with in_transaction() as tx:
                advocate = await _locked(tx, shop, advocate_id)
                earlier = await _replayed(tx, shop, key, advocate_id, kind)
                balance = await points_balance(shop.id, advocate_id, tx)
                if earlier is not None:
                    return Adjusted(adjustment_row(earlier), False, balance)
                row, balance = await make(tx, advocate, balance)
                return Adjusted(adjustment_row(row), True, balance)
        except IntegrityError:
            continue
    raise KeyReused(f"request_key {key!r} was used for another adjustment")


async def adjust_points(
    runtime: Runtime, shop: Shop, advocate_id: int, points: int, reason: str, *,
    actor: str, request_key: str,
) -> Adjusted:  # fmt: skip
    """Add (positive) or remove (negative) points with a reason; never below a zero balance."""
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise AdjustmentRefused("points", "must be a whole number other than 0")
    if abs(points) > MAX_POINTS:
        raise AdjustmentRefused("points", f"must be at most {MAX_POINTS} either way")
    why, key = _reason(reason), _key(request_key)
    now = runtime.now()
    # Points added now expire as the program's earned points do.
    expires = await points_expiry(runtime, shop, None, now) if points > 0 else None

    async def make(
        tx: BaseDBAsyncClient, advocate: Advocate, balance: int
    ) -> tuple[Adjustment, int]:
        if balance + points < 0:
            raise AdjustmentRefused(
                "points", f"would take the balance below zero: the advocate has {balance}"
            )
        await LedgerEntry.create(
            shop_id=shop.id, advocate_id=advocate.id, kind=LEDGER_KIND, points=points,
            reference=f"adjustment by {actor}"[:255], idempotency_key=f"adjust:{key}",
            expires_at=expires, created_at=now, using_db=tx,
        )  # fmt: skip
        row = await Adjustment.create(
            shop_id=shop.id, advocate_id=advocate.id, kind=POINTS, points=points, reason=why,
            actor=actor[:320], request_key=key, created_at=now, using_db=tx,
        )  # fmt: skip
        return row, balance + points

    return await _once(shop, advocate_id, key, POINTS, make)


def _amounts(kind: str, value: Decimal | None, currency: str) -> dict[str, object]:
    if kind == RewardKind.FREE_SHIPPING.value:
        return {"amount": None, "currency": None}
    if value is None or not value.is_finite() or value <= 0:
        raise AdjustmentRefused("value", "must be an amount above 0")
    if kind == RewardKind.PERCENTAGE_DISCOUNT.value:
        if value > 100:
            raise AdjustmentRefused("value", "a percentage must be at most 100")
        return {"amount": value, "currency": None}
    try:
        amount = Money(value, currency).quantized().amount
    except ValueError as exc:
        raise AdjustmentRefused("value", str(exc)) from None
    if amount != value:
        raise AdjustmentRefused("value", f"has more decimals than {currency} allows")
    return {"amount": amount, "currency": currency}


async def grant_reward(
    runtime: Runtime, shop: Shop, advocate_id: int, kind: str, value: Decimal | None,
    reason: str, *, currency: str, actor: str, request_key: str, expires_days: int | None = None,
) -> Adjusted:  # fmt: skip
    """Give the advocate a reward by hand; the outbox issues it (the adjustment names it)."""
    if kind not in GRANTABLE:
        raise AdjustmentRefused("kind", f"must be one of {', '.join(GRANTABLE)}")
    amounts = _amounts(kind, value, currency)
    why, key = _reason(reason), _key(request_key)
    now = runtime.now()

    async def make(
        tx: BaseDBAsyncClient, advocate: Advocate, balance: int
    ) -> tuple[Adjustment, int]:
        reward = await Reward.create(
            shop_id=shop.id, advocate_id=advocate.id, idempotency_key=f"manual:{key}",
            side="partner" if advocate.kind == "partner" else "advocate", kind=kind,
            **amounts, points=None, recipient_customer_id=advocate.customer_id,
            recipient_email=advocate.email, charity_cause=None,
            status=RewardStatus.PENDING.value,
            expires_at=now + timedelta(days=expires_days) if expires_days else None,
            reason="manual", next_attempt_at=now, created_at=now, updated_at=now, using_db=tx,
        )  # fmt: skip
        row = await Adjustment.create(
            shop_id=shop.id, advocate_id=advocate.id, kind=REWARD, reward_id=reward.id,
            reason=why, actor=actor[:320], request_key=key, created_at=now, using_db=tx,
        )  # fmt: skip
        return row, balance

    return await _once(shop, advocate_id, key, REWARD, make)


async def set_blocked(
    runtime: Runtime, shop: Shop, advocate_id: int, blocked: bool, reason: str, *, actor: str
) -> tuple[Advocate, AdjustmentRow | None]:
    """Block (or unblock) an advocate: a blocked advocate earns nothing new. Recorded with why.

    Blocking a blocked advocate (or unblocking an active one) changes nothing and records
    nothing: the second value is then None.
    """
    status = BLOCKED if blocked else ACTIVE
    text = reason.strip()[:MAX_REASON]
    async with in_transaction() as tx:
        advocate = await _locked(tx, shop, advocate_id)
        if advocate.status == status:
            return advocate, None
        advocate.status = status
        await advocate.save(update_fields=["status"], using_db=tx)
        row = await Adjustment.create(
            shop_id=shop.id, advocate_id=advocate_id, kind=BLOCK if blocked else UNBLOCK,
            reason=text, actor=actor[:320], created_at=runtime.now(), using_db=tx,
        )  # fmt: skip
    return advocate, adjustment_row(row)
