"""The program's rewards budget: which period an order falls in, what it has used, and the check.

Money rewards count at their planned value, in the program's currency, on every side; points and
percentage discounts have no money value to count. Past the budget a referral is held for review
(flagged), never dropped, and the finding says how much is used of how much, in which period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from connector.domain.money import Money
from connector.domain.program import Budget, BudgetPeriod, Program
from connector.domain.reasons import Finding, Reason, Verdict
from connector.domain.rewards.amounts import RewardPlan


def period_start(at: datetime, period: BudgetPeriod) -> datetime:
    """The first moment (UTC) of the budget period `at` falls in."""
    moment = at.astimezone(UTC)
    month = {
        BudgetPeriod.MONTH: moment.month,
        BudgetPeriod.QUARTER: 3 * ((moment.month - 1) // 3) + 1,
        BudgetPeriod.YEAR: 1,
    }[period]
    return datetime(moment.year, month, 1, tzinfo=UTC)


def period_name(at: datetime, period: BudgetPeriod) -> str:
    """The period in words: "2026-12", "Q4 2026" or "2026"."""
    start = period_start(at, period)
    if period is BudgetPeriod.MONTH:
        return f"{start.year}-{start.month:02d}"
    if period is BudgetPeriod.QUARTER:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def rewards_value(rewards: Iterable[RewardPlan], currency: str) -> Decimal:
    """The money value of planned rewards in `currency` (points and percentages count nothing)."""
    return sum(
        (r.money.amount for r in rewards if r.money is not None and r.money.currency == currency),
        Decimal(0),
    )


def used_share(budget: Budget, used: Decimal) -> int:
    """How much of the budget is used, in whole percent (rounded down)."""
    return int(used * 100 / budget.amount)


@dataclass(frozen=True)
class BudgetWarning:
    """The merchant's warning that a period's budget is nearly spent: once per period (`event`)."""

    event: str  # "budget-quarter-2026-10-01": the period itself, so noticing it twice is one message
    period: str
    spent: str
    budget: str


def budget_warning(program: Program, used: Decimal, at: datetime) -> BudgetWarning | None:
    """The warning due when the budget's period of `at` has `used` at least `warn_percent` of it."""
    budget = program.budget
    if budget is None or used_share(budget, used) < budget.warn_percent:
        return None
    start = period_start(at, budget.period)
    return BudgetWarning(
        f"budget-{budget.period.value}-{start.date().isoformat()}", period_name(at, budget.period),
        str(Money.of(used, program.currency)), str(Money.of(budget.amount, program.currency)),
    )  # fmt: skip


def check_budget(
    program: Program, used: Decimal, rewards: Iterable[RewardPlan], at: datetime
) -> Finding | None:
    """The budget check of a referral whose rewards are `rewards`; None without a budget."""
    budget = program.budget
    if budget is None:
        return None
    mine = rewards_value(rewards, program.currency)
    after = used + mine
    money = program.currency
    detail = {
        "period": period_name(at, budget.period), "used": str(used), "amount": str(budget.amount),
        "rewards": str(mine),
    }  # fmt: skip
    where = f"the {detail['period']} budget of {budget.amount} {money}"
    if mine > 0 and after > budget.amount:
        return Finding(
            Reason.BUDGET, Verdict.FLAG,
            f"This referral's rewards ({mine} {money}) would take {where} past its limit"
            f" ({used} {money} used). The referral waits for a person to review it.",
            detail,
        )  # fmt: skip
    return Finding(
        Reason.BUDGET, Verdict.PASS,
        f"{after} {money} of {where} used with this referral's rewards ({mine} {money}).", detail,
    )  # fmt: skip
