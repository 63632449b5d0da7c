"""Shopify App Proxy: verify the signed query Shopify adds when it forwards a storefront request.

Shopify forwards `https://{shop}/apps/{subpath}/...` to our proxy URL and adds `shop`,
`logged_in_customer_id` (empty for guests), `path_prefix`, `timestamp` and `signature`. The
signature is the hex HMAC-SHA256, keyed with the app secret, of every other parameter written as
`key=value` (the values of a repeated key joined with ","), sorted by key and concatenated with
no separator. Only a verified query may name the customer: it is the proxy's sole identity proof.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from platforms.base import PlatformError
from platforms.shopify.shops import InvalidShop, normalize_shop

TOLERANCE_SECONDS = 90
# Shopify sends each of these once; a second copy can only come from someone editing the URL.
SINGLE_PARAMS = ("shop", "signature", "timestamp", "hmac", "logged_in_customer_id", "path_prefix")


class ProxyRejection(enum.StrEnum):
    """Why a proxied request was refused (answers, logs and tests share it)."""

    DUPLICATE_PARAM = "duplicate_param"
    MISSING_SIGNATURE = "missing_signature"
    BAD_SIGNATURE = "bad_signature"
    BAD_TIMESTAMP = "bad_timestamp"
    STALE_TIMESTAMP = "stale_timestamp"
    BAD_SHOP = "bad_shop"


class ProxyRejected(PlatformError):
    """A proxied request failed verification; answer 401 with `reason`."""

    status = 401

    def __init__(self, reason: ProxyRejection, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ProxyRequest:
    """A verified App Proxy request: the shop, the signed-in customer (if any), the query."""

    shop: str
    customer_id: str | None
    path_prefix: str
    params: Mapping[str, str]


def proxy_message(pairs: Iterable[tuple[str, str]]) -> str:
    """The text Shopify signs: `key=value` per key (repeats joined by ","), sorted, unseparated."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if key != "signature":
            grouped.setdefault(key, []).append(value)
    return "".join(f"{key}={','.join(values)}" for key, values in sorted(grouped.items()))


def proxy_signature(pairs: Iterable[tuple[str, str]], secret: str) -> str:
    """Hex HMAC-SHA256 of `proxy_message(pairs)` with `secret`."""
    message = proxy_message(pairs).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_app_proxy(
    pairs: Sequence[tuple[str, str]], secrets: Sequence[str], *, now: datetime
) -> ProxyRequest:
    """Check a proxied query (decoded, in arrival order) against each secret; raise ProxyRejected."""
    counts: dict[str, int] = {}
    for key, _ in pairs:
        counts[key] = counts.get(key, 0) + 1
    repeated = sorted(k for k in SINGLE_PARAMS if counts.get(k, 0) > 1)
    if repeated:
        raise ProxyRejected(
            ProxyRejection.DUPLICATE_PARAM, "repeated parameters: " + ", ".join(repeated)
        )
    params = dict(pairs)
    signature = params.get("signature", "").lower().encode()
    if not signature:
        raise ProxyRejected(ProxyRejection.MISSING_SIGNATURE, "the request has no signature")
    if not any(
        hmac.compare_digest(proxy_signature(pairs, secret).encode(), signature)
        for secret in secrets
    ):
        raise ProxyRejected(ProxyRejection.BAD_SIGNATURE, "the signature does not match the query")
    raw = params.get("timestamp", "")
    if not (raw.isascii() and raw.isdigit()):
        raise ProxyRejected(ProxyRejection.BAD_TIMESTAMP, "the timestamp is not an integer")
    skew = abs(now.timestamp() - int(raw))
    if skew > TOLERANCE_SECONDS:
        raise ProxyRejected(
            ProxyRejection.STALE_TIMESTAMP,
            f"the timestamp is {skew:.0f}s from now (at most {TOLERANCE_SECONDS}s)",
        )
    try:
        shop = normalize_shop(params.get("shop", ""))
    except InvalidShop as exc:
        raise ProxyRejected(ProxyRejection.BAD_SHOP, "the shop parameter is not a shop") from exc
    return ProxyRequest(
        shop=shop,
        customer_id=params.get("logged_in_customer_id") or None,
        path_prefix=params.get("path_prefix", ""),
        params={k: v for k, v in params.items() if k not in SINGLE_PARAMS},
    )
