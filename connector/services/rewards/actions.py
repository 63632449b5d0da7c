"""What issuing or taking back one reward does in the store, kind by kind (see rewards.issuing).

Each function may call the store and returns a `Result` for the outbox to record; none writes
anything but the lease-guarded marks that must be durable *before* a store call:

- a discount reward's code (HMAC of its idempotency key under a key derived from the encryption
  key) is saved first, so every retry, even after a key rotation, asks for the same code;
- store credit is marked sent (`platform_ref` = `CREDIT_SENT`) first, because Shopify's credit
  mutation has no idempotency key: a try that finds the mark, or a failure after which the credit
  may have landed (5xx, a read timeout) ends `failed` with reason `store_credit_unconfirmed` and
  is never sent again until a person has checked the store (`issuing.confirm_store_credit`). A
  request that surely never left (RequestNotSent: no connection) is retried like any outage;
- a gift card's code (letters and digits, from the same key) is saved first too: the store takes
  it as the card's code, so a retry after a lost answer finds the card made the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from connector.domain.codes import gift_card_code, reward_code
from connector.domain.money import Money as DomainMoney
from connector.domain.program import CombinesWith
from connector.domain.program.kinds import CODE_KINDS, RewardKind
from connector.domain.rewards import loyalty as points_ledger
from connector.errors import LeaseLost
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import live_program
from connector.services.rewards.currencies import issue_money
from connector.services.rewards.loyalty import advocate_ledger, points_expiry
from connector.services.rewards.outbox import Lease, guarded
from connector.services.rewards.vip import is_standing, is_tag
from connector.services.shops.tokens import fresh_credentials
from connector.store.models import Advocate, Referral, Reward, RewardStatus, Shop
from platforms.base import (
    DiscountKind,
    DiscountRef,
    DiscountSpec,
    GiftCardRef,
    GiftCardSpec,
    Money,
    PlatformAuthError,
    PlatformRateLimited,
    PlatformRejected,
    PlatformUnavailable,
)
from platforms.retrying import RequestNotSent

CODE_PREFIX = "REWARD"
# In platform_ref until the store's transaction id replaces it: the credit may be in the store.
CREDIT_SENT = "store-credit-sent"
CREDIT_UNCONFIRMED = "store_credit_unconfirmed"
NO_OWNER = "no_owner"
NO_CURRENCY = "XXX"  # ISO 4217 for "no currency": a percentage discount has none
_DISCOUNT_KIND = {
    RewardKind.PERCENTAGE_DISCOUNT: DiscountKind.PERCENTAGE,
    RewardKind.FIXED_DISCOUNT: DiscountKind.FIXED_AMOUNT,
    RewardKind.FREE_SHIPPING: DiscountKind.FREE_SHIPPING,
    RewardKind.FREE_PRODUCT: DiscountKind.FREE_PRODUCT,
}


@dataclass(frozen=True)
class Result:
    """What one try achieved, for the outbox to record under the lease."""

    status: str
    code: str | None = None
    platform_ref: str | None = None
    reason: str | None = None
    error: str | None = None
    ledger: tuple[dict[str, Any], ...] = ()  # entries to append in the same transaction
    code_status: str | None = None  # the reward code's DiscountCode row: active | disabled


def failed(error: str, reason: str | None = None) -> Result:
    """A reward that cannot be issued: a person must look."""
    return Result(RewardStatus.FAILED.value, reason=reason, error=error)


def error_text(exc: Exception) -> str:
    """An exception as stored in `last_error`."""
    return f"{type(exc).__name__}: {exc}"[:2000]


def code_for(runtime: Runtime, idempotency_key: str) -> str:
    """The deterministic discount code of the reward with this idempotency key."""
    key = runtime.derived_key("connector/reward-codes")
    return reward_code(key, idempotency_key, CODE_PREFIX)


def gift_card_code_for(runtime: Runtime, idempotency_key: str) -> str:
    """The deterministic gift card code of the reward with this idempotency key."""
    return gift_card_code(runtime.derived_key("connector/reward-codes"), idempotency_key)


@dataclass(frozen=True)
class Owner:
    """Who a reward belongs to, as far as we know them: their store customer id and email."""

    customer_id: str | None
    email: str | None


def discount_spec(
    reward: Reward,
    code: str,
    owner: Owner,
    now: datetime,
    combines: CombinesWith,
) -> DiscountSpec:
    """The store discount for a discount reward: single use, bound to its owner.

    Both the customer id and the email we hold go to the adapter, which binds the code with
    whichever its store accepts (Shopify: a customer it knows, else the one with that email;
    WooCommerce: the email), so nobody else who learns the code can spend it.
    """
    kind = _DISCOUNT_KIND[RewardKind(reward.kind)]
    currency = reward.currency or NO_CURRENCY
    value = reward.amount or Decimal(0)
    if kind is DiscountKind.FIXED_AMOUNT:
        value = DomainMoney(value, currency).quantized().amount
        label = f"{value} {currency} off"
    elif kind is DiscountKind.FREE_PRODUCT:
        value = DomainMoney(value, currency).quantized().amount
        label = f"free {reward.product_name or 'product ' + str(reward.product_id)}"
    elif kind is DiscountKind.PERCENTAGE:
        value = value.normalize()
        label = f"{value:f}% off"
    else:
        label = "free shipping"
    # A VIP tier's perk stands while the tier is held: any number of its owner's orders.
    standing = is_standing(reward)
    return DiscountSpec(
        code=code,
        title=f"{'VIP perk' if standing else 'Referral reward'}: {label} ({code})",
        kind=kind,
        value=value,
        currency=currency,
        starts_at=now,
        ends_at=reward.expires_at,
        usage_limit=None if standing else 1,
        once_per_customer=not standing,
        customer_ids=(owner.customer_id,) if owner.customer_id else (),
        emails=(owner.email,) if owner.email else (),
        combines_with_order=combines.order,
        combines_with_product=combines.product,
        combines_with_shipping=combines.shipping,
        product_ids=(reward.product_id,) if reward.product_id else (),
        variant_ids=(reward.variant_id,) if reward.variant_id else (),
    )


async def _owner(reward: Reward) -> Owner:
    """Who the reward belongs to: the row's recipient, else (not for a friend) its advocate."""
    customer_id, email = reward.recipient_customer_id, reward.recipient_email
    if (not customer_id or not email) and fk(reward, "advocate") and reward.side != "friend":
        advocate = await Advocate.get_or_none(id=fk(reward, "advocate"))
        if advocate is not None:
            customer_id = customer_id or advocate.customer_id
            email = email or advocate.email
    return Owner(customer_id or None, email or None)


async def _recipient(reward: Reward) -> str | None:
    """The store customer the reward belongs to (store credit needs one)."""
    return (await _owner(reward)).customer_id


async def _mark(lease: Lease, runtime: Runtime, **values: Any) -> None:
    if not await guarded(lease, runtime, **values):
        raise LeaseLost(f"reward {lease.reward_id} was leased by another worker")


# -- issuing ---------------------------------------------------------------------------------


async def issue(runtime: Runtime, shop: Shop, reward: Reward, lease: Lease) -> Result:
    """Put a pending reward into the store, or record it when nothing is to be created there."""
    if is_tag(reward):
        return await _tag(runtime, shop, reward, add=True)
    kind = RewardKind(reward.kind)
    if kind in CODE_KINDS:
        return await _discount(runtime, shop, reward, lease)
    if kind is RewardKind.GIFT_CARD:
        return await _gift_card(runtime, shop, reward, lease)
    if kind is RewardKind.STORE_CREDIT:
        return await _store_credit(runtime, shop, reward, lease)
    if kind is RewardKind.POINTS:
        return await _points(runtime, shop, reward)
    # Cash and charity donations: nothing to create in a store; a person pays them out.
    return Result(RewardStatus.RECORDED.value)


async def _discount(runtime: Runtime, shop: Shop, reward: Reward, lease: Lease) -> Result:
    now = runtime.now()
    if reward.expires_at is not None and reward.expires_at <= now:
        return failed("the reward expired before it could be issued")
    code = reward.code
    if code is None:
        code = code_for(runtime, reward.idempotency_key)
        await _mark(lease, runtime, code=code)
    # Which discounts it combines with is the shop's checkout policy now, as for friend codes.
    combines = (await live_program(runtime, shop)).program.combines_with
    owner = await _owner(reward)
    if owner.customer_id is None and owner.email is None:
        return failed("the reward has no owner to bind its code to", reason=NO_OWNER)
    spec = discount_spec(reward, code, owner, now, combines)
    creds = await fresh_credentials(runtime, shop)
    ref = await runtime.adapter(shop.platform).create_discount(creds, spec)
    return Result(
        RewardStatus.ISSUED.value, code=code, platform_ref=ref.platform_id, code_status="active"
    )


async def _gift_card(runtime: Runtime, shop: Shop, reward: Reward, lease: Lease) -> Result:
    now = runtime.now()
    if reward.expires_at is not None and reward.expires_at <= now:
        return failed("the reward expired before it could be issued")
    if reward.amount is None or reward.currency is None:
        return failed("a gift card cannot be issued: no amount")
    owner = await _owner(reward)
    if owner.customer_id is None and owner.email is None:
        return failed("the gift card has no owner to give it to", reason=NO_OWNER)
    code = reward.code
    if code is None:
        code = gift_card_code_for(runtime, reward.idempotency_key)
        await _mark(lease, runtime, code=code)
    amount = DomainMoney(reward.amount, reward.currency).quantized().amount
    spec = GiftCardSpec(
        code=code,
        amount=Money(amount, reward.currency),
        note=f"Referral reward {reward.idempotency_key}",
        customer_id=owner.customer_id,
        email=owner.email,
        expires_on=reward.expires_at.date() if reward.expires_at is not None else None,
    )
    creds = await fresh_credentials(runtime, shop)
    ref = await runtime.adapter(shop.platform).create_gift_card(creds, spec)
    return Result(RewardStatus.ISSUED.value, code=code, platform_ref=ref.platform_id)


def _unconfirmed(reward: Reward, why: str) -> Result:
    return failed(
        f"store credit of {reward.issued_amount or reward.amount}"
        f" {reward.issued_currency or reward.currency} may or may not have reached the"
        f" store ({why}); check the customer's store credit, then confirm or resend it",
        reason=CREDIT_UNCONFIRMED,
    )


async def _store_credit(runtime: Runtime, shop: Shop, reward: Reward, lease: Lease) -> Result:
    if reward.platform_ref == CREDIT_SENT:
        return _unconfirmed(reward, "an earlier try sent it and never saw the answer")
    customer_id = await _recipient(reward)
    if customer_id is None:
        return failed("store credit cannot be issued: no store customer to credit")
    if reward.amount is None or reward.currency is None:
        return failed("store credit cannot be issued: no amount")
    value = DomainMoney(reward.amount, reward.currency).quantized()
    # In the currency the customer shops in, kept with the mark so a resend asks the same.
    issued = await issue_money(shop, reward, customer_id, value)
    creds = await fresh_credentials(runtime, shop)
    await _mark(
        lease, runtime, platform_ref=CREDIT_SENT,
        issued_amount=issued.amount if issued != value else None,
        issued_currency=issued.currency if issued != value else None,
    )  # fmt: skip
    try:
        credited = await runtime.adapter(shop.platform).credit_store_credit(
            creds, customer_id, Money(issued.amount, issued.currency)
        )
    except (RequestNotSent, PlatformRateLimited, PlatformAuthError, PlatformRejected):
        # Never sent, or refused before the mutation ran: nothing was credited, the mark goes.
        await _mark(lease, runtime, platform_ref=None)
        raise
    except PlatformUnavailable as exc:
        return _unconfirmed(reward, error_text(exc))
    return Result(RewardStatus.ISSUED.value, platform_ref=credited.transaction_id or "credited")


async def _points(runtime: Runtime, shop: Shop, reward: Reward) -> Result:
    if fk(reward, "advocate") is None or not reward.points or reward.points <= 0:
        return failed("a points reward needs an advocate and a positive number of points")
    version = None
    if fk(reward, "referral") is not None:
        referral = await Referral.get_or_none(id=fk(reward, "referral"))
        version = referral.program_version if referral is not None else None
    now = runtime.now()
    expires_at = reward.expires_at or await points_expiry(runtime, shop, version, now)
    entry = {
        "kind": points_ledger.EntryKind.EARN.value,
        "points": int(reward.points),
        "idempotency_key": reward.idempotency_key,
        "reference": f"reward:{reward.id}",
        "expires_at": expires_at,
    }
    return Result(RewardStatus.RECORDED.value, ledger=(entry,))


async def _tag(runtime: Runtime, shop: Shop, reward: Reward, *, add: bool) -> Result:
    """A VIP tier's tag on its member's customer record: put on when the tier is entered, taken
    off when it is lost. Both are safe to repeat, so a retry after a lost answer is harmless."""
    tag = reward.platform_ref
    customer_id = await _recipient(reward)
    if not tag or customer_id is None:
        if not add:
            return Result(RewardStatus.DEACTIVATED.value, reason="never_issued")
        return failed("the tier's tag needs a store customer to tag", reason=NO_OWNER)
    creds = await fresh_credentials(runtime, shop)
    adapter = runtime.adapter(shop.platform)
    if add:
        await adapter.tag_customer(creds, customer_id, tag)
        return Result(RewardStatus.ISSUED.value, platform_ref=tag)
    await adapter.untag_customer(creds, customer_id, tag)
    return Result(RewardStatus.DEACTIVATED.value)


# -- taking back -----------------------------------------------------------------------------


async def take_back(runtime: Runtime, shop: Shop, reward: Reward) -> Result:
    """Undo a reward after a refund: deactivate it, reverse it, or record it as owed."""
    if is_tag(reward):
        return await _tag(runtime, shop, reward, add=False)
    kind = RewardKind(reward.kind)
    if kind in CODE_KINDS:
        return await _disable_code(runtime, shop, reward)
    if kind is RewardKind.GIFT_CARD:
        if reward.code is None:
            return Result(RewardStatus.DEACTIVATED.value, reason="never_issued")
        # Without a saved ref the card may still exist; the adapter finds it by its code.
        card = GiftCardRef(reward.code, reward.platform_ref or "")
        creds = await fresh_credentials(runtime, shop)
        await runtime.adapter(shop.platform).disable_gift_card(creds, card)
        return Result(RewardStatus.DEACTIVATED.value)
    if kind is RewardKind.STORE_CREDIT:
        if reward.platform_ref is None:
            return Result(RewardStatus.DEACTIVATED.value, reason="never_issued")
        # The adapters cannot debit store credit: what was (or may have been) given is owed.
        why = (
            CREDIT_UNCONFIRMED
            if reward.platform_ref == CREDIT_SENT
            else "store_credit_not_debitable"
        )
        return Result(RewardStatus.CLAWBACK.value, reason=why)
    if kind is RewardKind.POINTS:
        return await _reverse_points(runtime, reward)
    if reward.platform_ref is not None:  # payouts sets it when a person paid the record
        return Result(RewardStatus.CLAWBACK.value, reason="already_paid")
    return Result(RewardStatus.DEACTIVATED.value)


async def _disable_code(runtime: Runtime, shop: Shop, reward: Reward) -> Result:
    if reward.code is None:
        return Result(RewardStatus.DEACTIVATED.value, reason="never_issued")
    creds = await fresh_credentials(runtime, shop)
    adapter = runtime.adapter(shop.platform)
    # Without a saved ref the code may still exist: a try can create it and die before saving.
    ref = (
        DiscountRef(reward.code, reward.platform_ref)
        if reward.platform_ref
        else await adapter.find_discount(creds, reward.code)
    )
    if ref is not None:
        await adapter.disable_discount(creds, ref)
    return Result(RewardStatus.DEACTIVATED.value, code_status="disabled")


async def _reverse_points(runtime: Runtime, reward: Reward) -> Result:
    advocate_id = fk(reward, "advocate")
    ledger = await advocate_ledger(fk(reward, "shop"), advocate_id) if advocate_id else None
    if ledger is None or ledger.find(reward.idempotency_key) is None:
        return Result(RewardStatus.DEACTIVATED.value, reason="never_issued")
    undone = points_ledger.reverse(ledger, reward.idempotency_key, runtime.now())
    if isinstance(undone, points_ledger.LedgerRefusal):
        # Every point of it was spent already: what was spent is owed back.
        return Result(RewardStatus.CLAWBACK.value, reason="points_spent", error=undone.message)
    entry = undone.entries[-1]
    row = {
        "kind": entry.kind.value,
        "points": entry.points,
        "idempotency_key": entry.entry_id,
        "reference": reward.idempotency_key,
        "expires_at": None,
    }
    return Result(RewardStatus.DEACTIVATED.value, ledger=(row,))
