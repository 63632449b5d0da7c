"""Settings: the non-secret `app.toml` plus secrets and deployment values from the environment.

This is the only module that reads the environment. Everything else receives a `Settings`.

Environment variables:
    SHOPIFY_API_KEY, SHOPIFY_API_SECRET   the app's client id and secret (Partner dashboard)
    SHOPIFY_API_SECRET_PREVIOUS           the secret before a rotation, still accepted
    DATABASE_URL                          e.g. postgres://user@host:5432/db (default: SQLite file)
    CONNECTOR_ENCRYPTION_KEYS             comma-separated Fernet keys, newest first
    PUBLIC_URL                            the public base URL stores call back
    CONNECTOR_DATA_DIR                    where the SQLite file and generated key live (./data)
    CONNECTOR_CONFIG                      path of app.toml (default: ./app.toml, else the packaged one)
    CONNECTOR_WORKER                      "in-process" (default) or "external"
    CONNECTOR_LOG_LEVEL                   INFO by default
    CONNECTOR_ACCESS_LOG                  "true" logs one line per HTTP request (off by default)
    CONNECTOR_ALLOW_PRIVATE_STORE_URLS    "true" lets a WooCommerce store URL resolve to a loopback,
                                          private or link-local address (development only; off)
    SMTP_URL                              the mail server: smtp://user:password@host:587 (STARTTLS
                                          when offered; ?starttls=require or ?starttls=off), or
                                          smtps://... (TLS from the start, port 465)
    SMTP_FROM                             the default From address (a shop may set its own)
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from connector.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent


class Secret:
    """A string whose repr and str never show the value; call `reveal()` to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret value."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class WebhookTopic:
    """One webhook subscription and the handler that processes it."""

    topic: str
    handler: str
    compliance: bool = False


@dataclass(frozen=True)
class ShopifySettings:
    """Shopify app credentials and app-config values."""

    api_key: str | None
    api_secret: Secret | None
    previous_api_secret: Secret | None
    api_version: str
    scopes: tuple[str, ...]
    webhooks: tuple[WebhookTopic, ...]
    expiring_offline_tokens: bool
    refresh_margin_seconds: int
    proxy_prefix: str
    proxy_subpath: str
    proxy_path: str

    @property
    def configured(self) -> bool:
        """True when the app key and secret are both set."""
        return bool(self.api_key) and bool(self.api_secret)

    @property
    def secrets(self) -> tuple[Secret, ...]:
        """The current secret first, then the previous one during a rotation."""
        return tuple(s for s in (self.api_secret, self.previous_api_secret) if s)

    def handler_for(self, topic: str) -> str | None:
        """The handler name configured for a webhook topic, if any."""
        return handler_in(self.webhooks, topic)


def handler_in(webhooks: tuple[WebhookTopic, ...], topic: str) -> str | None:
    """The handler name a list of subscriptions configures for `topic`, if any."""
    for hook in webhooks:
        if hook.topic == topic:
            return hook.handler
    return None


@dataclass(frozen=True)
class WooCommerceSettings:
    """WooCommerce: the order webhooks each connected store gets, and connection limits."""

    webhooks: tuple[WebhookTopic, ...] = ()
    # Development only: let a store URL resolve to loopback, private or link-local addresses.
    allow_private_store_urls: bool = False
    # How long a merchant has to approve the key on their store after starting to connect.
    connect_state_seconds: int = 900
    # How often disabled webhooks are re-enabled (WooCommerce disables one after failures).
    webhook_check_seconds: float = 900.0

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics every connected store is subscribed to."""
        return tuple(hook.topic for hook in self.webhooks)

    def handler_for(self, topic: str) -> str | None:
        """The handler name configured for a webhook topic, if any."""
        return handler_in(self.webhooks, topic)


@dataclass(frozen=True)
class WorkerSettings:
    """How the delivery worker claims, retries and dead-letters."""

    max_attempts: int = 8
    backoff_base_seconds: float = 5
    backoff_max_seconds: float = 3600
    lease_seconds: float = 120
    batch_size: int = 10
    poll_interval_seconds: float = 1.0
    concurrency: int = 2
    in_process: bool = True


@dataclass(frozen=True)
class RetentionSettings:
    """How long raw webhook bodies, link clicks and offer claims are kept, and how often pruned."""

    days: int = 90
    interval_seconds: float = 86400


@dataclass(frozen=True)
class MailSettings:
    """The SMTP server notifications are sent through (`SMTP_URL`), and the default sender."""

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: Secret | None = None
    use_tls: bool = False  # TLS from the first byte (smtps://)
    starttls: bool | None = None  # None: when the server offers it; True: required; False: never
    from_address: str | None = None
    timeout_seconds: float = 20.0

    @property
    def configured(self) -> bool:
        """True when a mail server is set."""
        return bool(self.host)


def parse_smtp_url(url: str, from_address: str | None = None) -> MailSettings:
    """Read `SMTP_URL` (smtp:// or smtps://, credentials URL-encoded, ?starttls=require|off)."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("SMTP_URL must look like smtp://user:password@host:587 or smtps://host")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    mode = query.pop("starttls", "auto").lower()
    if mode not in ("auto", "require", "off") or query.keys() - {"timeout"}:
        raise ConfigError("SMTP_URL takes ?starttls=require|off and ?timeout=SECONDS only")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
        timeout = float(query.get("timeout", 20))
    except ValueError as exc:
        raise ConfigError(f"SMTP_URL: {exc}") from exc
    tls = parts.scheme == "smtps"
    return MailSettings(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=Secret(unquote(parts.password)) if parts.password else None,
        use_tls=tls,
        starttls=False if tls or mode == "off" else (True if mode == "require" else None),
        from_address=from_address,
        timeout_seconds=timeout,
    )


@dataclass(frozen=True)
class Settings:
    """Everything the connector is configured with."""

    app_name: str
    app_handle: str
    public_url: str
    embedded: bool
    database_url: str
    data_dir: Path
    encryption_keys: tuple[Secret, ...]
    generated_key_path: Path | None
    shopify: ShopifySettings
    worker: WorkerSettings
    program_defaults: Mapping[str, Any]
    woocommerce: WooCommerceSettings = field(default_factory=WooCommerceSettings)
    log_level: str = "INFO"
    # One log line per HTTP request (uvicorn's access log); off, it costs ingest about 15%.
    access_log: bool = False
    config_path: Path | None = None
    # Addresses (or networks) of the proxies in front of us whose X-Forwarded-For we believe;
    # empty: none, so a client's own header never picks its address. "*": the connecting peer.
    trusted_proxies: tuple[str, ...] = ()
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    extra: Mapping[str, Any] = field(default_factory=dict)
    mail: MailSettings = field(default_factory=MailSettings)

    @property
    def is_sqlite(self) -> bool:
        """True on the embedded SQLite default."""
        return self.database_url.startswith("sqlite")

    def unconfigured_features(self) -> list[str]:
        """Human sentences naming each feature that lacks configuration, and what to set."""
        missing = []
        if not self.shopify.configured:
            missing.append("Shopify: set SHOPIFY_API_KEY and SHOPIFY_API_SECRET")
        if self.generated_key_path is not None:
            missing.append(
                f"Encryption: using a generated local key at {self.generated_key_path}; "
                "set CONNECTOR_ENCRYPTION_KEYS in production"
            )
        if not self.mail.configured:
            missing.append("Email: notifications are not sent; set SMTP_URL")
        if self.public_url.startswith("http://localhost"):
            missing.append("Public URL: stores cannot reach localhost; set PUBLIC_URL")
        return missing


def _find_config(env: Mapping[str, str]) -> Path:
    explicit = env.get("CONNECTOR_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"CONNECTOR_CONFIG points to {path}, which is not a file")
        return path
    for candidate in (Path.cwd() / "app.toml", REPO_ROOT / "app.toml"):
        if candidate.is_file():
            return candidate
    raise ConfigError("app.toml not found: set CONNECTOR_CONFIG to its path")


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    value = env.get(name, "").strip()
    return Secret(value) if value else None


def _encryption_keys(
    env: Mapping[str, str], data_dir: Path
) -> tuple[tuple[Secret, ...], Path | None]:
    raw = env.get("CONNECTOR_ENCRYPTION_KEYS", "").strip()
    if raw:
        keys = tuple(Secret(k.strip()) for k in raw.split(",") if k.strip())
        for index, key in enumerate(keys):
            try:
                Fernet(key.reveal().encode())
            except (ValueError, TypeError) as exc:
                raise ConfigError(
                    f"CONNECTOR_ENCRYPTION_KEYS entry {index + 1} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes); make one with `connector generate-key`"
                ) from exc
        return keys, None
    key_path = data_dir / "encryption.key"
    if not key_path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode())
    keys = tuple(Secret(line.strip()) for line in key_path.read_text().splitlines() if line.strip())
    return keys, key_path


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _woocommerce(
    config: Mapping[str, Any], env: Mapping[str, str], path: Path
) -> WooCommerceSettings:
    woo = dict(config.get("woocommerce", {}))
    try:
        webhooks = tuple(WebhookTopic(**hook) for hook in woo.pop("webhooks", []))
        return WooCommerceSettings(
            webhooks=webhooks,
            allow_private_store_urls=_flag(env, "CONNECTOR_ALLOW_PRIVATE_STORE_URLS"),
            **woo,
        )
    except TypeError as exc:
        raise ConfigError(f"{path}: the [woocommerce] section is malformed: {exc}") from exc


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read app.toml and the environment into one `Settings`."""
    env = os.environ if env is None else env
    config_path = _find_config(env)
    with config_path.open("rb") as handle:
        config = tomllib.load(handle)
    app = config.get("app", {})
    shop = config.get("shopify", {})
    proxy = shop.get("app_proxy", {})
    data_dir = Path(env.get("CONNECTOR_DATA_DIR", "data")).resolve()
    database_url = env.get("DATABASE_URL", "").strip()
    if not database_url:
        database_url = f"sqlite://{data_dir / 'connector.sqlite3'}"
    elif database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url.removeprefix("postgresql://")
    keys, generated = _encryption_keys(env, data_dir)
    worker_cfg = dict(config.get("worker", {}))
    worker_mode = env.get("CONNECTOR_WORKER", "in-process").strip()
    if worker_mode not in ("in-process", "external"):
        raise ConfigError('CONNECTOR_WORKER must be "in-process" or "external"')
    worker = WorkerSettings(**worker_cfg, in_process=worker_mode == "in-process")
    try:
        webhooks = tuple(WebhookTopic(**hook) for hook in shop.get("webhooks", []))
    except TypeError as exc:
        raise ConfigError(
            f"{config_path}: a [[shopify.webhooks]] entry is malformed: {exc}"
        ) from exc
    shopify = ShopifySettings(
        api_key=env.get("SHOPIFY_API_KEY", "").strip() or None,
        api_secret=_secret(env, "SHOPIFY_API_SECRET"),
        previous_api_secret=_secret(env, "SHOPIFY_API_SECRET_PREVIOUS"),
        api_version=str(shop.get("api_version", "2026-04")),
        scopes=tuple(shop.get("scopes", ())),
        webhooks=webhooks,
        expiring_offline_tokens=bool(shop.get("expiring_offline_tokens", True)),
        refresh_margin_seconds=int(shop.get("refresh_margin_seconds", 300)),
        proxy_prefix=str(proxy.get("prefix", "apps")),
        proxy_subpath=str(proxy.get("subpath", "referrals")),
        proxy_path=str(proxy.get("path", "/proxy")),
    )
    public_url = (env.get("PUBLIC_URL") or app.get("url") or "http://localhost:8000").rstrip("/")
    return Settings(
        app_name=str(app.get("name", "Referral Connector")),
        app_handle=str(app.get("handle", "referral-connector")),
        public_url=public_url,
        embedded=bool(app.get("embedded", True)),
        database_url=database_url,
        data_dir=data_dir,
        encryption_keys=keys,
        generated_key_path=generated,
        shopify=shopify,
        worker=worker,
        woocommerce=_woocommerce(config, env, config_path),
        program_defaults=config.get("program", {}).get("defaults", {}),
        log_level=env.get("CONNECTOR_LOG_LEVEL", "INFO").upper(),
        access_log=_flag(env, "CONNECTOR_ACCESS_LOG"),
        config_path=config_path,
        trusted_proxies=_trusted_proxies(env),
        retention=_retention(config, env),
        mail=_mail(env),
    )


def _mail(env: Mapping[str, str]) -> MailSettings:
    sender = env.get("SMTP_FROM", "").strip() or None
    url = env.get("SMTP_URL", "").strip()
    return parse_smtp_url(url, sender) if url else MailSettings(from_address=sender)


def _retention(config: Mapping[str, Any], env: Mapping[str, str]) -> RetentionSettings:
    """[retention] of app.toml; CONNECTOR_RETENTION_DAYS overrides its `days`."""
    section = dict(config.get("retention", {}))
    days = env.get("CONNECTOR_RETENTION_DAYS", "").strip() or section.get("days", 90)
    try:
        kept = int(days)
    except (TypeError, ValueError):
        raise ConfigError(f"retention days must be a whole number, got {days!r}") from None
    if kept < 1:
        raise ConfigError(f"retention days must be at least 1, got {kept}")
    return RetentionSettings(kept, float(section.get("interval_seconds", 86400)))


def _trusted_proxies(env: Mapping[str, str]) -> tuple[str, ...]:
    """CONNECTOR_TRUSTED_PROXIES: comma-separated addresses or networks, or "*"; checked here."""
    import ipaddress

    named = tuple(
        p.strip() for p in env.get("CONNECTOR_TRUSTED_PROXIES", "").split(",") if p.strip()
    )
    for entry in named:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(
                f"CONNECTOR_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from None
    return named
