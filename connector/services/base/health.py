"""Readiness checks."""

from __future__ import annotations

import logging

from connector.store.db import ping

log = logging.getLogger("connector.health")


async def database_ready() -> tuple[bool, str]:
    """(True, "ok") when the database answers; otherwise False and the error class."""
    try:
        await ping()
    except Exception as exc:
        log.warning("readiness: database unreachable: %s", type(exc).__name__)
        return False, f"unreachable ({type(exc).__name__})"
    return True, "ok"
