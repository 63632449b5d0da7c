"""The budget's warning: due from `warn_percent` of the period's budget on, named by its period."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connector.domain.program import Budget, BudgetPeriod
from connector.domain.program.presets import FIXED
from connector.domain.rules.budget import BudgetWarning, budget_warning

AT = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "used", "expected"),
    [
        (BudgetPeriod.QUARTER, "79.99", None),
        (BudgetPeriod.QUARTER, "80", BudgetWarning(
            "budget-quarter-2026-10-01", "Q4 2026", "80.00 EUR", "100.00 EUR")),
        (BudgetPeriod.MONTH, "130.5", BudgetWarning(
            "budget-month-2026-11-01", "2026-11", "130.50 EUR", "100.00 EUR")),
        (BudgetPeriod.YEAR, "95", BudgetWarning(
            "budget-year-2026-01-01", "2026", "95.00 EUR", "100.00 EUR")),
    ],
)  # fmt: skip
def test_the_warning_is_due_from_the_warn_percent_on_and_names_its_period(
    period: BudgetPeriod, used: str, expected: BudgetWarning | None
) -> None:
    program = replace(FIXED, currency="EUR", budget=Budget(Decimal(100), period, warn_percent=80))
    assert budget_warning(program, Decimal(used), AT) == expected


def test_a_program_without_a_budget_never_warns() -> None:
    assert budget_warning(replace(FIXED, budget=None), Decimal(10**6), AT) is None
