"""Connecting a WooCommerce store, and keeping its webhooks alive.

1. `start`: the merchant types their store's address. We refuse addresses inside our network,
   learn the store's own home URL from its REST index, keep a one-time state (only its digest)
   and send the merchant to `/wc-auth/v1/authorize` with the state, signed, as `user_id`.
2. `accept_keys`: WooCommerce POSTs the new REST key to our callback, unsigned. The state must
   verify and be unspent; it is spent by the same UPDATE that checks it, so a replay finds
   nothing and stores nothing. The key and a new per-shop webhook secret are encrypted into
   the shop; a re-connect replaces them (the previous webhook secret is still accepted until
   the webhooks carry the new one).
3. `finish` (the merchant is back on our return page) and `ensure_webhooks`: the order webhooks
   at the shop's opaque URL, with the new secret; our webhooks of earlier connections go.
   Registering waits for the return page because WooCommerce is still waiting on our callback
   answer; a small store with one PHP worker could not answer our calls meanwhile.
4. `check_webhooks` (periodic): WooCommerce disables a webhook after repeated failed
   deliveries and never retries one; we re-enable ours, and register any still missing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol, runtime_checkable

from itsdangerous import BadSignature, URLSafeSerializer
from tortoise.transactions import in_transaction

from connector.errors import ConnectorError
from connector.services.base.ratelimit import Limit, hit
from connector.services.base.runtime import Runtime
from connector.services.shops.credentials import credentials_of, save_credentials
from connector.settings import Settings
from connector.store.models import Shop, ShopStatus, WooCommerceConnectState, WooCommerceLink
from platforms.base import PlatformAdapter, PlatformError, StoreCredentials, WebhookDelivery

log = logging.getLogger("connector.woocommerce")

PLATFORM = "woocommerce"
CONNECT_PATH = "/woocommerce/connect"
CALLBACK_PATH = "/woocommerce/callback"
RETURN_PATH = "/woocommerce/return"
WEBHOOK_PATH = "/webhooks/woocommerce/"
CONNECT_LIMIT = Limit("woocommerce_connect", "ip", 10, 600)
# Spent or expired states are kept this long (the return page reads them), then deleted.
STATE_KEEP = timedelta(days=1)


class KeyGrantLike(Protocol):
    """The key a store granted (platforms.woocommerce.connect.KeyGrant)."""

    key_id: int
    state: str
    consumer_key: str
    consumer_secret: str
    permissions: str


@runtime_checkable
class WooCommerceOperations(PlatformAdapter, Protocol):
    """What connecting and receiving need of the WooCommerce adapter beyond the interface."""

    def normalize_store_url(self, text: str) -> str:
        """What the merchant typed as a store URL."""
        ...

    async def discover_home_url(self, store_url: str) -> str:
        """The store's own home URL."""
        ...

    def store_domain(self, home_url: str) -> str:
        """The shop name for a home URL."""
        ...

    def authorize_url(
        self, store_url: str, *, state: str, return_url: str, callback_url: str
    ) -> str:
        """The store's key-approval page."""
        ...

    def parse_key_callback(self, raw_body: bytes) -> KeyGrantLike:
        """The key posted to our callback."""
        ...

    async def replace_webhooks(
        self, creds: StoreCredentials, topics: Sequence[str], callback_url: str, owned_prefix: str
    ) -> list[str]:
        """Our webhooks, exactly these, at this URL."""
        ...

    async def reactivate_webhooks(
        self, creds: StoreCredentials, delivery_url_prefix: str
    ) -> list[str]:
        """Re-enable our disabled webhooks."""
        ...

    def ping_webhook_id(self, headers: Mapping[str, str], raw_body: bytes) -> int | None:
        """The webhook id of a creation ping, else None."""
        ...

    def verify_shop_webhook(
        self, shop: str, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]
    ) -> WebhookDelivery:
        """Verify a delivery for a known shop."""
        ...


class ConnectRefused(ConnectorError):
    """A connect step was refused; `reason` is a stable word for logs and tests."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Connected:
    """A store whose key we hold, and its webhooks once registered."""

    shop: str
    webhook_ids: tuple[str, ...]


def woo(runtime: Runtime) -> WooCommerceOperations:
    """The WooCommerce adapter, with the operations only it has."""
    adapter = runtime.adapter(PLATFORM)
    if not isinstance(adapter, WooCommerceOperations):
        raise TypeError(f"the woocommerce adapter is {type(adapter).__name__}")
    return adapter


def webhook_url(settings: Settings, key: str) -> str:
    """Where a store with this webhook key delivers."""
    return f"{settings.public_url}{WEBHOOK_PATH}{key}"


def _signer(settings: Settings) -> URLSafeSerializer:
    # Keys derived from the encryption keys; itsdangerous signs with the last, so newest last.
    keys = [
        hmac.new(
            k.reveal().encode(), b"connector/woocommerce-connect-state", hashlib.sha256
        ).hexdigest()
        for k in reversed(settings.encryption_keys)
    ]
    return URLSafeSerializer(keys, salt="woocommerce-connect-state")


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _nonce_of(settings: Settings, state: str) -> str:
    try:
        nonce = _signer(settings).loads(state)
    except BadSignature as exc:
        raise ConnectRefused("unknown_state", "the connect state is not one we issued") from exc
    if not isinstance(nonce, str):
        raise ConnectRefused("unknown_state", "the connect state is not one we issued")
    return nonce


async def start(runtime: Runtime, typed_url: str, client_ip: str = "unknown") -> str:
    """Check the store, remember a one-time state; return the store's authorize URL."""
    settings = runtime.settings
    if not settings.public_url.startswith("https://"):
        raise ConnectRefused(
            "public_url_not_https",
            "WooCommerce only sends keys to an https callback: set PUBLIC_URL to the "
            "connector's https address",
        )
    # Anyone may start connecting, and each start calls out to the address typed: limit it.
    verdict = await hit(runtime, [(CONNECT_LIMIT, client_ip)], runtime.now())
    if not verdict.allowed:
        raise ConnectRefused(
            "rate_limited", f"too many connection attempts; try again in {verdict.retry_after}s"
        )
    adapter = woo(runtime)
    home = await adapter.discover_home_url(adapter.normalize_store_url(typed_url))
    nonce = secrets.token_urlsafe(32)
    now = runtime.now()
    await WooCommerceConnectState.create(
        digest=_digest(nonce),
        store_url=home,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.woocommerce.connect_state_seconds),
    )
    return adapter.authorize_url(
        home,
        state=_signer(settings).dumps(nonce),
        return_url=settings.public_url + RETURN_PATH,
        callback_url=settings.public_url + CALLBACK_PATH,
    )


def _credentials(
    grant: KeyGrantLike, domain: str, home: str, previous: StoreCredentials | None
) -> StoreCredentials:
    extra = {
        "consumer_secret": grant.consumer_secret,
        "home_url": home,
        "key_id": str(grant.key_id),
        "webhook_secret": secrets.token_urlsafe(32),
    }
    if previous is not None:
        # The secret the store's webhooks still sign with until they are updated: the one
        # before an unfinished rotation, else the current one.
        signing = previous.extra.get("previous_webhook_secret") or previous.extra.get(
            "webhook_secret"
        )
        if signing:
            extra["previous_webhook_secret"] = signing
    return StoreCredentials(
        platform=PLATFORM,
        shop=domain,
        access_token=grant.consumer_key,
        scopes=(grant.permissions,),
        extra=extra,
    )


async def accept_keys(runtime: Runtime, raw_body: bytes) -> Connected:
    """Store the key WooCommerce posted, if its state is ours and unspent; else refuse."""
    adapter = woo(runtime)
    grant = adapter.parse_key_callback(raw_body)
    digest = _digest(_nonce_of(runtime.settings, grant.state))
    if grant.permissions != "read_write":
        raise ConnectRefused("wrong_permissions", "the key must be read_write")
    now = runtime.now()
    async with in_transaction() as tx:
        spent = (
            await WooCommerceConnectState.filter(
                digest=digest, used_at__isnull=True, expires_at__gt=now
            )
            .using_db(tx)
            .update(used_at=now)
        )
        if spent != 1:
            raise ConnectRefused("state_used", "the connect state is unknown, expired or spent")
        state = await WooCommerceConnectState.get(digest=digest, using_db=tx)
        domain = adapter.store_domain(state.store_url)
        row = await Shop.get_or_none(platform=PLATFORM, domain=domain, using_db=tx)
        previous = credentials_of(runtime, row) if row and row.access_token else None
        creds = _credentials(grant, domain, state.store_url, previous)
        shop = await save_credentials(runtime, creds, using_db=tx)
        # Not secret: the storefront admits the widget's calls from this origin only.
        shop.settings = {**(shop.settings or {}), "home_url": state.store_url}
        await shop.save(using_db=tx, update_fields=["settings"])
        link = await WooCommerceLink.get_or_none(shop_id=shop.id, using_db=tx)
        if link is None:
            link = await WooCommerceLink.create(
                shop_id=shop.id, key=secrets.token_urlsafe(24), created_at=now, using_db=tx
            )
        await WooCommerceConnectState.filter(id=state.id).using_db(tx).update(shop_id=shop.id)
    log.info("woocommerce %s: key %s stored", domain, grant.key_id)
    return Connected(domain, tuple(link.webhook_ids))


async def ensure_webhooks(runtime: Runtime, shop: Shop) -> list[str]:
    """Our order webhooks, exactly, at the shop's URL with its current secret; remember them."""
    link = await WooCommerceLink.get(shop_id=shop.id)
    creds = credentials_of(runtime, shop)
    settings = runtime.settings
    ids = await woo(runtime).replace_webhooks(
        creds,
        settings.woocommerce.topics,
        webhook_url(settings, link.key),
        settings.public_url + WEBHOOK_PATH,
    )
    link.webhook_ids = ids
    link.webhooks_checked_at = runtime.now()
    await link.save(update_fields=["webhook_ids", "webhooks_checked_at"])
    if "previous_webhook_secret" in creds.extra:
        # Every webhook now signs with the current secret: the old one is no longer accepted.
        extra = {k: v for k, v in creds.extra.items() if k != "previous_webhook_secret"}
        await save_credentials(runtime, replace(creds, extra=extra))
    log.info("woocommerce %s: webhooks %s", shop.domain, ", ".join(ids))
    return ids


async def finish(runtime: Runtime, state: str) -> Connected:
    """On the return page: the connected shop of this state, with its webhooks registered."""
    digest = _digest(_nonce_of(runtime.settings, state))
    row = await WooCommerceConnectState.get_or_none(digest=digest).prefetch_related("shop")
    shop = row.shop if row is not None else None
    if shop is None:
        raise ConnectRefused("not_connected", "this store sent us no key for that request")
    ids = await ensure_webhooks(runtime, shop)
    return Connected(shop.domain, tuple(ids))


async def check_webhooks(runtime: Runtime) -> int:
    """The periodic job: re-enable disabled webhooks, register missing ones; count the fixed.

    It also forgets connect states that expired more than a day ago.
    """
    await WooCommerceConnectState.filter(expires_at__lt=runtime.now() - STATE_KEEP).delete()
    fixed = 0
    links = await WooCommerceLink.filter(
        shop__platform=PLATFORM, shop__status=ShopStatus.ACTIVE
    ).prefetch_related("shop")
    for link in links:
        shop = link.shop
        try:
            creds = credentials_of(runtime, shop)
            if not link.webhook_ids or "previous_webhook_secret" in creds.extra:
                # Never registered, or re-connected by a merchant who never came back to the
                # return page: the webhooks still need the new secret.
                fixed += len(await ensure_webhooks(runtime, shop))
                continue
            enabled = await woo(runtime).reactivate_webhooks(
                creds, webhook_url(runtime.settings, link.key)
            )
        except (PlatformError, ConnectorError) as exc:
            log.warning("woocommerce %s: webhook check failed: %s", shop.domain, exc)
            continue
        if enabled:
            log.warning("woocommerce %s: re-enabled webhooks %s", shop.domain, ", ".join(enabled))
        fixed += len(enabled)
        link.webhooks_checked_at = runtime.now()
        await link.save(update_fields=["webhooks_checked_at"])
    return fixed
