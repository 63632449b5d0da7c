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


class RewardStatus(enum.StrEnum):
    """Where a reward stands; the referral service and the reward outbox share these words."""

    PENDING = "pending"  # to issue: the outbox job picks it up
    ISSUED = "issued"  # exists in the store (a discount code, store credit)
    RECORDED = "recorded"  # nothing to create in a store (points, cash, charity)
    FAILED = "failed"  # refused or out of tries: a person must look
    PAID = "paid"  # cash or a donation paid out by a person
    DEACTIVATE_PENDING = "deactivate_pending"  # a refund: the outbox takes it back
    DEACTIVATED = "deactivated"  # taken back, or stopped before it reached the store
    CLAWBACK = "clawback"  # used, or cannot be taken back: recorded as owed
    # A menu reward waiting for the advocate's pick (or the default, at `choice_due_at`); the
    # outbox does not see it until the pick makes it pending.
    AWAITING_CHOICE = "awaiting_choice"


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
        # A shop's deliveries newest first (admin) and in id batches (privacy).
        # ...and the processed ones past the retention period (services.privacy.retention).
        indexes = (("status", "next_attempt_at"), ("shop_domain", "id"), ("status", "received_at"))


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
        indexes = (("delivery_id", "id"),)


class OrderRecord(Model):
    """The newest state we have seen of one store order (older payloads never overwrite it)."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="orders", on_delete=fields.CASCADE
    )
    order_id = fields.CharField(max_length=64)
    order_name = fields.CharField(max_length=64, default="")
    currency = fields.CharField(max_length=3)  # the shop's: the amounts are shop money
    subtotal = fields.DecimalField(max_digits=14, decimal_places=4)
    total = fields.DecimalField(max_digits=14, decimal_places=4)
    refunded = fields.DecimalField(max_digits=14, decimal_places=4, default=0)
    # The buyer's currency when it was not the shop's ("" otherwise) and the order's rate: its
    # units per one shop unit. Store credit for this buyer is issued in it.
    presentment_currency = fields.CharField(max_length=3, default="")
    exchange_rate = fields.DecimalField(max_digits=24, decimal_places=12, null=True)
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
        # The scheduled asks read a shop's orders by when they were placed, and a customer's
        # orders by their store id or email (thank-yous, win-backs).
        indexes = (("shop", "order_created_at"), ("shop", "customer_id"), ("shop", "email"))


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


# ---------------------------------------------------------------------------------------------
# The referral engine: programs, advocates, codes, referrals, rewards (the outbox) and ledgers.
# ---------------------------------------------------------------------------------------------


class ProgramVersion(Model):
    """One saved version of a shop's program configuration; the highest is the live one."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="program_versions", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    config: dict[str, Any] = fields.JSONField()  # connector.domain.program.program_to_dict
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=255, default="system")
    note = fields.TextField(default="")

    PII_FIELDS = ()

    class Meta:
        table = "program_version"
        unique_together = (("shop", "version"),)


class Advocate(Model):
    """A shopper (or partner brand) who refers friends, with a personal share link and code."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="advocates", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16, default="customer")  # customer | partner
    email = fields.CharField(max_length=320, null=True)
    email_normalized = fields.CharField(max_length=320, null=True)
    customer_id = fields.CharField(max_length=64, null=True)
    name = fields.CharField(max_length=255, default="")
    partner_name = fields.CharField(max_length=255, null=True)
    # For a partner: the program's `Partner.account_id`, which the rules credit (one per shop).
    partner_account = fields.CharField(max_length=64, null=True)
    charity_cause = fields.CharField(max_length=128, null=True)
    # The advocate asked a contest's public leaderboard not to name them (their rank still counts).
    leaderboard_hidden = fields.BooleanField(default=False)
    friend_code = fields.CharField(max_length=64)
    # Random, unguessable: the share link carries it; knowing it reveals nothing private.
    share_token = fields.CharField(max_length=64, unique=True)
    status = fields.CharField(max_length=16, default="active")  # active | blocked
    locale = fields.CharField(max_length=16, null=True)
    created_at = fields.DatetimeField()
    # Counters kept in the transaction that changes what they count (the advocate's row is
    # locked there), so crediting reads them instead of the advocate's whole history:
    # referrals not rejected or reversed, and the points earned over the advocate's life.
    live_referrals = fields.IntField(default=0)
    points_earned = fields.BigIntField(default=0)
    # Link clicks the retention job pruned (services.privacy.retention): still counted as clicks.
    clicks_pruned = fields.BigIntField(default=0)
    # Loyalty: the VIP tier held (by name), since when, and the end of its grace period when the
    # member fell below it (rewards.vip keeps them, in the transaction that changes the measure).
    vip_tier = fields.CharField(max_length=64, null=True)
    vip_since = fields.DatetimeField(null=True)
    vip_grace_until = fields.DatetimeField(null=True)
    # Loyalty: the birthday the member told us in the widget (month and day, never a year), for
    # the program's birthday points (rewards.birthdays, once a year).
    birth_month = fields.SmallIntField(null=True)
    birth_day = fields.SmallIntField(null=True)
    # The program terms the shopper accepted to join (their version: `Program.terms.version`)
    # and when; None for an advocate who joined while the program had no terms.
    terms_version = fields.IntField(null=True)
    terms_accepted_at = fields.DatetimeField(null=True)

    PII_FIELDS = ("email", "email_normalized", "name", "customer_id", "birth_month", "birth_day")

    class Meta:
        table = "advocate"
        # The admin's lists: newest first (of all, or by status), and by name's first letters.
        # The dashboard's top advocates: by live referrals, most first (ties: newest first), so
        # the top ten are read off the index however many advocates tie.
        indexes = (
            ("shop", "id"),
            ("shop", "status", "id"),
            ("shop", "name"),
            ("shop", "live_referrals", "id"),
            # The birthday job reads a shop's members born on one day.
            ("shop", "birth_month", "birth_day"),
        )
        unique_together = (
            ("shop", "friend_code"),
            ("shop", "email_normalized"),
            ("shop", "customer_id"),
            ("shop", "partner_account"),
        )


class DiscountCode(Model):
    """A discount code we own in the store: a friend code, or a reward code. The code is the key."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="discount_codes", on_delete=fields.CASCADE
    )
    advocate: fields.ForeignKeyNullableRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="codes", null=True, on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=64)  # normalized (upper case)
    purpose = fields.CharField(max_length=16)  # friend | friend_single | reward
    status = fields.CharField(max_length=16, default="pending")  # pending | active | disabled
    platform_id = fields.CharField(max_length=255, null=True)
    # For a unique single-use friend code: the friend it was issued to.
    friend_email_normalized = fields.CharField(max_length=320, null=True)
    # A friend code's offer in the store: 0 the program's friend offer, n tier n's raised one.
    offer_level = fields.SmallIntField(default=0)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    PII_FIELDS = ("friend_email_normalized",)

    class Meta:
        table = "discount_code"
        unique_together = (("shop", "code"),)
        indexes = (("advocate_id",), ("status", "updated_at"))


class OfferClaim(Model):
    """A friend who claimed an advocate's offer by email (attribution signal 4)."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="claims", on_delete=fields.CASCADE
    )
    advocate: fields.ForeignKeyRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="claims", on_delete=fields.CASCADE
    )
    email_normalized = fields.CharField(max_length=320)
    claimed_at = fields.DatetimeField()

    PII_FIELDS = ("email_normalized",)

    class Meta:
        table = "offer_claim"
        unique_together = (("shop", "advocate", "email_normalized"),)
        indexes = (("shop_id", "email_normalized"), ("advocate_id",), ("claimed_at",))


class Referral(Model):
    """Advocate + friend + what qualified it; a state machine. One per qualifying key, by constraint."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="referrals", on_delete=fields.CASCADE
    )
    advocate: fields.ForeignKeyRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="referrals", on_delete=fields.CASCADE
    )
    # The idempotency key of the credit: "order:{id}" or "signup:{friend}" (milestones).
    qualifying_key = fields.CharField(max_length=255)
    order_id = fields.CharField(max_length=64, null=True)
    stage = fields.CharField(max_length=32, default="purchase")
    friend_customer_id = fields.CharField(max_length=64, null=True)
    friend_email = fields.CharField(max_length=320, null=True)
    state = fields.CharField(max_length=16)
    state_reason = fields.CharField(max_length=64, null=True)
    program_version = fields.IntField()
    hold_until = fields.DatetimeField(null=True)
    currency = fields.CharField(max_length=3)
    order_subtotal = fields.DecimalField(max_digits=14, decimal_places=4, default=0)
    order_total = fields.DecimalField(max_digits=14, decimal_places=4, default=0)
    refunded = fields.DecimalField(max_digits=14, decimal_places=4, default=0)
    winning_signal = fields.CharField(max_length=32, null=True)
    evidence: list[dict[str, Any]] = fields.JSONField(default=list)
    findings: list[dict[str, Any]] = fields.JSONField(default=list)
    # The rewards it earns (encoded domain RewardPlans, beneficiaries included), kept from the
    # decision until approval writes Reward rows; a partial refund recomputes them.
    reward_plans: list[dict[str, Any]] = fields.JSONField(default=list)
    # The money value of those rewards in the order's currency, for the program's budget.
    reward_value = fields.DecimalField(max_digits=14, decimal_places=4, default=0)
    # When the order was placed (a sign-up: when it was recorded); caps and velocity count by it.
    placed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    PII_FIELDS = ("friend_email", "friend_customer_id", "evidence", "findings", "reward_plans")

    class Meta:
        table = "referral"
        unique_together = (("shop", "qualifying_key"),)
        # The admin's lists: newest first (of all, or in a state), and by the date they were made.
        indexes = (
            ("shop", "state"),
            ("state", "hold_until"),
            ("advocate_id", "placed_at"),
            ("shop", "id"),
            ("shop", "state", "id"),
            ("shop", "created_at"),
            ("shop", "placed_at"),
        )


class ShopTally(Model):
    """A running count of a shop's rows: its advocates, link clicks, and referrals by state.

    Kept in the transaction of every change it counts, so the admin's overview reads a few rows
    instead of counting millions. Each count is split over a few shards (by advocate id), so
    writers of one shop rarely wait on one row.
    """

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="tallies", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=32)  # advocates | clicks | referrals.<state>
    shard = fields.SmallIntField()
    n = fields.BigIntField(default=0)

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "shop_tally"
        unique_together = (("shop", "name", "shard"),)


class ReferralEvent(Model):
    """One recorded transition of a referral, with what caused it (delivery, job or person)."""

    id = fields.BigIntField(primary_key=True)
    referral: fields.ForeignKeyRelation[Referral] = fields.ForeignKeyField(
        "models.Referral", related_name="events", on_delete=fields.CASCADE
    )
    from_state = fields.CharField(max_length=16, null=True)
    to_state = fields.CharField(max_length=16)
    event = fields.CharField(max_length=32)
    reason = fields.CharField(max_length=64, null=True)
    cause_kind = fields.CharField(max_length=16)  # delivery | job | person
    cause_ref = fields.CharField(max_length=255)  # delivery id, job name, or who decided
    note = fields.TextField(default="")
    at = fields.DatetimeField()

    PII_FIELDS = ()

    class Meta:
        table = "referral_event"
        indexes = (("referral_id", "at"),)


class Reward(Model):
    """What one side receives. Also the outbox: issuing happens later, outside any transaction."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="rewards", on_delete=fields.CASCADE
    )
    referral: fields.ForeignKeyNullableRelation[Referral] = fields.ForeignKeyField(
        "models.Referral", related_name="rewards", null=True, on_delete=fields.CASCADE
    )
    advocate: fields.ForeignKeyNullableRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="rewards", null=True, on_delete=fields.CASCADE
    )
    # Deterministic: the same decision always yields the same key, so a retry cannot double it.
    idempotency_key = fields.CharField(max_length=255)
    side = fields.CharField(max_length=16)  # advocate | friend | partner
    kind = fields.CharField(max_length=32)  # connector.domain.program.kinds.RewardKind
    amount = fields.DecimalField(max_digits=14, decimal_places=4, null=True)
    currency = fields.CharField(max_length=3, null=True)
    # What the store was asked for when it differs from amount/currency (the shop's money, which
    # budgets and analytics count): store credit in the currency the recipient shops in.
    issued_amount = fields.DecimalField(max_digits=14, decimal_places=4, null=True)
    issued_currency = fields.CharField(max_length=3, null=True)
    points = fields.BigIntField(null=True)
    # Who receives it in the store (customer id) or by email; charity cause; partner account.
    recipient_customer_id = fields.CharField(max_length=64, null=True)
    recipient_email = fields.CharField(max_length=320, null=True)
    charity_cause = fields.CharField(max_length=128, null=True)
    # A free product: the store's product (and variant) the code is limited to, and its name.
    product_id = fields.CharField(max_length=64, null=True)
    variant_id = fields.CharField(max_length=64, null=True)
    product_name = fields.CharField(max_length=120, null=True)
    code = fields.CharField(max_length=64, null=True)
    platform_ref = fields.CharField(max_length=255, null=True)
    # RewardStatus: pending -> issued | recorded | failed; a refund: -> deactivate_pending ->
    # deactivated | clawback (a reward that never reached the store goes straight to deactivated).
    status = fields.CharField(max_length=24, default=RewardStatus.PENDING.value)
    reason = fields.CharField(max_length=64, null=True)
    expires_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    lease_token = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    issued_at = fields.DatetimeField(null=True)
    # When an order used the reward's code: a used reward is clawed back, not deactivated.
    used_at = fields.DatetimeField(null=True)
    # A cash or donation record a person paid out (services.rewards.payouts): when, who, the reference.
    paid_at = fields.DatetimeField(null=True)
    paid_by = fields.CharField(max_length=320, null=True)
    payout_reference = fields.CharField(max_length=255, null=True)
    # A menu reward awaiting the advocate's pick: when the default is issued without one.
    choice_due_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    PII_FIELDS = ("recipient_email", "recipient_customer_id")

    class Meta:
        table = "reward"
        unique_together = (("shop", "idempotency_key"),)
        indexes = (
            ("status", "choice_due_at"),
            ("status", "next_attempt_at"),
            ("shop_id", "code"),
            ("referral_id",),
            ("advocate_id",),
            # Reminders before a reward code expires read a shop's issued rewards by expiry.
            ("shop", "status", "expires_at"),
        )


class RewardChoice(Model):
    """The pick of a menu reward: which choice, by whom (the advocate, or the default after the
    wait). One per referral and side, by constraint, so a second or concurrent pick cannot issue
    a second reward; `request_key` (the pick's idempotency key) makes a repeated request a replay.
    """

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="reward_choices", on_delete=fields.CASCADE
    )
    referral: fields.ForeignKeyRelation[Referral] = fields.ForeignKeyField(
        "models.Referral", related_name="choices", on_delete=fields.CASCADE
    )
    reward: fields.OneToOneRelation[Reward] = fields.OneToOneField(
        "models.Reward", related_name="choice", on_delete=fields.CASCADE
    )
    side = fields.CharField(max_length=16)
    choice_id = fields.CharField(max_length=32)
    chosen_by = fields.CharField(max_length=16)  # advocate | default
    request_key = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "reward_choice"
        unique_together = (("referral", "side"), ("shop", "request_key"))


class LedgerEntry(Model):
    """An append-only points or credit entry; a reversal is a new entry, never an edit."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="ledger", on_delete=fields.CASCADE
    )
    advocate: fields.ForeignKeyRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="ledger", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)  # earn | redeem | expire | reverse | adjust
    points = fields.BigIntField()  # signed
    reference = fields.CharField(max_length=255, default="")
    idempotency_key = fields.CharField(max_length=255)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    PII_FIELDS = ()

    class Meta:
        table = "ledger_entry"
        unique_together = (("shop", "idempotency_key"),)
        # (shop, reference): an order's entries, read each time a delivery of it is applied.
        indexes = (("advocate_id", "id"), ("expires_at",), ("shop", "reference"))


class StampEntry(Model):
    """Stamps on a member's stamp card: an order's stamps, or a refund taking some back."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="stamp_entries", on_delete=fields.CASCADE
    )
    advocate: fields.ForeignKeyRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="stamp_entries", on_delete=fields.CASCADE
    )
    stamps = fields.IntField()  # signed
    reference = fields.CharField(max_length=255)  # order:{id}
    idempotency_key = fields.CharField(max_length=255)
    created_at = fields.DatetimeField()

    class Meta:
        table = "stamp_entry"
        unique_together = (("shop", "idempotency_key"),)
        indexes = (("advocate_id", "id"), ("shop", "reference"))


class Adjustment(Model):
    """A person's change to an advocate from the admin: points, a granted reward, a block.

    Who (`actor`) and why (`reason`) are kept with it. A request key, unique per shop, makes a
    repeated request (a double click, a retry) the same adjustment, not a second one.
    """

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="adjustments", on_delete=fields.CASCADE
    )
    advocate: fields.ForeignKeyRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="adjustments", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)  # points | reward | block | unblock
    points = fields.BigIntField(null=True)  # signed, for `points`
    reward: fields.ForeignKeyNullableRelation[Reward] = fields.ForeignKeyField(
        "models.Reward", related_name="adjustments", null=True, on_delete=fields.SET_NULL
    )
    reason = fields.TextField(default="")
    actor = fields.CharField(max_length=320)
    request_key = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField()

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "adjustment"
        unique_together = (("shop", "request_key"),)
        indexes = (("advocate", "id"),)


class SyncState(Model):
    """Reconciliation progress per shop: orders updated up to here have been fed to the inbox."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.OneToOneRelation[Shop] = fields.OneToOneField(
        "models.Shop", related_name="sync_state", on_delete=fields.CASCADE
    )
    synced_until = fields.DatetimeField(null=True)
    last_run_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    orders_fed = fields.BigIntField(default=0)

    PII_FIELDS = ()

    class Meta:
        table = "sync_state"


class AdvocateSignal(Model):
    """Something an advocate was seen with, for the fraud checks to compare a friend's order with:
    the hash of an IP address or user agent (the widget's join and click calls, their own
    orders) or the key of an address their own orders shipped or billed to. Hashes only."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="advocate_signals", on_delete=fields.CASCADE
    )
    advocate: fields.ForeignKeyRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="signals", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)  # ip | user_agent | address
    value = fields.CharField(max_length=64)  # sha256 hex (client_hash, fraud.address_key)
    # Where it was first seen, in words a finding quotes ("joining in the widget").
    source = fields.CharField(max_length=128)
    first_seen_at = fields.DatetimeField()

    PII_FIELDS = ("value",)

    class Meta:
        table = "advocate_signal"
        unique_together = (("advocate", "kind", "value"),)
        indexes = (("shop_id", "first_seen_at"),)


class BlockEntry(Model):
    """One entry of a shop's blocklist: an email, email domain, customer id, IP or address.

    `value` is what the checks compare (a normalized email, a lower-case domain, a customer id,
    the sha256 of an IP address, an address key); `label` is what the merchant typed.
    """

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="block_entries", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16)  # email | domain | customer | ip | address
    value = fields.CharField(max_length=320)
    label = fields.CharField(max_length=500)
    note = fields.TextField(default="")
    created_by = fields.CharField(max_length=320, default="")
    created_at = fields.DatetimeField()

    PII_FIELDS = ("value", "label")

    class Meta:
        table = "block_entry"
        unique_together = (("shop", "kind", "value"),)


# ---------------------------------------------------------------------------------------------
# The storefront: rate-limit counters shared by every web process, and referral-link visits.
# ---------------------------------------------------------------------------------------------


class RateLimitCounter(Model):
    """Hits of one rate-limit subject in one fixed window (services.ratelimit)."""

    id = fields.BigIntField(primary_key=True)
    # A keyed hash of (action, scope, IP or shop): the table never holds a raw IP address.
    subject = fields.CharField(max_length=64)
    window_start = fields.BigIntField()  # epoch seconds
    hits = fields.IntField(default=0)
    expires_at = fields.BigIntField(db_index=True)  # epoch seconds; purged after

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "rate_limit"
        unique_together = (("subject", "window_start"),)


class LinkClick(Model):
    """One visit through an advocate's link: counted for the advocate, nothing kept of the visitor."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="link_clicks", on_delete=fields.CASCADE
    )
    advocate: fields.ForeignKeyRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="link_clicks", on_delete=fields.CASCADE
    )
    clicked_at = fields.DatetimeField()

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "link_click"
        indexes = (("advocate_id", "clicked_at"), ("shop_id",), ("clicked_at",))


# ---------------------------------------------------------------------------------------------
# WooCommerce: one-time connect states, and each connected store's opaque webhook key.
# ---------------------------------------------------------------------------------------------


class WooCommerceConnectState(Model):
    """A one-time state sent to a store's /wc-auth/v1/authorize, spent by the key callback."""

    id = fields.BigIntField(primary_key=True)
    # SHA-256 of the state's random nonce: the nonce itself is never stored.
    digest = fields.CharField(max_length=64, unique=True)
    store_url = fields.CharField(max_length=500)  # the home URL the store's REST index reported
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    # The shop the keys connected, for the return page.
    shop: fields.ForeignKeyNullableRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="woocommerce_states", null=True, on_delete=fields.CASCADE
    )

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "woocommerce_connect_state"
        indexes = (("shop_id",), ("expires_at",))


class WooCommerceLink(Model):
    """A connected store's webhook key (`/webhooks/woocommerce/{key}`) and its webhooks."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.OneToOneRelation[Shop] = fields.OneToOneField(
        "models.Shop", related_name="woocommerce_link", on_delete=fields.CASCADE
    )
    # Random and unguessable; identifies the shop on its webhook URL (never the domain).
    key = fields.CharField(max_length=64, unique=True)
    webhook_ids: list[str] = fields.JSONField(default=list)
    webhooks_checked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "woocommerce_link"


# ---------------------------------------------------------------------------------------------
# Analytics: rollups kept with the events they count (services.analytics).
# ---------------------------------------------------------------------------------------------


class RollupRow(Model):
    """A change to one figure of a shop's day: written in the transaction of the event it counts.

    Rows are only ever inserted (so writers never wait on each other); a figure is the sum of its
    rows, and compaction folds a day's many rows into one. `version` is the program version the
    figure belongs to (0: none, e.g. a widget view or an order that no referral brought).
    """

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="rollups", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    version = fields.IntField(default=0)
    metric = fields.CharField(max_length=48)
    dim = fields.CharField(max_length=64, default="")  # a channel, a fraud check, referred|other
    n = fields.BigIntField(default=0)
    amount = fields.DecimalField(max_digits=18, decimal_places=4, default=0)

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "analytics_rollup"
        indexes = (("shop", "day", "metric"),)


class RollupSource(Model):
    """What one customer or one referral contributes to the rollups now, so a change restates it.

    `source` is `customer:<hash>` (the hash of the store's customer id or email: no personal data)
    or `referral:<id>`; `facts` holds what the figures are computed from (a customer's orders:
    day, net amount, counted, referred), `rows` the rollup rows added for them.
    """

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="rollup_sources", on_delete=fields.CASCADE
    )
    source = fields.CharField(max_length=80)
    facts: dict[str, Any] = fields.JSONField(default=dict)
    rows: list[list[Any]] = fields.JSONField(default=list)

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "analytics_source"
        unique_together = (("shop", "source"),)


# ---------------------------------------------------------------------------------------------
# Outbound webhooks: a merchant's endpoints, the events queued for each, and every attempt.
# ---------------------------------------------------------------------------------------------


class WebhookEndpoint(Model):
    """An HTTPS URL of the merchant's that receives the events it subscribes to, signed."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=2000)
    events: list[str] = fields.JSONField(default=list)
    # Encrypted with connector.crypto.Vault; shown once, when the endpoint is made.
    secret = fields.TextField()
    description = fields.CharField(max_length=255, default="")
    active = fields.BooleanField(default=True)
    created_by = fields.CharField(max_length=320, default="")
    created_at = fields.DatetimeField()

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "webhook_endpoint"
        indexes = (("shop_id", "active"),)


class WebhookMessage(Model):
    """One event for one endpoint: written with the event, sent (and retried) by the worker.

    `event_key` names the event once (e.g. `referral.credited:42`), unique per endpoint, so an
    event written twice is sent once. The payload holds ids and amounts, no personal data.
    """

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="webhook_messages", on_delete=fields.CASCADE
    )
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="messages", on_delete=fields.CASCADE
    )
    event = fields.CharField(max_length=48)
    event_key = fields.CharField(max_length=255)
    payload: dict[str, Any] = fields.JSONField()
    status = fields.CharField(max_length=16, default="pending")  # pending | delivered | failed
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    lease_token = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True)

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "webhook_message"
        unique_together = (("endpoint", "event_key"),)
        indexes = (("status", "next_attempt_at"), ("endpoint_id", "id"))


class WebhookAttempt(Model):
    """One try at sending a message: when, the answer's status (or the error), how long."""

    id = fields.BigIntField(primary_key=True)
    message: fields.ForeignKeyRelation[WebhookMessage] = fields.ForeignKeyField(
        "models.WebhookMessage", related_name="attempt_log", on_delete=fields.CASCADE
    )
    number = fields.IntField()
    at = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    error = fields.TextField(null=True)
    duration_ms = fields.IntField(default=0)

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "webhook_attempt"
        indexes = (("message_id", "id"),)


# ---------------------------------------------------------------------------------------------
# Notifications: the message outbox, and what a shopper said about being written to.
# ---------------------------------------------------------------------------------------------


class MessageStatus(enum.StrEnum):
    """Where a message stands in the outbox."""

    PENDING = "pending"  # to send: the sender picks it up when due
    SENT = "sent"  # the mail server or WhatsApp accepted it
    SKIPPED = "skipped"  # not sent, and never will be: `reason` says why (off, no consent...)
    DEAD = "dead"  # refused, or out of tries: a person can look and replay it


class Message(Model):
    """One notification to one recipient, written in the transaction of the event that causes it.

    `key` is unique per shop (kind, event and recipient), so the event's retries and replays
    write it once; the sender puts it in the Message-ID, so a resend after a crash is the same
    message to a mail client. The rendered subject and bodies are kept 30 days, then erased.
    """

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="messages", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=255)
    kind = fields.CharField(max_length=48)
    channel = fields.CharField(max_length=16, default="email")  # email | whatsapp
    audience = fields.CharField(max_length=16)  # shopper | merchant
    marketing = fields.BooleanField(default=False)
    recipient = fields.CharField(max_length=320)  # an address or a phone number
    customer_id = fields.CharField(max_length=64, null=True)
    advocate: fields.ForeignKeyNullableRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    locale = fields.CharField(max_length=16, default="en")
    context: dict[str, Any] = fields.JSONField(default=dict)  # the placeholders' values
    status = fields.CharField(max_length=16, default=MessageStatus.PENDING.value)
    reason = fields.CharField(max_length=64, null=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    lease_token = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    subject = fields.TextField(null=True)
    body_text = fields.TextField(null=True)
    body_html = fields.TextField(null=True)
    message_id = fields.CharField(max_length=320, null=True)
    sent_at = fields.DatetimeField(null=True)
    bodies_erased_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    PII_FIELDS = ("recipient", "customer_id", "context", "subject", "body_text", "body_html")

    class Meta:
        table = "message"
        unique_together = (("shop", "key"),)
        indexes = (
            ("status", "next_attempt_at"),
            ("shop", "id"),
            ("shop", "recipient"),
            ("advocate_id",),
            ("created_at",),
        )


class MessageConsent(Model):
    """A shopper's word on one channel: opted in (WhatsApp from the widget) or unsubscribed."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="message_consents", on_delete=fields.CASCADE
    )
    channel = fields.CharField(max_length=16)  # email | whatsapp
    address = fields.CharField(max_length=320)  # normalized email, or E.164 phone number
    customer_id = fields.CharField(max_length=64, null=True)
    advocate: fields.ForeignKeyNullableRelation[Advocate] = fields.ForeignKeyField(
        "models.Advocate", related_name="message_consents", null=True, on_delete=fields.CASCADE
    )
    state = fields.CharField(max_length=16)  # opted_in | unsubscribed
    source = fields.CharField(max_length=32)  # widget | one_click | link | admin
    at = fields.DatetimeField()

    PII_FIELDS = ("address", "customer_id")

    class Meta:
        table = "message_consent"
        unique_together = (("shop", "channel", "address"),)
        indexes = (("advocate_id",),)


class MessageCursor(Model):
    """How far a shop's scheduled messages (asks, reminders) have looked: events up to `until`."""

    id = fields.BigIntField(primary_key=True)
    shop: fields.ForeignKeyRelation[Shop] = fields.ForeignKeyField(
        "models.Shop", related_name="message_cursors", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=48)  # the job: purchase_ask | winback_ask | ...
    until = fields.DatetimeField()

    PII_FIELDS: tuple[str, ...] = ()

    class Meta:
        table = "message_cursor"
        unique_together = (("shop", "name"),)
