"""PLACEHOLDER being written by a helper: token refresh."""
from __future__ import annotations

from typing import Any


async def refresh_expiring_tokens(runtime: Any) -> None:
    return None
