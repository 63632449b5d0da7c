"""What the merchant's admin API needs that no other service offers.

The shop a verified session speaks for, one advocate with their numbers, and replaying one of
the shop's own deliveries. Every function takes the shop and looks only at its rows, so a
merchant can never reach another shop's data by guessing an id.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeAlias

from tortoise.functions import Count

from connector.domain.referral import ReferralState
from connector.domain.rules.budget import period_start
from connector.errors import ConnectorError
from connector.services.admin.adjustments import AdjustmentRow, recent_adjustments
from connector.services.admin.overview import budget_state
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.pipeline.deliveries import replay
from connector.services.referrals.advocates import AdvocateRow, advocate_row, link_clicks
from connector.services.referrals.programs import live_program
from connector.services.rewards.loyalty import balance
from connector.services.rewards.retry import retry_rewards
from connector.store.models import (
    Advocate,
    Delivery,
    DeliveryStatus,
    LedgerEntry,
    Referral,
    Reward,
    RewardStatus,
    Shop,
    ShopStatus,
)

# The shop an admin call acts for, named here so the routes can type it without the store.
AdminShop: TypeAlias = Shop
DELIVERY_STATUSES = tuple(s.value for s in DeliveryStatus)
SHOP_STATUSES = tuple(s.value for s in ShopStatus)
# How many of an advocate's newest friends and adjustments one advocate's page shows.
RECENT = 20
ALERT_KINDS = ("rewards_failing", "deliveries_dead", "budget_warning", "budget_reached")
REWARDS = 50
LEDGER = 50  # a member's newest points movements on their page


class ShopNotInstalled(ConnectorError, LookupError):
    """The session is valid but the shop has not installed the app (or has uninstalled it)."""


class NotFound(ConnectorError, LookupError):
    """No such row in this shop (another shop's row is reported the same way)."""


@dataclass(frozen=True)
class AdvocateReward:
    """One reward an advocate earned (or was given back), as the merchant sees it."""

    id: int
    referral_id: int | None
    side: str
    kind: str
    amount: Decimal | None
    currency: str | None
    points: int | None
    code: str | None
    status: str
    reason: str | None
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True)
class Friend:
    """A friend the advocate referred: their referral, who they are, and where it stands."""

    referral_id: int
    email: str | None
    customer_id: str | None
    order_id: str | None
    state: str
    created_at: datetime


@dataclass(frozen=True)
class LedgerLine:
    """One movement of a member's points, as the merchant sees it (newest first)."""

    id: int
    kind: str  # earn | redeem | expire | reversal | refund | adjust
    points: int
    reference: str
    expires_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class AcceptedTerms:
    """The program terms an advocate accepted to join: their version, and when."""

    version: int
    accepted_at: datetime | None


@dataclass(frozen=True)
class AdvocateStats:
    """An advocate, their referrals counted by state, rewards, points, clicks, friends, changes."""

    advocate: AdvocateRow
    referrals: dict[str, int]
    rewards: tuple[AdvocateReward, ...]
    points: int
    clicks: int
    friends: tuple[Friend, ...]
    adjustments: tuple[AdjustmentRow, ...]
    vip_tier: str | None
    ledger: tuple[LedgerLine, ...]
    terms: AcceptedTerms | None  # None: they joined while the program had no terms


async def admin_shop(platform: str, domain: str) -> Shop:
    """The installed shop a verified session names; ShopNotInstalled if there is none."""
    shop = await Shop.get_or_none(platform=platform, domain=domain)
    if shop is None or shop.status == ShopStatus.UNINSTALLED:
        raise ShopNotInstalled(
            f"{domain} has not installed the app: open it from the admin to install it"
        )
    return shop


def _reward(r: Reward) -> AdvocateReward:
    return AdvocateReward(
        id=r.id,
        referral_id=fk(r, "referral"),
        side=r.side,
        kind=r.kind,
        amount=r.amount,
        currency=r.currency,
        points=r.points,
        code=r.code,
        status=r.status,
        reason=r.reason,
        last_error=r.last_error,
        created_at=r.created_at,
    )


async def advocate_stats(shop: Shop, advocate_id: int) -> AdvocateStats:
    """One of the shop's advocates with their numbers; NotFound if the shop has no such advocate."""
    advocate = await Advocate.get_or_none(id=advocate_id, shop_id=shop.id)
    if advocate is None:
        raise NotFound(f"no advocate {advocate_id}")
    states = await (
        Referral.filter(shop_id=shop.id, advocate_id=advocate.id)
        .annotate(n=Count("id"))
        .group_by("state")
        .values_list("state", "n")
    )
    # Every state is listed, zeros included, so a dashboard needs no list of its own.
    counted = Counter({str(s): int(n) for s, n in states})
    # The newest only: a popular advocate has as many rewards as friends.
    rewards = await (
        Reward.filter(shop_id=shop.id, advocate_id=advocate.id).order_by("-id").limit(REWARDS)
    )
    newest = await (
        Referral.filter(shop_id=shop.id, advocate_id=advocate.id)
        .order_by("-id")
        .limit(RECENT)
    )
    return AdvocateStats(
        advocate=advocate_row(shop, advocate),
        referrals={state.value: counted[state.value] for state in ReferralState},
        rewards=tuple(_reward(r) for r in rewards),
        points=await balance(shop.id, advocate.id),
        clicks=await link_clicks(advocate),
        friends=tuple(
            Friend(r.id, r.friend_email, r.friend_customer_id, r.order_id, r.state, r.created_at)
            for r in newest
        ),
        adjustments=tuple(await recent_adjustments(shop, advocate.id, RECENT)),
        vip_tier=advocate.vip_tier,
        ledger=tuple(
            LedgerLine(e.id, e.kind, e.points, e.reference, e.expires_at, e.created_at)
            for e in await LedgerEntry.filter(shop_id=shop.id, advocate_id=advocate.id)
            .order_by("-id")
            .limit(LEDGER)
        ),
        terms=None
        if advocate.terms_version is None
        else AcceptedTerms(advocate.terms_version, advocate.terms_accepted_at),
    )


@dataclass(frozen=True)
class Alert:
    """Something the merchant should act on: what, how many, since when, and what to do."""

    kind: str  # one of ALERT_KINDS
    count: int
    since: datetime
    message: str


async def alerts(shop: Shop, runtime: Runtime) -> list[Alert]:
    """What is wrong in this shop now: rewards that failed, deliveries that were dead-lettered,
    and the program's rewards budget past its warning level or spent."""
    found: list[Alert] = []
    found.extend(await _budget_alerts(runtime, shop))
    failed = Reward.filter(shop_id=shop.id, status=RewardStatus.FAILED)
    count = await failed.count()
    first = await failed.order_by("updated_at").first()
    if count and first is not None:
        found.append(Alert(
            "rewards_failing", count, first.updated_at,
            f"{count} reward(s) could not be issued; each says why. Once the cause is fixed,"
            " retry them (POST /admin/api/rewards/{id}/retry).",
        ))  # fmt: skip
    dead = Delivery.filter(platform=shop.platform, shop_domain=shop.domain, status="dead")
    count = await dead.count()
    oldest = await dead.order_by("received_at").first()
    if count and oldest is not None:
        found.append(Alert(
            "deliveries_dead", count, oldest.received_at,
            f"{count} webhook deliveries could not be processed; each says why. Replay them"
            " once fixed (POST /admin/api/deliveries/{id}/replay).",
        ))  # fmt: skip
    return found


async def _budget_alerts(runtime: Runtime, shop: Shop) -> list[Alert]:
    program = (await live_program(runtime, shop)).program
    state = await budget_state(runtime, shop, program)
    if state is None or state.level == "ok" or program.budget is None:
        return []
    used = f"{state.used} of {state.amount} {state.currency} ({state.percent}%)"
    message = (
        f"The {state.period} rewards budget is spent: {used}. New referrals wait for your review"
        " (approve them to go over the budget, or raise it on the Program page)."
        if state.level == "reached"
        else f"The {state.period} rewards budget is {state.percent}% used: {used}."
    )
    since = period_start(runtime.now(), program.budget.period)
    return [Alert(f"budget_{state.level}", 1, since, message)]


async def retry_reward(runtime: Runtime, shop: Shop, reward_id: int) -> str | None:
    """Queue one of the shop's failed rewards again; None when queued, else why not.

    NotFound when the reward is not the shop's.
    """
    if not await Reward.exists(id=reward_id, shop_id=shop.id):
        raise NotFound(f"no reward {reward_id}")
    done = await retry_rewards(runtime, [reward_id], shop=shop)
    return done.refused[0][1] if done.refused else None


async def replay_delivery(shop: Shop, delivery_id: int, now: datetime) -> bool:
    """Queue one of the shop's deliveries again; False while a worker is processing it.

    NotFound when the delivery is not the shop's (its platform and domain must both match).
    """
    owned = await Delivery.exists(id=delivery_id, platform=shop.platform, shop_domain=shop.domain)
    if not owned:
        raise NotFound(f"no delivery {delivery_id}")
    # `replay` skips a delivery being processed, so its count says which it was, race-free.
    return await replay([delivery_id], now) == 1
