"""The admin's first page: what needs a person now, and the program's counts to date."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from connector.domain.program import Program
from connector.domain.referral import ReferralState
from connector.domain.rules.budget import period_name, used_share
from connector.services.base import tally
from connector.services.base.runtime import Runtime
from connector.services.referrals.inputs import budget_used
from connector.services.referrals.programs import live_program
from connector.services.referrals.tally import state_counts
from connector.services.rewards.payouts import PAYOUT_KINDS
from connector.store.models import (
    Delivery,
    DeliveryStatus,
    Referral,
    Reward,
    RewardStatus,
    Shop,
)


@dataclass(frozen=True)
class StoreState:
    """Whether the store connection works: `needs_reauth` means open the app (or connect) again."""

    status: str
    reason: str | None


@dataclass(frozen=True)
class BudgetState:
    """The program's rewards budget this period: used of amount, and whether to warn."""

    period: str
    amount: Decimal
    currency: str
    used: Decimal
    percent: int
    level: str  # ok | warning (past the program's warn_percent) | reached (nothing left)


@dataclass(frozen=True)
class Attention:
    """What waits for a person: each is a count, zero when nothing does."""

    review: int
    dead_deliveries: int
    failed_rewards: int
    payouts_to_pay: int
    store: StoreState
    budget: BudgetState | None = None


async def budget_state(runtime: Runtime, shop: Shop, program: Program) -> BudgetState | None:
    """The live program's budget as used so far this period; None without a budget."""
    budget = program.budget
    if budget is None:
        return None
    now = runtime.now()
    used = await budget_used(shop.id, program, now)
    percent = used_share(budget, used)
    level = "reached" if used >= budget.amount else (
        "warning" if percent >= budget.warn_percent else "ok"
    )  # fmt: skip
    return BudgetState(
        period_name(now, budget.period), budget.amount, program.currency, used, percent, level
    )


@dataclass(frozen=True)
class Counts:
    """The program's figures to date."""

    advocates: int
    clicks: int
    referrals: dict[str, int]


@dataclass(frozen=True)
class ProgramSummary:
    """The live program in a line: its version, name, and whether it is still the defaults."""

    version: int
    name: str
    default: bool


@dataclass(frozen=True)
class Overview:
    """What needs attention, the counts to date, and the live program."""

    attention: Attention
    counts: Counts
    program: ProgramSummary


async def overview(runtime: Runtime, shop: Shop) -> Overview:
    """The shop's overview: the counts to date from the shop's tally, what waits by index."""
    counted = await tally.counts(shop.id)
    dead = Delivery.filter(
        status=DeliveryStatus.DEAD, platform=shop.platform, shop_domain=shop.domain
    )
    to_pay = Reward.filter(shop_id=shop.id, kind__in=PAYOUT_KINDS, status=RewardStatus.RECORDED)
    live = await live_program(runtime, shop)
    return Overview(
        attention=Attention(
            # Counted, not tallied: the queue is small and must match the review page exactly.
            review=await Referral.filter(shop_id=shop.id, state=ReferralState.FLAGGED).count(),
            dead_deliveries=await dead.count(),
            failed_rewards=await Reward.filter(shop_id=shop.id, status=RewardStatus.FAILED).count(),
            payouts_to_pay=await to_pay.count(),
            store=StoreState(str(shop.status), shop.status_reason),
            budget=await budget_state(runtime, shop, live.program),
        ),
        counts=Counts(
            advocates=counted.get(tally.ADVOCATES, 0),
            clicks=counted.get(tally.CLICKS, 0),
            referrals=state_counts(counted),
        ),
        program=ProgramSummary(live.program.version, live.program.name, not live.saved),
    )
