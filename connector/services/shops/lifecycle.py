"""Installation lifecycle deliveries: app/uninstalled and app/scopes_update.

Neither calls the store: after an uninstall the tokens no longer work, and a scopes update only
tells us what was granted. Both are idempotent, since deliveries come more than once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from connector.services.pipeline.worker import FatalDeliveryError, HandlerContext
from connector.store.models import Shop, ShopStatus

log = logging.getLogger("connector.lifecycle")

# Everything that lets us call the store or refresh a token; NULL once the app is uninstalled.
_CREDENTIAL_COLUMNS = (
    "access_token",
    "access_expires_at",
    "refresh_token",
    "refresh_expires_at",
    "secrets",
    "refresh_lease_token",
    "refresh_lease_until",
)


async def _locked_shop(ctx: HandlerContext, tx: BaseDBAsyncClient) -> Shop | None:
    """The delivery's shop, locked for this transaction; None when we do not know it."""
    delivery = ctx.delivery
    shop = await (
        Shop.filter(platform=delivery.platform, domain=delivery.shop_domain)
        .using_db(tx)
        .select_for_update()
        .first()
    )
    if shop is None:
        log.info("delivery %s (%s): no such shop, nothing to do", delivery.id, delivery.topic)
    return shop


class AppUninstalledHandler:
    """app/uninstalled: drop the tokens and mark the shop uninstalled; its data waits for shop/redact."""

    async def prepare(self, ctx: HandlerContext) -> None:
        """Nothing to fetch: the store no longer accepts our tokens."""
        return None

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        """Forget the credentials; a repeat, or a retry older than a reinstall, changes nothing."""
        delivery = ctx.delivery
        shop = await _locked_shop(ctx, tx)
        if shop is None:
            return
        if shop.status == ShopStatus.UNINSTALLED and shop.access_token is None:
            log.info("delivery %s: shop %s already uninstalled", delivery.id, shop.id)
            return
        stale = (
            delivery.triggered_at is not None
            and shop.installed_at is not None
            and delivery.triggered_at < shop.installed_at
        )
        if stale:
            # Shopify retries for hours with the original payload; one triggered before the
            # current installation must not uninstall it.
            log.info(
                "delivery %s: uninstall of shop %s predates its reinstall, ignored",
                delivery.id,
                shop.id,
            )
            return
        now = ctx.runtime.now()
        if shop.status != ShopStatus.UNINSTALLED:
            shop.uninstalled_at = now
        shop.status = ShopStatus.UNINSTALLED
        shop.status_reason = f"app/uninstalled (delivery {delivery.id})"
        shop.update_from_dict(dict.fromkeys(_CREDENTIAL_COLUMNS))
        await shop.save(using_db=tx)
        log.info("delivery %s: shop %s uninstalled, tokens dropped", delivery.id, shop.id)


def missing_scopes(required: Iterable[str], granted: Iterable[str]) -> tuple[str, ...]:
    """The required scopes not granted; a granted `write_x` covers a required `read_x`."""
    have = set(granted)
    return tuple(
        scope
        for scope in required
        if scope not in have
        and not (scope.startswith("read_") and "write_" + scope.removeprefix("read_") in have)
    )


class AppScopesUpdateHandler:
    """app/scopes_update: record the scopes now granted; warn about required ones that are missing."""

    async def prepare(self, ctx: HandlerContext) -> tuple[str, ...]:
        """Read `current` from the body."""
        payload = ctx.payload()
        current = payload.get("current") if isinstance(payload, dict) else None
        if not isinstance(current, list) or not all(isinstance(s, str) for s in current):
            raise FatalDeliveryError(
                f"delivery {ctx.delivery.id} (app/scopes_update): `current` is not a list of"
                f" scope names: {type(current).__name__}"
            )
        return tuple(current)

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        """Store the granted scopes on the shop (as credentials.save_credentials writes them)."""
        scopes: tuple[str, ...] = prepared
        shop = await _locked_shop(ctx, tx)
        if shop is None:
            return
        shop.scopes = ",".join(scopes)
        await shop.save(using_db=tx, update_fields=["scopes", "updated_at"])
        missing = missing_scopes(ctx.runtime.settings.shopify.scopes, scopes)
        if missing:
            log.warning(
                "delivery %s: shop %s lacks required scopes: %s",
                ctx.delivery.id,
                shop.id,
                ", ".join(missing),
            )
        else:
            log.info("delivery %s: shop %s scopes recorded", ctx.delivery.id, shop.id)
