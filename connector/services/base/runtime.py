"""The process-wide runtime: settings, the vault, one HTTP client, adapters and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from connector.crypto import Vault, derived_key
from connector.errors import NotConfigured
from connector.logs import SECRET_FILTER
from connector.services.base.inbox import InboxWriter
from connector.settings import Settings
from platforms.base import PlatformAdapter
from platforms.registry import build_adapter
from platforms.ssrf import Resolver, system_resolver


def utcnow() -> datetime:
    """The current time, UTC-aware."""
    return datetime.now(UTC)


def make_http_client() -> httpx.AsyncClient:
    """The one outbound client of the process.

    trust_env stays on so HTTPS_PROXY, NO_PROXY and SSL_CERT_FILE work as operators expect.
    """
    return httpx.AsyncClient(
        timeout=httpx.Timeout(20.0, connect=5.0),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        trust_env=True,
        follow_redirects=False,
        headers={"User-Agent": "referral-connector/0.1"},
    )


@dataclass
class Runtime:
    """Everything services need; built once per process (or per test)."""

    settings: Settings
    http: httpx.AsyncClient
    clock: Callable[[], datetime] = utcnow
    # How a merchant-given URL's host is resolved before we call it (the SSRF check); tests
    # give a fake one, since tests never use the network.
    resolve: Resolver = system_resolver
    vault: Vault = field(init=False)
    inbox: InboxWriter = field(default_factory=InboxWriter, init=False)
    _adapters: dict[str, PlatformAdapter] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.vault = Vault(self.settings.encryption_keys)
        SECRET_FILTER.add(s.reveal() for s in self.settings.encryption_keys)
        SECRET_FILTER.add(s.reveal() for s in self.settings.shopify.secrets)
        if self.settings.mail.password:
            SECRET_FILTER.add([self.settings.mail.password.reveal()])

    def now(self) -> datetime:
        """The current time from the runtime's clock."""
        return self.clock()

    def adapter(self, platform: str) -> PlatformAdapter:
        """The adapter for a platform, built on first use."""
        if platform not in self._adapters:
            self._adapters[platform] = build_adapter(platform, self.settings, self.http)
        return self._adapters[platform]

    def webhook_secrets(self, platform: str) -> list[str]:
        """The secrets a platform's app-wide webhooks are signed with (current first)."""
        if platform == "shopify":
            if not self.settings.shopify.configured:
                raise NotConfigured("Shopify", "set SHOPIFY_API_KEY and SHOPIFY_API_SECRET")
            return [s.reveal() for s in self.settings.shopify.secrets]
        if platform == "sandbox":
            # Derived from the encryption key: stable per installation, never configured by hand.
            return [self.derived_key("sandbox-webhooks").hex()]
        raise NotConfigured(platform, f"{platform} webhooks are verified per shop")

    def derived_key(self, label: str) -> bytes:
        """HMAC-SHA256 of `label` under the newest encryption key; rotating the key changes it.

        What a change means for each label is in `connector.crypto`'s module doc.
        """
        return derived_key(self.settings.encryption_keys, label)

    def remember_secret(self, *values: str | None) -> None:
        """Mask these values in every log line from now on (tokens as they are issued)."""
        SECRET_FILTER.add(values)
