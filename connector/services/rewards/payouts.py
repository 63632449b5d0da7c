"""Cash rewards and charity donations: records a person pays out, listed and exported as CSV.

The outbox marks these rewards `recorded` (nothing to create in a store). A person pays them
(a transfer to the advocate or partner, a donation to the cause) and marks each one `paid`,
saying who they are and, optionally, the payment's reference: the reward's `paid_at`, `paid_by`
and `payout_reference`. A paid record is final, except that a later refund turns it into a
clawback (paid money cannot be taken back by the connector: it is owed), its payment kept.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from tortoise.transactions import in_transaction

from connector.domain.money import Money
from connector.domain.program.kinds import RewardKind
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.store.models import Advocate, Reward, RewardStatus, Shop

PAYOUT_KINDS = (RewardKind.CASH.value, RewardKind.CHARITY_DONATION.value)
LISTED = (RewardStatus.RECORDED.value, RewardStatus.PAID.value, RewardStatus.CLAWBACK.value)
# The reference shown for a payment made without one (listings and the CSV always said so).
NO_REFERENCE = "paid"
COLUMNS = (
    "reward_id", "recorded_at", "kind", "amount", "currency", "cause", "advocate_id",
    "advocate_name", "advocate_email", "referral_id", "status", "paid_at", "paid_by", "reference",
)  # fmt: skip


class NotPayable(LookupError):
    """The record exists but is not one a person pays now (pending, failed, taken back)."""


@dataclass(frozen=True)
class Payout:
    """One cash or donation record and whether it was paid."""

    reward_id: int
    recorded_at: datetime | None
    kind: str
    amount: Decimal
    currency: str
    cause: str | None
    advocate_id: int | None
    advocate_name: str
    advocate_email: str | None
    referral_id: int | None
    status: str
    paid_at: datetime | None
    paid_by: str | None
    reference: str | None


def _payout(reward: Reward, advocate: Advocate | None) -> Payout:
    currency = reward.currency or "XXX"
    return Payout(
        reward_id=reward.id,
        recorded_at=reward.issued_at,
        kind=reward.kind,
        amount=Money(reward.amount or Decimal(0), currency).quantized().amount,
        currency=currency,
        cause=reward.charity_cause,
        advocate_id=advocate.id if advocate else None,
        advocate_name=(advocate.partner_name or advocate.name) if advocate else "",
        advocate_email=advocate.email if advocate else None,
        referral_id=fk(reward, "referral"),
        status=reward.status,
        paid_at=reward.paid_at,
        paid_by=reward.paid_by,
        reference=reward.payout_reference or (NO_REFERENCE if reward.paid_at else None),
    )


async def list_payouts(
    shop: Shop,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    status: str | None = None,
) -> list[Payout]:
    """The shop's cash and donation records recorded in [since, until), oldest first."""
    query = Reward.filter(shop_id=shop.id, kind__in=PAYOUT_KINDS, status__in=LISTED)
    if since is not None:
        query = query.filter(issued_at__gte=since)
    if until is not None:
        query = query.filter(issued_at__lt=until)
    if status is not None:
        query = query.filter(status=status)
    rewards = await query.order_by("issued_at", "id")
    ids = {fk(r, "advocate") for r in rewards if fk(r, "advocate") is not None}
    advocates = {a.id: a for a in await Advocate.filter(id__in=ids)}
    return [_payout(r, advocates.get(fk(r, "advocate"))) for r in rewards]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def payouts_csv(payouts: list[Payout]) -> str:
    """The records as CSV, one row each, amounts exact in their currency's minor unit."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in payouts:
        writer.writerow([_cell(getattr(p, column)) for column in COLUMNS])
    return out.getvalue()


async def mark_paid(
    runtime: Runtime, shop: Shop, reward_id: int, *, by: str, reference: str | None = None
) -> Payout:
    """Record that a person paid this cash or donation record; marking it twice changes nothing."""
    if not by.strip():
        raise ValueError("say who paid it")
    async with in_transaction() as tx:
        reward = await (
            Reward.filter(id=reward_id, shop_id=shop.id, kind__in=PAYOUT_KINDS)
            .using_db(tx)
            .select_for_update()
            .first()
        )
        if reward is None:
            raise LookupError(f"no cash or donation record {reward_id} in {shop.domain}")
        if reward.status == RewardStatus.RECORDED:
            reward.status = RewardStatus.PAID.value
            reward.paid_at = reward.updated_at = runtime.now()
            reward.paid_by = by.strip()[:320]
            reward.payout_reference = (reference or "").strip()[:255] or None
            # rewards.actions.take_back reads a platform_ref on a cash record as "paid out".
            reward.platform_ref = reward.payout_reference or NO_REFERENCE
            columns = ["status", "paid_at", "paid_by", "payout_reference", "platform_ref"]
            await reward.save(using_db=tx, update_fields=[*columns, "updated_at"])
        elif reward.status != RewardStatus.PAID:
            raise NotPayable(f"record {reward_id} is {reward.status}; only recorded ones are paid")
    advocate = await Advocate.get_or_none(id=fk(reward, "advocate"))
    return _payout(reward, advocate)
