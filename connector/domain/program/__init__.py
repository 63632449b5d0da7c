"""A shop's program: its fields (`model`), how they must agree (`checks`), ready-made examples.

This package is the program's public face: import `Program`, its parts and the JSON readers and
writers from here. `model` declares the frozen fields and knows nothing of the checks; `checks`
reads a `Program` and lists every problem as `(path, message)`; the readers below join the two,
so a program that parses is one whose fields agree. `presets` and `kinds` sit beside them, and
`changes` lists what changed between two saved versions. Pure:
like all of `connector.domain`, nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from connector.domain.codec import ProgramError, decode, encode
from connector.domain.program.checks import check_program
from connector.domain.program.kinds import (
    CODE_KINDS,
    DISCOUNT_KINDS,
    Basis,
    BudgetPeriod,
    CheckAction,
    FriendCodeMode,
    RewardedSides,
    RewardKind,
)
from connector.domain.program.model import (
    Budget,
    Campaign,
    Caps,
    CatalogueItem,
    Cause,
    Charity,
    CombinesWith,
    Contest,
    FraudRules,
    Loyalty,
    Milestone,
    Partner,
    Program,
    RewardChoice,
    RewardMenu,
    RewardRule,
    StampCard,
    Terms,
    Tier,
    VipTier,
)


def parse_program(data: Mapping[str, Any]) -> Program:
    """Read a program from its JSON form; raise `ProgramError` listing every bad field."""
    errors: list[tuple[str, str]] = []
    program = decode(Program, data, "", errors)
    if not errors:
        errors.extend(check_program(program))
    if errors:
        raise ProgramError(errors)
    return program


def program_to_dict(program: Program) -> dict[str, Any]:
    """The JSON-safe form of a program (Decimals and times as strings); `parse_program` reads it."""
    result: dict[str, Any] = encode(program)
    return result


def with_terms_version(program: Program, previous: Program | None) -> Program:
    """`program` as saved after `previous`: its terms keep their version when their words did not
    change, and take the program's own version when they did (none: 0)."""
    terms = program.terms
    if not terms.published:
        version = 0
    elif previous is not None and (previous.terms.es, previous.terms.en) == (terms.es, terms.en):
        version = previous.terms.version
    else:
        version = program.version
    return replace(program, terms=replace(terms, version=version))


def validate_program(program: Program) -> Program:
    """Return `program` unchanged if its fields agree with each other; raise `ProgramError` if not."""
    errors = check_program(program)
    if errors:
        raise ProgramError(errors)
    return program


__all__ = [
    "CODE_KINDS",
    "DISCOUNT_KINDS",
    "Basis",
    "Budget",
    "BudgetPeriod",
    "Campaign",
    "Caps",
    "CatalogueItem",
    "Cause",
    "Charity",
    "CheckAction",
    "CombinesWith",
    "Contest",
    "FraudRules",
    "FriendCodeMode",
    "Loyalty",
    "Milestone",
    "Partner",
    "Program",
    "ProgramError",
    "RewardChoice",
    "RewardKind",
    "RewardMenu",
    "RewardRule",
    "RewardedSides",
    "StampCard",
    "Terms",
    "Tier",
    "VipTier",
    "check_program",
    "parse_program",
    "program_to_dict",
    "validate_program",
    "with_terms_version",
]
