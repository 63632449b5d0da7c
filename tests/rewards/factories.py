"""Rows the reward tests start from: an installed Shopify shop, a program, advocates, rewards."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from connector.domain.program import Program, program_to_dict
from connector.services.base import tally
from connector.services.referrals.tally import count_change
from connector.store.db import conn
from connector.store.models import Advocate, ProgramVersion, Referral, Reward, Shop

ANA_CUSTOMER = "7001"


def iso(moment: datetime) -> str:
    """A time as Shopify's DateTime text (and the payouts CSV): UTC with a Z."""
    return moment.isoformat().replace("+00:00", "Z")


async def save_program(shop: Shop, program: Program, now: datetime) -> ProgramVersion:
    """Save `program` as the shop's live version."""
    return await ProgramVersion.create(
        shop=shop, version=program.version, config=program_to_dict(program), created_at=now
    )


async def advocate(
    shop: Shop,
    now: datetime,
    *,
    name: str = "Ana",
    customer_id: str | None = ANA_CUSTOMER,
    email: str | None = "ana@example.org",
    charity_cause: str | None = None,
) -> Advocate:
    """An advocate with a friend code derived from the name (counted, as enrolling does)."""
    made = await Advocate.create(
        shop=shop,
        name=name,
        email=email,
        email_normalized=email,
        customer_id=customer_id,
        friend_code=f"{name.upper()}-7KQ4",
        share_token=f"share-{name.lower()}-{customer_id}",
        charity_cause=charity_cause,
        created_at=now,
    )
    await tally.add(conn(), shop.id, tally.ADVOCATES, made.id, 1)
    return made


async def referral(
    shop: Shop, who: Advocate, now: datetime, *, order_id: str = "5001", state: str = "approved"
) -> Referral:
    """A referral of `who` for one order, approved unless said otherwise (tallied, as the
    service's records are)."""
    made = await Referral.create(
        shop=shop,
        advocate=who,
        qualifying_key=f"order:{order_id}",
        order_id=order_id,
        state=state,
        program_version=1,
        currency="EUR",
        order_subtotal=Decimal("80.00"),
        order_total=Decimal("80.00"),
        created_at=now,
        updated_at=now,
    )
    await count_change(conn(), shop.id, who.id, None, state)
    return made


async def reward(
    shop: Shop,
    now: datetime,
    *,
    kind: str,
    key: str = "rw_test_0001",
    who: Advocate | None = None,
    of: Referral | None = None,
    amount: str | None = None,
    currency: str | None = "EUR",
    points: int | None = None,
    status: str = "pending",
    expires_at: datetime | None = None,
    **extra: Any,
) -> Reward:
    """A reward row as the referral service writes it when a hold ends."""
    return await Reward.create(
        shop=shop,
        advocate=who,
        referral=of,
        idempotency_key=key,
        side="advocate",
        kind=kind,
        amount=Decimal(amount) if amount is not None else None,
        currency=currency,
        points=points,
        status=status,
        expires_at=expires_at,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
        **extra,
    )
