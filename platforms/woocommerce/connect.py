"""Connecting a store: its URL, the `/wc-auth/v1/authorize` redirect and the key callback.

The merchant approves our app on their store; WooCommerce then POSTs the new REST key to our
callback as JSON, `{"key_id", "user_id", "consumer_key", "consumer_secret", "key_permissions"}`,
with no signature: `user_id` is whatever we sent, so we send a signed one-time state in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from connector import jsonsafe
from platforms.base import PlatformRejected
from platforms.ssrf import Resolver, check_url, guarded_get, system_resolver
from platforms.woocommerce.rest import woo_errors

AUTHORIZE_PATH = "/wc-auth/v1/authorize"
SCOPE = "read_write"
PERMISSIONS = ("read", "write", "read_write")
MAX_URL = 500


class InvalidStoreURL(PlatformRejected):
    """What the merchant typed is not a usable store URL."""


class KeyCallbackRejected(PlatformRejected):
    """The key callback's body is not what WooCommerce sends; `field` names the bad part."""


@dataclass(frozen=True)
class KeyGrant:
    """The REST key a store granted us; the secret stays out of reprs."""

    key_id: int
    state: str
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    permissions: str


def normalize_store_url(text: str) -> str:
    """`store.example/` -> `https://store.example`: scheme (https unless given), host, port, path."""
    raw = text.strip()
    if not raw or len(raw) > MAX_URL:
        raise InvalidStoreURL("enter the address of your store, e.g. https://shop.example.com")
    parts = urlsplit(raw if "://" in raw else f"https://{raw}")
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidStoreURL("the store address must start with https:// or http://")
    if parts.username is not None or parts.password is not None:
        raise InvalidStoreURL("the store address must not contain a user name or password")
    if parts.query or parts.fragment:
        raise InvalidStoreURL("the store address must not contain ? or #")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidStoreURL("the store address has an invalid port") from exc
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidStoreURL("the store address has no host name")
    scheme = parts.scheme.lower()
    default = 443 if scheme == "https" else 80
    netloc = host if port in (None, default) else f"{host}:{port}"
    if ":" in host:  # an IPv6 literal keeps its brackets
        netloc = f"[{host}]" if port in (None, default) else f"[{host}]:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def store_domain(url: str) -> str:
    """A store URL as our shop name: host (and port, and path for a sub-directory install)."""
    parts = urlsplit(url.strip() if "://" in url else f"https://{url.strip()}")
    host = (parts.hostname or "").rstrip(".")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    return f"{host}{port}{parts.path.rstrip('/')}".lower()


async def discover_home_url(
    http: httpx.AsyncClient,
    store_url: str,
    *,
    allow_private: bool,
    resolve: Resolver = system_resolver,
) -> str:
    """The store's own home URL from its REST index (`/wp-json/`), following checked redirects.

    OAuth signatures are checked against this URL, so it is the one we use from now on.
    Raises PlatformRejected(code NOT_WOOCOMMERCE) if the site has no WooCommerce REST API.
    """
    with woo_errors(store_url):
        response = await guarded_get(
            http,
            f"{store_url}/wp-json/",
            allow_private=allow_private,
            resolve=resolve,
            headers={"Accept": "application/json"},
        )
        index = response.json() if response.is_success else None
    if not isinstance(index, Mapping) or "wc/v3" not in (index.get("namespaces") or ()):
        raise PlatformRejected(
            f"{store_url} does not answer like a WooCommerce store (no wc/v3 REST API); "
            "check the address and that WooCommerce is active",
            code="NOT_WOOCOMMERCE",
        )
    home = normalize_store_url(str(index.get("home") or store_url))
    await check_url(home, allow_private=allow_private, resolve=resolve)
    return home


def authorize_url(
    store_url: str, *, app_name: str, state: str, return_url: str, callback_url: str
) -> str:
    """Where to send the merchant to approve a read_write key for us."""
    params = {
        "app_name": app_name,
        "scope": SCOPE,
        "user_id": state,
        "return_url": return_url,
        "callback_url": callback_url,
    }
    return f"{store_url}{AUTHORIZE_PATH}?{urlencode(params, quote_via=quote)}"


def _text(body: Mapping[str, Any], name: str, prefix: str = "") -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.startswith(prefix) or len(value) > 255:
        raise KeyCallbackRejected(
            f"{name} is missing or malformed", code="BAD_CALLBACK", field=[name]
        )
    return value


def parse_key_callback(raw_body: bytes) -> KeyGrant:
    """The key WooCommerce posted to our callback; KeyCallbackRejected if the body is not one."""
    try:
        body = jsonsafe.loads(raw_body)
    except ValueError as exc:
        raise KeyCallbackRejected("the body is not JSON", code="BAD_CALLBACK") from exc
    if not isinstance(body, Mapping):
        raise KeyCallbackRejected("the body is not a JSON object", code="BAD_CALLBACK")
    key_id = body.get("key_id")
    if not isinstance(key_id, int) or isinstance(key_id, bool):
        raise KeyCallbackRejected("key_id is not an integer", code="BAD_CALLBACK", field=["key_id"])
    permissions = _text(body, "key_permissions")
    if permissions not in PERMISSIONS:
        raise KeyCallbackRejected(
            f"unknown key_permissions {permissions!r}",
            code="BAD_CALLBACK",
            field=["key_permissions"],
        )
    return KeyGrant(
        key_id=key_id,
        state=_text(body, "user_id"),
        consumer_key=_text(body, "consumer_key", "ck_"),
        consumer_secret=_text(body, "consumer_secret", "cs_"),
        permissions=permissions,
    )
