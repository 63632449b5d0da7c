"""PLACEHOLDER being written by a helper: app/uninstalled and app/scopes_update handlers."""
from __future__ import annotations

from typing import Any


class AppUninstalledHandler:
    async def prepare(self, ctx: Any) -> Any: ...
    async def apply(self, ctx: Any, prepared: Any, tx: Any) -> None: ...


class AppScopesUpdateHandler(AppUninstalledHandler):
    pass
