"""Privacy compliance: customers/data_request, customers/redact and shop/redact.

Every table that can hold a shopper's personal data has a `CustomerDataSource` in `DATA_SOURCES`,
keyed by its model; the handlers below only loop over that registry, so a new table (advocates,
referrals, rewards) joins every request with one source class and one line here. The test suite
checks that each model with `PII_FIELDS` has a source.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from connector.services.pipeline.worker import FatalDeliveryError, HandlerContext
from connector.services.privacy.customer_data import (
    Advocates,
    AdvocateSignals,
    BlockEntries,
    CustomerDataSource,
    Deliveries,
    DiscountCodes,
    OfferClaims,
    OrderRecords,
    PrivacyRequests,
    Referrals,
    Rewards,
)
from connector.services.privacy.message_data import MessageConsents, Messages
from connector.services.privacy.redaction import CustomerIdentity
from connector.store.models import (
    Advocate,
    AdvocateSignal,
    BlockEntry,
    Delivery,
    DiscountCode,
    Message,
    MessageConsent,
    OfferClaim,
    OrderRecord,
    PrivacyRequest,
    Referral,
    Reward,
    Shop,
    ShopStatus,
)

log = logging.getLogger("connector.privacy")

# The registry: model -> the source that finds and erases a shopper in its table.
DATA_SOURCES: dict[type[Model], CustomerDataSource] = {
    OrderRecord: OrderRecords(),
    Delivery: Deliveries(),
    PrivacyRequest: PrivacyRequests(),
    # Messages before the advocates they may point at; consent with them.
    Message: Messages(),
    MessageConsent: MessageConsents(),
    # The referral engine, children before parents so shop/redact counts what each held.
    Reward: Rewards(),
    Referral: Referrals(),
    OfferClaim: OfferClaims(),
    DiscountCode: DiscountCodes(),
    AdvocateSignal: AdvocateSignals(),
    BlockEntry: BlockEntries(),
    Advocate: Advocates(),
}


class PrivacyKind(enum.StrEnum):
    """What a privacy request asked for."""

    DATA_REQUEST = "data_request"
    CUSTOMER_REDACT = "customer_redact"
    SHOP_REDACT = "shop_redact"


def _table(model: type[Model]) -> str:
    return str(model._meta.db_table)


def _compliance_payload(ctx: HandlerContext) -> dict[str, Any]:
    """The body as a JSON object about the shop it was delivered for."""
    delivery = ctx.delivery
    payload = ctx.payload()
    if not isinstance(payload, dict):
        raise FatalDeliveryError(
            f"delivery {delivery.id} ({delivery.topic}): body is not an object"
        )
    claimed = payload.get("shop_domain")
    if claimed is not None and claimed != delivery.shop_domain:
        raise FatalDeliveryError(
            f"delivery {delivery.id} ({delivery.topic}): body names shop {claimed!r},"
            f" headers name {delivery.shop_domain!r}"
        )
    return payload


def _identity(ctx: HandlerContext, payload: dict[str, Any], orders_key: str) -> CustomerIdentity:
    identity = CustomerIdentity.from_payload(ctx.delivery.platform, payload, orders_key)
    if identity.empty:
        raise FatalDeliveryError(
            f"delivery {ctx.delivery.id} ({ctx.delivery.topic}): names no customer id, email,"
            f" phone or {orders_key}"
        )
    return identity


def _rows_found(collected: dict[str, Any]) -> int:
    return sum(len(v) for v in collected.values() if isinstance(v, list))


@dataclass(frozen=True)
class DataRequest:
    """A data request ready to record: the identity, the export and the request's own id."""

    identity: CustomerIdentity
    request_id: str | None
    export: dict[str, Any]


class CustomersDataRequestHandler:
    """customers/data_request: assemble what every source holds about the shopper into an export."""

    async def prepare(self, ctx: HandlerContext) -> DataRequest:
        """Collect from every source (reads only, outside the transaction)."""
        payload = _compliance_payload(ctx)
        identity = _identity(ctx, payload, "orders_requested")
        request = payload.get("data_request") or {}
        request_id = str(request["id"]) if isinstance(request, dict) and "id" in request else None
        data = {
            _table(model): await source.collect(ctx.delivery.shop_domain, identity)
            for model, source in DATA_SOURCES.items()
        }
        export = {
            "data_request_id": request_id,
            "platform": identity.platform,
            "shop_domain": ctx.delivery.shop_domain,
            "customer": {
                "id": identity.customer_id,
                "email": identity.email,
                "phone": identity.phone,
            },
            "orders_requested": sorted(identity.order_ids),
            "generated_at": ctx.runtime.now().isoformat(),
            "data": data,
        }
        return DataRequest(identity, request_id, export)

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        """Record the request with its export and a summary telling the merchant where to read it."""
        request: DataRequest = prepared
        row = await PrivacyRequest.create(
            platform=ctx.delivery.platform,
            shop_domain=ctx.delivery.shop_domain,
            kind=PrivacyKind.DATA_REQUEST.value,
            customer_id=request.identity.customer_id,
            export=request.export,
            received_at=ctx.delivery.received_at,
            completed_at=ctx.runtime.now(),
            using_db=tx,
        )
        found = ", ".join(
            f"{_rows_found(collected)} in {table}"
            for table, collected in request.export["data"].items()
        )
        row.summary = (
            f"Data request {request.request_id or '(no id)'} for customer"
            f" {request.identity.customer_id or '(no id)'}: found {found}."
            f" Read the export with `connector privacy show {row.id}` (or in the admin under"
            " Privacy requests) and send it to the customer; a later customers/redact erases it."
        )
        await row.save(using_db=tx, update_fields=["summary"])
        log.info(
            "delivery %s: data request recorded as privacy request %s", ctx.delivery.id, row.id
        )


class CustomersRedactHandler:
    """customers/redact: erase the shopper from every source, this very delivery included."""

    async def prepare(self, ctx: HandlerContext) -> CustomerIdentity:
        """Read who is to be erased."""
        return _identity(ctx, _compliance_payload(ctx), "orders_to_redact")

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        """Erase in every source, then record what was done (ids and counts only)."""
        identity: CustomerIdentity = prepared
        now = ctx.runtime.now()
        counts = {
            _table(model): await source.erase(ctx.delivery.shop_domain, identity, tx, now)
            for model, source in DATA_SOURCES.items()
        }
        erased = ", ".join(f"{n} in {table}" for table, n in counts.items())
        await PrivacyRequest.create(
            platform=ctx.delivery.platform,
            shop_domain=ctx.delivery.shop_domain,
            kind=PrivacyKind.CUSTOMER_REDACT.value,
            customer_id=identity.customer_id,
            summary=f"Customer {identity.customer_id or '(no id)'} redacted; rows changed: {erased}.",
            received_at=ctx.delivery.received_at,
            completed_at=now,
            using_db=tx,
        )
        log.info(
            "delivery %s: customer %s redacted (%s)", ctx.delivery.id, identity.customer_id, erased
        )


class ShopRedactHandler:
    """shop/redact (48 h after uninstall): delete every row of the shop, this delivery included.

    The worker marks this delivery done before `apply` and skips the attempt record once the
    row is gone, so deleting it here is safe.
    """

    async def prepare(self, ctx: HandlerContext) -> None:
        """Check the body is about the shop it was delivered for."""
        _compliance_payload(ctx)

    async def apply(self, ctx: HandlerContext, prepared: Any, tx: BaseDBAsyncClient) -> None:
        """Delete from every source, then the shop row itself."""
        domain = ctx.delivery.shop_domain
        installed = (
            await Shop.filter(domain=domain)
            .exclude(status=ShopStatus.UNINSTALLED)
            .using_db(tx)
            .exists()
        )
        if installed:
            # Shopify only sends this after an uninstall; an installed shop here is worth a look.
            log.warning(
                "delivery %s: shop/redact for %s, which is installed", ctx.delivery.id, domain
            )
        counts = {
            _table(model): await source.erase_shop(domain, tx)
            for model, source in DATA_SOURCES.items()
        }
        counts[_table(Shop)] = await Shop.filter(domain=domain).using_db(tx).delete()
        log.info(
            "delivery %s: shop %s redacted (%s)",
            ctx.delivery.id,
            domain,
            ", ".join(f"{n} in {table}" for table, n in counts.items()),
        )


@dataclass(frozen=True)
class PrivacyRequestRow:
    """One line of `connector privacy list`."""

    id: int
    platform: str
    shop: str
    kind: str
    customer_id: str | None
    received_at: datetime
    completed_at: datetime | None
    summary: str


def _row(r: PrivacyRequest) -> PrivacyRequestRow:
    return PrivacyRequestRow(
        id=r.id,
        platform=r.platform,
        shop=r.shop_domain,
        kind=r.kind,
        customer_id=r.customer_id,
        received_at=r.received_at,
        completed_at=r.completed_at,
        summary=r.summary,
    )


async def list_privacy_requests(
    *, shop: str | None = None, kind: str | None = None, limit: int = 50
) -> list[PrivacyRequestRow]:
    """The newest privacy requests first, optionally of one shop or kind."""
    query = PrivacyRequest.all()
    if shop:
        query = query.filter(shop_domain=shop)
    if kind:
        query = query.filter(kind=kind)
    return [_row(r) for r in await query.order_by("-id").limit(limit)]


async def show_privacy_request(request_id: int) -> dict[str, Any] | None:
    """One privacy request with its export (None when there is no such request)."""
    found = await PrivacyRequest.get_or_none(id=request_id)
    if found is None:
        return None
    return {**_row(found).__dict__, "export": found.export}
