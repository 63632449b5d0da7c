"""One-legged OAuth 1.0a, as WooCommerce checks it on REST requests over plain HTTP.

WooCommerce ignores HTTP Basic credentials unless it sees the request as HTTPS, so over http://
every request carries `oauth_*` query parameters signed like this (RFC 5849 with no token):

1. parameters = the query parameters plus oauth_consumer_key, oauth_nonce,
   oauth_signature_method, oauth_timestamp (a JSON body is not signed);
2. each key and value is percent-encoded (RFC 3986: only A-Z a-z 0-9 - . _ ~ stay as they are),
   the pairs are sorted by key and joined as `k=v` with `&`;
3. base string = METHOD & enc(base URL) & enc(that parameter string), where the base URL is the
   store's *own home URL* plus the path, without the query;
4. signature = base64(HMAC-SHA256(key = consumer secret + "&", base string)).

The nonce must never repeat for a key within 15 minutes (the store remembers them), so the
caller makes a fresh one for every attempt, retries included.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from urllib.parse import quote

SIGNATURE_METHOD = "HMAC-SHA256"


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding of UTF-8 text: everything but unreserved characters."""
    return quote(value, safe="")


def encode_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """`k=v&k=v` with keys and values percent-encoded, in the given order."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)


def base_string(method: str, base_url: str, params: Mapping[str, str]) -> str:
    """The signature base string; `params` must not contain `oauth_signature`."""
    # The store sorts raw keys with strcmp; Python's str order is the same as UTF-8 byte order.
    ordered = sorted(params.items())
    return "&".join(
        (method.upper(), percent_encode(base_url), percent_encode(encode_pairs(ordered)))
    )


def signature(base: str, consumer_secret: str) -> str:
    """base64 of the HMAC-SHA256 of the base string, keyed with the secret and an `&`."""
    key = f"{consumer_secret}&".encode()
    return base64.b64encode(hmac.new(key, base.encode(), hashlib.sha256).digest()).decode()


def new_nonce() -> str:
    """A fresh random nonce (32 hex characters)."""
    return secrets.token_hex(16)


def signed_params(
    method: str,
    base_url: str,
    query: Mapping[str, str],
    *,
    consumer_key: str,
    consumer_secret: str,
    nonce: str,
    timestamp: int,
) -> list[tuple[str, str]]:
    """The query parameters plus the `oauth_*` ones, signature last, ready to send."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce,
        "oauth_signature_method": SIGNATURE_METHOD,
        "oauth_timestamp": str(timestamp),
    }
    clash = set(query) & set(oauth)
    if clash:
        raise ValueError(f"query parameters may not be named {sorted(clash)}")
    params = {**query, **oauth}
    sig = signature(base_string(method, base_url, params), consumer_secret)
    return [*params.items(), ("oauth_signature", sig)]
