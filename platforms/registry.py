"""Platform name -> adapter import string. Adding a platform is one line here."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from connector.settings import Settings
    from platforms.base import PlatformAdapter

ADAPTERS: dict[str, str] = {
    "shopify": "platforms.shopify.adapter:ShopifyAdapter",
    "sandbox": "platforms.sandbox.adapter:SandboxAdapter",
    "woocommerce": "platforms.woocommerce.adapter:WooCommerceAdapter",
}


class UnknownPlatform(LookupError):
    """No adapter is registered under that name."""


def adapter_class(name: str) -> Any:
    """Import and return the adapter class registered under `name`."""
    try:
        target = ADAPTERS[name]
    except KeyError as exc:
        known = ", ".join(sorted(ADAPTERS))
        raise UnknownPlatform(f"unknown platform {name!r}; known: {known}") from exc
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def build_adapter(name: str, settings: Settings, http: httpx.AsyncClient) -> PlatformAdapter:
    """Construct the adapter registered under `name` for this process."""
    adapter: PlatformAdapter = adapter_class(name).from_settings(settings, http)
    return adapter
