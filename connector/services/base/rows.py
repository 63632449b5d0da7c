"""Small typed accessors over Tortoise rows that the models do not declare."""

from __future__ import annotations

from typing import Any

from tortoise.models import Model


def fk(row: Model, relation: str) -> Any:
    """The id behind a foreign key: Tortoise sets `{relation}_id`, which the models do not declare."""
    return getattr(row, f"{relation}_id")
