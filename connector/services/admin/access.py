"""Admin tokens: how the WordPress plugin's Referrals page proves which store and user it acts for.

The plugin signs, for a WordPress user who may manage WooCommerce, a short-lived token with the
key it already signs storefront tokens with (the secret of its webhook to the connector):

    token   = "wca1." + payload + "." + hex(HMAC-SHA256(key, "wca1." + payload))
    payload = base64url-without-padding(JSON {"shop": domain, "user": WP user id, "exp": epoch})

The version is inside what is signed, so a storefront token (`v1.`, public in every page) never
passes for an admin token. A token lives at most `MAX_LIFETIME_SECONDS`; the plugin makes them
for 15 minutes. `platform` may name the sandbox (the demo store); it defaults to WooCommerce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from connector.services.base.runtime import Runtime
from connector.services.storefront.tokens import (
    BadToken,
    check_expiry,
    sign_claims,
    token_keys,
    unverified_claims,
    verified_claims,
)
from connector.store.models import Shop, ShopStatus

VERSION = "wca1"
MAX_LIFETIME_SECONDS = 3600
PLATFORMS = ("woocommerce", "sandbox")


class AdminTokenRejected(Exception):
    """The admin token is malformed, forged, expired, or names no connected store."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class AdminAccess:
    """A verified admin token: the shop it acts for and the user who holds it."""

    shop: Shop
    user: str


def sign_admin_token(
    key: str, shop: str, user: str, expires: int, platform: str = "woocommerce"
) -> str:
    """An admin token as the plugin makes it (the plugin's PHP does the same for WooCommerce)."""
    claims: dict[str, object] = {"shop": shop, "user": user, "exp": expires}
    if platform != "woocommerce":
        claims["platform"] = platform
    return sign_claims(key, VERSION, claims)


def is_admin_token(token: str) -> bool:
    """True when `token` claims to be an admin token (it may still be refused)."""
    return token.startswith(VERSION + ".")


async def verify_admin_token(runtime: Runtime, token: str, now: datetime) -> AdminAccess:
    """The shop and user a valid admin token names; else AdminTokenRejected (answered 401)."""
    claims = unverified_claims(token) if is_admin_token(token) else None
    if claims is None or not isinstance(claims.get("shop"), str):
        raise AdminTokenRejected("malformed", "not an admin token")
    platform = claims.get("platform", "woocommerce")
    if platform not in PLATFORMS:
        raise AdminTokenRejected("platform", f"admin tokens are not signed for {platform!r}")
    shop = await Shop.get_or_none(platform=platform, domain=claims["shop"])
    if shop is None or shop.status == ShopStatus.UNINSTALLED:
        raise AdminTokenRejected("unknown_shop", f"{claims['shop']} is not a connected store")
    keys = token_keys(runtime, shop)
    try:
        verified = verified_claims(token, keys, VERSION) if keys else None
        if verified is None:
            raise BadToken("the store has no key to check the token with: connect it again")
        check_expiry(verified.get("exp"), now, MAX_LIFETIME_SECONDS)
    except BadToken as exc:
        reason = "expired" if "expired" in str(exc) else "signature"
        raise AdminTokenRejected(reason, str(exc)) from None
    user = str(verified.get("user") or "")
    if not user:
        raise AdminTokenRejected("malformed", "the token names no user")
    return AdminAccess(shop, user)
