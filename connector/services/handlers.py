"""Handler name (as named in app.toml) -> the handler that processes that topic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from connector.services.lifecycle import AppScopesUpdateHandler, AppUninstalledHandler
from connector.services.orders import OrderEventHandler
from connector.services.privacy import (
    CustomersDataRequestHandler,
    CustomersRedactHandler,
    ShopRedactHandler,
)
from connector.services.runtime import Runtime
from connector.services.worker import Handler, Worker


def build_handlers() -> dict[str, Handler]:
    """Every handler, by the name app.toml uses for it."""
    return {
        "order_event": OrderEventHandler(),
        "app_uninstalled": AppUninstalledHandler(),
        "app_scopes_update": AppScopesUpdateHandler(),
        "customers_data_request": CustomersDataRequestHandler(),
        "customers_redact": CustomersRedactHandler(),
        "shop_redact": ShopRedactHandler(),
    }


def build_worker(runtime: Runtime) -> Worker:
    """A worker wired with every handler and the topic table from settings."""
    shopify = runtime.settings.shopify

    def topic_handlers(platform: str, topic: str) -> str | None:
        # The sandbox speaks Shopify's topic names, so one table serves both.
        return shopify.handler_for(topic)

    return Worker(runtime, build_handlers(), topic_handlers, periodic=periodic_jobs())


def periodic_jobs() -> dict[str, tuple[float, Callable[[Runtime], Awaitable[Any]]]]:
    """Jobs the worker runs on a schedule: name -> (interval seconds, job)."""
    from connector.services.referrals import approve_due_referrals
    from connector.services.tokens import refresh_expiring_tokens

    return {
        "refresh_expiring_tokens": (60.0, refresh_expiring_tokens),
        "approve_due_referrals": (60.0, approve_due_referrals),
    }
