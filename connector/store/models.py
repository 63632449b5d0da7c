"""Tortoise models. Uniqueness that protects money or exactly-once processing is a constraint here.

Each model lists the columns that can hold a shopper's personal data in `PII_FIELDS`, so that
`customers/redact` and `shop/redact` can prove they leave nothing behind (see services.privacy).
"""

from __future__ import annotations

import enum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class ShopStatus(enum.StrEnum):
    """Where a shop's installation stands."""

    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    UNINSTALLED = "uninstalled"


class DeliveryStatus(enum.StrEnum):
    """Where a stored webhook delivery stands."""

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    DEAD = "dead"


class Shop(Model):
    """One installed store: platform, domain, encrypted credentials, status."""

    id = fields.IntField(primary_key=True)
    platform = fields.CharField(max_length=32)
    domain = fields.CharField(max_length=255)
    status = fields.CharEnumField(ShopStatus, max_length=16, default=ShopStatus.ACTIVE)
    status_reason = fields.TextField(null=True)
    scopes = fields.TextField(default="")
    # Encrypted with connector.crypto.Vault; never logged, never returned.
    access_token = fields.TextField(null=True)
    access_expires_at = fields.DatetimeField(null=True)
    refresh_token = fields.TextField(null=True)
    refresh_expires_at = fields.DatetimeField(null=True)
    secrets = fields.TextField(
        null=True
    )  # encrypted JSON of platform extras (keys, webhook secret)
    # Compare-and-set lease so that only one process refreshes a rotating token at a time.
    refresh_lease_token = fields.CharField(max_length=64, null=True)
    refresh_lease_until = fields.DatetimeField(null=True)
    settings: dict[str, Any] = fields.JSONField(
        default=dict
    )  # non-secret platform settings (base URL, currency)
    installed_at = fields.DatetimeField(null=True)
    uninstalled_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "shop"
        unique_together = (("platform", "domain"),)


class Delivery(Model):
    """One webhook request as received: raw body and headers, stored before we answer."""

    id = fields.BigIntField(primary_key=True)
    platform = fields.CharField(max_length=32)
    shop_domain = fields.CharField(max_length=255)
    delivery_key = fields.CharField(max_length=255)
    topic = fields.CharField(max_length=128)
    headers: dict[str, str] = fields.JSONField()
    body = fields.BinaryField()
    event_id = fields.CharField(max_length=255, null=True)
    triggered_at = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField()
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_token = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    processed_at = fields.DatetimeField(null=True)
    redacted_at = fields.DatetimeField(null=True)

    PII_FIELDS = ("body",)

    class Meta:
        table = "delivery"
        unique_together = (("platform", "shop_domain", "delivery_key"),)
        indexes = (("status", "next_attempt_at"),)


class DeliveryAttempt(Model):
    """One try at processing a delivery: when, how long, and how it ended."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[Delivery] = fields.ForeignKeyField(
        "models.Delivery", related_name="attempt_log", on_delete=fields.CASCADE
    )
    number = fields.IntField()  # the delivery's attempt count at the time; restarts on replay
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField()
    outcome = fields.CharField(max_length=16)  # done | retry | dead
    error = fields.TextField(null=True)

    PII_FIELDS = ()

    class Meta:
        table = "delivery_attempt"


class OrderRecord(Model):
    """The newest state we have seen of one store order (older payloads never overwrite it)."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="orders", on_delete=fields.CASCADE
    )
    order_id = fields.CharField(max_length=64)
    order_name = fields.CharField(max_length=64, default="")
    currency = fields.CharField(max_length=3)
    subtotal = fields.DecimalField(max_digits=14, decimal_places=4)
    total = fields.DecimalField(max_digits=14, decimal_places=4)
    refunded = fields.DecimalField(max_digits=14, decimal_places=4, default=0)
    financial_status = fields.CharField(max_length=32, default="")
    paid = fields.BooleanField(default=False)
    cancelled = fields.BooleanField(default=False)
    is_test = fields.BooleanField(default=False)
    customer_id = fields.CharField(max_length=64, null=True)
    email = fields.CharField(max_length=320, null=True)
    discount_codes: list[str] = fields.JSONField(default=list)
    order_updated_at = fields.DatetimeField(null=True)
    order_created_at = fields.DatetimeField(null=True)
    first_seen_at = fields.DatetimeField(auto_now_add=True)
    last_delivery_id = fields.BigIntField(null=True)

    PII_FIELDS = ("email",)

    class Meta:
        table = "order_record"
        unique_together = (("shop", "order_id"),)


class PrivacyRequest(Model):
    """A compliance request from the platform and what we did about it."""

    id = fields.BigIntField(primary_key=True)
    platform = fields.CharField(max_length=32)
    shop_domain = fields.CharField(max_length=255)
    kind = fields.CharField(max_length=32)  # data_request | customer_redact | shop_redact
    customer_id = fields.CharField(max_length=64, null=True)
    # For data requests: the assembled export the merchant passes on. Erased by a later redact.
    export: dict[str, Any] | None = fields.JSONField(null=True)
    summary = fields.TextField(default="")
    received_at = fields.DatetimeField()
    completed_at = fields.DatetimeField(null=True)

    PII_FIELDS = ("export",)

    class Meta:
        table = "privacy_request"
