"""Strict validation of Shopify shop domains (Shopify's WEAK_SHOP_VALIDATION security check)."""

from __future__ import annotations

import re

_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


class InvalidShop(ValueError):
    """Not a valid *.myshopify.com domain."""


def normalize_shop(value: str) -> str:
    """Return the lower-cased `{handle}.myshopify.com`, or raise InvalidShop.

    Accepts a bare domain, optionally with a scheme or trailing slash (as Shopify sometimes
    sends), and nothing else: no paths, ports, credentials or other hosts.
    """
    shop = value.strip().lower()
    for prefix in ("https://", "http://"):
        shop = shop.removeprefix(prefix)
    shop = shop.rstrip("/")
    if len(shop) > 255 or not _SHOP.fullmatch(shop):
        raise InvalidShop(f"not a valid shop domain: {value[:80]!r}")
    return shop
