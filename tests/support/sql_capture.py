"""Capture the SQL Tortoise sends: every statement with its parameters, in order."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Captured(logging.Handler):
    """Keeps every (SQL, parameters) pair Tortoise logs, in the order sent."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: list[tuple[str, list[Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str):
            values = list(args[1] or [])
            if values and isinstance(values[0], list | tuple):
                values = list(values[0])  # executemany (bulk_create): the first row's values
            self.sent.append((args[0], values))

    @property
    def statements(self) -> list[str]:
        """The statements sent, in order."""
        return [query for query, _ in self.sent]

    @property
    def queries(self) -> dict[str, list[Any]]:
        """Each distinct statement with the parameters of its first sending."""
        first: dict[str, list[Any]] = {}
        for query, values in self.sent:
            first.setdefault(query, values)
        return first


@contextmanager
def capture() -> Iterator[Captured]:
    """Capture what Tortoise sends inside the block."""
    logger = logging.getLogger("tortoise.db_client")
    handler, level = Captured(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
