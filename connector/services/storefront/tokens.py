"""Signed storefront tokens: how a WooCommerce (or sandbox) page tells us who the shopper is.

The loader plugin renders a token into the page, next to the loader script:

    token   = "v1." + payload + "." + hex(HMAC-SHA256(key, "v1." + payload))
    payload = base64url-without-padding(JSON {"shop": domain, "customer": id or null, "exp": epoch})

`customer` is the signed-in WordPress customer's id (null for guests); `exp` at most a day
ahead. In PHP: `$p = rtrim(strtr(base64_encode(wp_json_encode($claims)), '+/', '-_'), '=');
$t = 'v1.' . $p . '.' . hash_hmac('sha256', 'v1.' . $p, $key);`. The key is the shop's
`storefront_key` credential (else its webhook secret); the sandbox derives one per shop.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.crypto import derived_key
from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import credentials_of
from connector.services.storefront.api import find_shop, shop_origins
from connector.settings import Settings
from connector.store.models import Shop

VERSION = "v1"
MAX_LIFETIME_SECONDS = 2 * 86_400  # a page cache may keep a guest's token a while; not longer


class BadToken(ValueError):
    """The token is malformed, signed with another key, for another shop, or expired."""


@dataclass(frozen=True)
class TokenClaims:
    """What a verified token says."""

    shop: str
    customer_id: str | None
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_claims(key: str, version: str, claims: Mapping[str, object]) -> str:
    """`version.payload.hex(HMAC-SHA256(key, "version.payload"))` for the JSON `claims`."""
    signed = f"{version}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}"
    return f"{signed}.{hmac.new(key.encode(), signed.encode(), hashlib.sha256).hexdigest()}"


def verified_claims(token: str, keys: Sequence[str], version: str) -> dict[str, Any]:
    """The claims of a `version` token signed with any of `keys`; else BadToken.

    The version is inside what is signed, so a token of one kind never passes for another.
    """
    found, _, rest = token.partition(".")
    payload, _, signature = rest.partition(".")
    if found != version or not payload or not signature:
        raise BadToken("malformed")
    signed = f"{found}.{payload}".encode()
    given = signature.lower().encode()
    expected = (hmac.new(k.encode(), signed, hashlib.sha256).hexdigest().encode() for k in keys)
    if not any(hmac.compare_digest(e, given) for e in expected):
        raise BadToken("the token's signature does not match")
    claims = unverified_claims(token)
    if claims is None:
        raise BadToken("the token's claims cannot be read")
    return claims


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The payload of a token as JSON, before any check (to find the key); None if unreadable."""
    payload = token.partition(".")[2].partition(".")[0]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def check_expiry(expires: object, now: datetime, max_lifetime: int) -> int:
    """`expires` (epoch seconds) if it is in the future and at most `max_lifetime` away."""
    try:
        if isinstance(expires, bool) or not isinstance(expires, int | float | str):
            raise TypeError(type(expires).__name__)
        moment, until = now.timestamp(), int(expires)
    except (TypeError, ValueError):
        raise BadToken("the token's claims cannot be read") from None
    if not moment <= until <= moment + max_lifetime:
        raise BadToken("the token has expired or lives too long")
    return until


def sign_token(key: str, shop: str, customer_id: str | None, expires: int) -> str:
    """A token for `shop` and `customer_id`, valid until `expires` (epoch seconds)."""
    return sign_claims(key, VERSION, {"shop": shop, "customer": customer_id, "exp": expires})


def read_token(token: str, keys: Sequence[str], shop: str, now: datetime) -> TokenClaims:
    """Verify the signature with any of `keys`, then the shop and the expiry; raise BadToken."""
    claims = verified_claims(token, keys, VERSION)
    if "shop" not in claims or "exp" not in claims:
        raise BadToken("the token's claims cannot be read")
    if str(claims["shop"]) != shop:
        raise BadToken("the token is for another shop")
    expires = check_expiry(claims["exp"], now, MAX_LIFETIME_SECONDS)
    customer = claims.get("customer")
    return TokenClaims(shop, str(customer) if customer not in (None, "", 0) else None, expires)


def sandbox_key(settings: Settings, shop: str) -> str:
    """The sandbox's per-shop token key, derived from the encryption key (nothing to configure)."""
    return derived_key(settings.encryption_keys, f"connector/storefront-token/{shop}").hex()


def token_keys(runtime: Runtime, shop: Shop) -> list[str]:
    """The keys a shop's tokens may be signed with, newest first."""
    if shop.platform == "sandbox":
        return [sandbox_key(runtime.settings, shop.domain)]
    extra = credentials_of(runtime, shop).extra
    names = ("storefront_key", "webhook_secret", "previous_webhook_secret")
    return [extra[name] for name in names if extra.get(name)]


@dataclass(frozen=True)
class TokenShop:
    """A shop that signs storefront tokens: the origins its pages run on, and its keys."""

    platform: str
    domain: str
    origins: frozenset[str]
    keys: tuple[str, ...]


async def token_shop(runtime: Runtime, platform: str, domain: str) -> TokenShop:
    """The active shop's origins and token keys; storefront.ShopUnknown if not installed."""
    shop = await find_shop(platform, domain)
    return TokenShop(platform, domain, shop_origins(shop), tuple(token_keys(runtime, shop)))
