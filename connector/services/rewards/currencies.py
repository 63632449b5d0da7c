"""The currency a store-credit reward is issued in: the one its recipient shops in.

A store-credit account is kept per currency on Shopify (`storeCreditAccountCredit` takes a
MoneyInput with its `currencyCode`; the schema's errors include MISMATCHING_CURRENCY), so a
recipient who pays in EUR is credited in EUR: the program's own amount for EUR if it names one,
else the shop-money value converted at the rate of the recipient's most recent order. The
reward row keeps its shop-money value for budgets and analytics, and `issued_*` what was asked.
"""

from __future__ import annotations

from decimal import Decimal

from connector.domain.money import Money
from connector.domain.program import RewardRule
from connector.domain.rewards.amounts import issued_in
from connector.services.base.rows import fk
from connector.services.referrals.records import plans_from_json
from connector.store.models import OrderRecord, Referral, Reward, Shop


async def _rule(reward: Reward) -> tuple[RewardRule | None, Decimal]:
    """The rule (and campaign multiplier) the reward was planned from, when a referral planned it."""
    referral_id = fk(reward, "referral")
    referral = await Referral.get_or_none(id=referral_id) if referral_id is not None else None
    if referral is None:
        return None, Decimal(1)
    for plan in plans_from_json(referral.reward_plans):
        if plan.idempotency_key == reward.idempotency_key:
            return plan.rule, plan.multiplier
    return None, Decimal(1)


async def issue_money(shop: Shop, reward: Reward, customer_id: str, value: Money) -> Money:
    """What to credit `customer_id` for a reward worth `value` in the shop's money."""
    latest = (
        await OrderRecord.filter(shop_id=shop.id, customer_id=customer_id)
        .order_by("-order_created_at", "-id")
        .first()
    )
    if latest is None or not latest.presentment_currency:
        return value
    rule, multiplier = await _rule(reward)
    return issued_in(value, latest.presentment_currency, latest.exchange_rate, rule, multiplier)
