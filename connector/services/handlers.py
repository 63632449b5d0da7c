"""Handler name (as named in app.toml) -> the handler that processes that topic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from connector.services.base.runtime import Runtime
from connector.services.pipeline.worker import Handler, Worker
from connector.services.privacy.compliance import (
    CustomersDataRequestHandler,
    CustomersRedactHandler,
    ShopRedactHandler,
)
from connector.services.privacy.retention import prune_old_data
from connector.services.referrals.orders import OrderEventHandler
from connector.services.referrals.reconcile import TOPIC as RECONCILED
from connector.services.rewards.earning import earn_on_order
from connector.services.shops.lifecycle import AppScopesUpdateHandler, AppUninstalledHandler
from connector.services.shops.woocommerce_connect import check_webhooks


def build_handlers() -> dict[str, Handler]:
    """Every handler, by the name app.toml uses for it."""
    return {
        "order_event": OrderEventHandler(listeners=(earn_on_order,)),
        "app_uninstalled": AppUninstalledHandler(),
        "app_scopes_update": AppScopesUpdateHandler(),
        "customers_data_request": CustomersDataRequestHandler(),
        "customers_redact": CustomersRedactHandler(),
        "shop_redact": ShopRedactHandler(),
    }


def build_worker(runtime: Runtime) -> Worker:
    """A worker wired with every handler and the topic table from settings."""
    shopify = runtime.settings.shopify
    woocommerce = runtime.settings.woocommerce

    def topic_handlers(platform: str, topic: str) -> str | None:
        # WooCommerce names topics its own way (order.updated); the sandbox speaks Shopify's.
        if platform == "woocommerce":
            # Reconciliation files every listed order under one neutral topic: for WooCommerce
            # that is an order.updated that was never delivered.
            return woocommerce.handler_for("order.updated" if topic == RECONCILED else topic)
        return shopify.handler_for(topic)

    periodic = periodic_jobs()
    periodic["check_woocommerce_webhooks"] = (woocommerce.webhook_check_seconds, check_webhooks)
    periodic["prune_old_data"] = (runtime.settings.retention.interval_seconds, prune_old_data)
    return Worker(runtime, build_handlers(), topic_handlers, periodic=periodic)


def periodic_jobs() -> dict[str, tuple[float, Callable[[Runtime], Awaitable[Any]]]]:
    """Jobs the worker runs on a schedule: name -> (interval seconds, job)."""
    from connector.services.analytics.rollups import compact_all
    from connector.services.outbound.delivery import deliver_due
    from connector.services.referrals.crediting import approve_due_referrals
    from connector.services.shops.tokens import refresh_expiring_tokens

    jobs: dict[str, tuple[float, Callable[[Runtime], Awaitable[Any]]]] = {
        "refresh_expiring_tokens": (60.0, refresh_expiring_tokens),
        "approve_due_referrals": (60.0, approve_due_referrals),
        "compact_rollups": (300.0, compact_all),
        "deliver_webhooks": (15.0, deliver_due),
    }
    jobs.update(reward_jobs())
    jobs.update(notification_jobs())
    return jobs


def notification_jobs() -> dict[str, tuple[float, Callable[[Runtime], Awaitable[Any]]]]:
    """The message outbox's sender, the scheduled messages, erasing bodies after 30 days."""
    from connector.services.notifications.retention import erase_old_bodies
    from connector.services.notifications.schedule import JOBS
    from connector.services.notifications.sender import send_due_messages

    return {
        "send_due_messages": (5.0, send_due_messages),
        "erase_old_message_bodies": (3600.0, erase_old_bodies),
        **JOBS,
    }


def reward_jobs() -> dict[str, tuple[float, Callable[[Runtime], Awaitable[Any]]]]:
    """The outbox and its neighbours: issue rewards, friend codes, points, contests, reconcile."""
    from connector.services.referrals.friend_codes import (
        create_pending_friend_codes,
        raise_friend_offers,
    )
    from connector.services.referrals.reconcile import reconcile_all
    from connector.services.rewards.birthdays import credit_birthdays
    from connector.services.rewards.choices import issue_default_choices
    from connector.services.rewards.contests import finalise_contests
    from connector.services.rewards.issuing import issue_due_rewards
    from connector.services.rewards.loyalty import expire_inactive_points, expire_points
    from connector.services.rewards.vip import remind_expiring_points, review_tiers

    return {
        "issue_due_rewards": (15.0, issue_due_rewards),
        "issue_default_choices": (3600.0, issue_default_choices),
        "create_pending_friend_codes": (15.0, create_pending_friend_codes),
        "raise_friend_offers": (300.0, raise_friend_offers),
        "expire_points": (3600.0, expire_points),
        "expire_inactive_points": (86400.0, expire_inactive_points),
        "remind_expiring_points": (86400.0, remind_expiring_points),
        "review_tiers": (86400.0, review_tiers),
        # Hourly: a member's birthday (UTC) is credited within the hour, once a year.
        "credit_birthdays": (3600.0, credit_birthdays),
        "finalise_contests": (3600.0, finalise_contests),
        "reconcile_all": (3600.0, reconcile_all),
    }
