"""What the storefront widget is told: the program's copy, a link to share, a friend's offer, and
the signed-in advocate's own dashboard.

Privacy is decided here, not in the widget. Someone who only knows a code or an email gets the
offer, a share link and a code: never an email, stats or rewards. Only the customer proven by the
App Proxy signature or the loader plugin's token sees a dashboard, and only their own; it counts
friends but names none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from connector.domain.codes import reward_code
from connector.domain.program import RewardRule
from connector.domain.program.kinds import FriendCodeMode
from connector.domain.reasons import Reason
from connector.services.base import tally
from connector.services.base.messages import (
    OPTED_IN,
    UNSUBSCRIBED,
    record_consent,
    whatsapp_connected,
    whatsapp_number,
)
from connector.services.base.ratelimit import Limit, Verdict, hit
from connector.services.base.runtime import Runtime
from connector.services.referrals import advocates, signups
from connector.services.referrals.programs import live_program
from connector.services.storefront.assets import load_assets, messages, resolve_locale
from connector.store.db import conn
from connector.store.models import Advocate, LinkClick, Referral, Reward, Shop, ShopStatus

MAX_REWARDS_SHOWN = 20
DOMAIN_MAX = 255  # Shop.domain's width
# Per IP they stop one visitor hammering; per shop they cap a distributed flood (addresses can
# be many, so the shop's own limits hold whatever the addresses): a claim makes a discount in
# the store, so claims have the tightest shop limits, per ten minutes and per hour.
LIMITS: Mapping[str, tuple[Limit, ...]] = {
    "join": (Limit("join", "ip", 10, 600), Limit("join", "shop", 300, 600),
             Limit("join", "shop-hour", 1000, 3600)),
    "click": (Limit("click", "ip", 60, 600), Limit("click", "shop", 20_000, 600)),
    "claim": (Limit("claim", "ip", 10, 600), Limit("claim", "shop", 100, 600),
              Limit("claim", "shop-hour", 300, 3600)),
    "whatsapp": (Limit("whatsapp", "ip", 10, 600), Limit("whatsapp", "shop", 300, 600)),
}  # fmt: skip
# The reward statuses a shopper sees: internal steps fold into the nearest public word.
PUBLIC_STATUS = {
    "pending": "pending",
    "failed": "pending",
    "issued": "issued",
    "recorded": "recorded",
    "paid": "recorded",
    "deactivate_pending": "deactivated",
    "deactivated": "deactivated",
    "clawback": "clawback",
}


class ShopUnknown(LookupError):
    """No active shop answers to this platform and domain."""


class NotSignedIn(PermissionError):
    """The request names no signed-in customer, so there is no dashboard to show."""


class NotAdvocate(LookupError):
    """The signed-in customer has not joined the program."""


@dataclass(frozen=True)
class Visitor:
    """Who calls, as the App Proxy signature or a signed token proves it, and from where."""

    platform: str
    shop: str
    customer_id: str | None
    ip: str


# How the widget learns it may remember a referral in the browser: "platform" asks the store's
# own consent API (Shopify's Customer Privacy API; elsewhere nothing is kept until the page
# grants it), "ask" waits for the page to grant it, "granted" needs no consent (the store's
# banner already covers it).
CONSENT_MODES = ("platform", "ask", "granted")


@dataclass(frozen=True)
class StorefrontSettings:
    """A shop's storefront choices, kept in `Shop.settings["storefront"]`."""

    ref_param: str = advocates.DEFAULT_REF_PARAM
    name: str = ""
    url: str = ""  # the storefront's home page, where share links point
    origins: tuple[str, ...] = ()  # extra origins the widget runs on (CORS)
    copy: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # locale -> overrides
    consent: str = CONSENT_MODES[0]
    # partner id -> {"landing": {locale: co-branded text shown to a partner's audience}}
    partners: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def storefront_settings(shop: Shop) -> StorefrontSettings:
    """The shop's storefront settings, with defaults for anything unset."""
    raw = (shop.settings or {}).get("storefront") or {}
    copy = raw.get("copy")
    copy = (
        {str(k): v for k, v in copy.items() if isinstance(v, Mapping)}
        if isinstance(copy, Mapping)
        else {}
    )
    return StorefrontSettings(
        ref_param=advocates.ref_param(shop),
        name=str(raw.get("name") or (shop.settings or {}).get("name") or ""),
        url=str(raw.get("url") or ""),
        origins=tuple(str(o) for o in raw.get("origins") or ()),
        copy=copy,
        consent=raw["consent"] if raw.get("consent") in CONSENT_MODES else CONSENT_MODES[0],
        partners=raw["partners"] if isinstance(raw.get("partners"), Mapping) else {},
    )


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def shop_origins(shop: Shop) -> frozenset[str]:
    """The origins the shop's storefront runs on: the only ones CORS admits."""
    found = {_origin(advocates.home_url(shop)), *map(_origin, storefront_settings(shop).origins)}
    return frozenset(o for o in found if o)


async def find_shop(platform: str, domain: str) -> Shop:
    """The active shop; ShopUnknown if it is not installed (or was uninstalled)."""
    if len(domain) > DOMAIN_MAX:
        raise ShopUnknown(f"no active {platform} shop with a domain that long")  # no such column
    shop = await Shop.get_or_none(platform=platform, domain=domain, status=ShopStatus.ACTIVE)
    if shop is None:
        raise ShopUnknown(f"no active {platform} shop {domain}")
    return shop


async def check_rate(runtime: Runtime, action: str, visitor: Visitor) -> Verdict:
    """Count the call against its per-IP and per-shop limits."""
    shop = f"{visitor.platform}:{visitor.shop}"
    subjects = {"ip": visitor.ip, "shop": shop, "shop-hour": shop}
    checks = [(limit, subjects[limit.scope]) for limit in LIMITS.get(action, ())]
    return await hit(runtime, checks, runtime.now()) if checks else Verdict(True)


def _rule(rule: RewardRule | None, currency: str) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {
        "kind": rule.kind.value,
        "value": str(rule.value),
        "currency": currency,
        "basis": rule.basis.value,
    }


def _public_advocate(shop: Shop, advocate: Advocate) -> dict[str, str]:
    return {"code": advocate.friend_code, "link": advocates.share_link(shop, advocate)}


def _reward(row: Reward) -> dict[str, Any]:
    status = PUBLIC_STATUS.get(row.status, "pending")
    return {
        "kind": row.kind,
        "amount": None if row.amount is None else str(row.amount),
        "currency": row.currency,
        "points": row.points,
        # A code is shown once it exists in the store, so a shopper never holds a dead one.
        "code": row.code if status == "issued" else None,
        "status": status,
        "created_at": row.created_at.isoformat(),
    }


async def dashboard(advocate: Advocate) -> dict[str, Any]:
    """The advocate's own numbers: clicks, friends who bought (counts only) and rewards."""
    referrals = Referral.filter(advocate_id=advocate.id)
    rewards = (
        await Reward.filter(advocate_id=advocate.id, side__in=("advocate", "partner"))
        .order_by("-id")
        .limit(MAX_REWARDS_SHOWN)
    )
    return {
        "clicks": await LinkClick.filter(advocate_id=advocate.id).count(),
        "friends": await referrals.filter(state__in=("approved", "rewarded")).count(),
        "pending": await referrals.filter(state__in=("pending", "flagged")).count(),
        "rewards": [_reward(r) for r in rewards],
    }


async def _whatsapp(shop: Shop, advocate: Advocate) -> dict[str, Any]:
    """Whether the shop sends WhatsApp messages, and whether this advocate opted in (and where)."""
    if not whatsapp_connected(shop):
        return {"available": False, "opted_in": False, "phone": None}
    phone = await whatsapp_number(conn(), shop, advocate.id)
    # Only the last digits: the page may be seen over the shopper's shoulder.
    shown = f"•••{phone[-4:]}" if phone else None
    return {"available": True, "opted_in": phone is not None, "phone": shown}


async def _own(shop: Shop, advocate: Advocate) -> dict[str, Any]:
    return {
        "advocate": _public_advocate(shop, advocate),
        "dashboard": await dashboard(advocate),
        "whatsapp": await _whatsapp(shop, advocate),
    }


async def whatsapp(
    runtime: Runtime, visitor: Visitor, phone: str | None, opt_in: bool
) -> dict[str, Any]:
    """The signed-in advocate says yes (with their number) or no to WhatsApp messages."""
    if not visitor.customer_id:
        raise NotSignedIn("sign in to choose WhatsApp messages")
    shop = await find_shop(visitor.platform, visitor.shop)
    advocate = await Advocate.get_or_none(shop_id=shop.id, customer_id=visitor.customer_id)
    if advocate is None or advocate.status != advocates.ACTIVE:
        raise NotAdvocate("not in the referral program")
    if opt_in:
        if phone is None:
            raise ValueError("a phone number is needed")
        await record_consent(shop.id, "whatsapp", phone, OPTED_IN, "widget", runtime.now(),
                             advocate_id=advocate.id, customer_id=advocate.customer_id)  # fmt: skip
    else:
        number = await whatsapp_number(conn(), shop, advocate.id)
        if number is not None:
            await record_consent(shop.id, "whatsapp", number, UNSUBSCRIBED, "widget",
                                 runtime.now(), advocate_id=advocate.id)  # fmt: skip
    return await _own(shop, advocate)


async def config(runtime: Runtime, visitor: Visitor, locale_tag: str | None) -> dict[str, Any]:
    """The widget's start: copy in the page's language, the offers, and the visitor's dashboard."""
    shop = await find_shop(visitor.platform, visitor.shop)
    program = (await live_program(runtime, shop)).program
    assets = load_assets()
    locale = resolve_locale(locale_tag, assets.locales)
    sf = storefront_settings(shop)
    me = None
    if visitor.customer_id:
        advocate = await Advocate.get_or_none(shop_id=shop.id, customer_id=visitor.customer_id)
        if advocate is not None and advocate.status == advocates.ACTIVE:
            me = await _own(shop, advocate)
    return {
        "locale": locale,
        "copy": messages(assets, locale, sf.copy.get(locale)),
        "shop": {"name": sf.name or shop.domain},
        "program": {
            "friend": _rule(program.friend_offer, program.currency),
            "advocate": _rule(program.advocate_reward, program.currency),
        },
        "window_days": program.attribution_window_days,
        "ref_param": sf.ref_param,
        "consent": sf.consent,
        "customer": visitor.customer_id is not None,
        "me": me,
    }


async def me(runtime: Runtime, visitor: Visitor) -> dict[str, Any]:
    """The signed-in advocate's link and dashboard."""
    if not visitor.customer_id:
        raise NotSignedIn("sign in to see your referrals")
    shop = await find_shop(visitor.platform, visitor.shop)
    advocate = await Advocate.get_or_none(shop_id=shop.id, customer_id=visitor.customer_id)
    if advocate is None or advocate.status != advocates.ACTIVE:
        raise NotAdvocate("not in the referral program")
    return await _own(shop, advocate)


async def join(
    runtime: Runtime, visitor: Visitor, email: str | None, locale: str | None = None
) -> dict[str, Any]:
    """Enrol the signed-in customer (their dashboard too), or an email (a link and code only).

    Joining with an email that is already enrolled answers exactly as a first join does, so the
    answer never tells whether someone is in the program; a dashboard needs a signed-in customer.
    """
    shop = await find_shop(visitor.platform, visitor.shop)
    if visitor.customer_id:
        enrolled = await advocates.enrol_advocate(
            runtime, shop, customer_id=visitor.customer_id, locale=locale
        )
        return await _own(shop, enrolled.advocate)
    if not email:
        raise ValueError("an email address is needed to join")
    enrolled = await advocates.enrol_advocate(runtime, shop, email=email, locale=locale)
    return {"advocate": _public_advocate(shop, enrolled.advocate), "dashboard": None}


async def click(runtime: Runtime, visitor: Visitor, ref: str) -> dict[str, Any] | None:
    """Count a visit through an advocate's link; the friend's offer, or None for an unknown ref."""
    shop = await find_shop(visitor.platform, visitor.shop)
    advocate = await advocates.advocate_by_code(shop, ref)
    if advocate is None:
        return None
    # An advocate opening their own link is not a friend's visit.
    if not (visitor.customer_id and visitor.customer_id == advocate.customer_id):
        async with in_transaction() as tx:
            await LinkClick.create(
                shop_id=shop.id, advocate_id=advocate.id, clicked_at=runtime.now(), using_db=tx
            )
            await tally.add(tx, shop.id, tally.CLICKS, advocate.id, 1)
    program = (await live_program(runtime, shop)).program
    unique = program.friend_code_mode is FriendCodeMode.UNIQUE
    offered = program.friend_offer is not None
    answer: dict[str, Any] = {
        "offer": _rule(program.friend_offer, program.currency),
        "code": advocate.friend_code if offered and not unique else None,
        "claim": offered and unique,
    }
    partner = program.partner_for(advocate.partner_account)
    if partner is not None:
        # A partner's audience sees the partner's name and its co-branded landing text.
        landing = (storefront_settings(shop).partners.get(partner.partner_id) or {}).get("landing")
        answer["partner"] = {"name": partner.name, "landing": dict(landing or {})}
    return answer


def _decoy_code(runtime: Runtime, advocate: Advocate, email: str) -> str:
    """A code shaped like a friend's single-use code, for an email that must not be confirmed."""
    key = runtime.derived_key("connector/storefront-decoy")
    return reward_code(key, f"decoy:{advocate.id}:{email}", advocate.name or "FRIEND")


async def claim(runtime: Runtime, visitor: Visitor, ref: str, email: str) -> dict[str, Any] | None:
    """A friend claims the offer by email; the code to use, or None for an unknown ref."""
    shop = await find_shop(visitor.platform, visitor.shop)
    result = await signups.sign_up(runtime, shop, ref, email)
    if isinstance(result, advocates.Refused):
        if result.reason is not Reason.SAME_EMAIL:
            return None
        # The advocate's own email: answer as for anyone else, or the answer would confirm
        # to someone holding only the code whose email this is.
        advocate = await advocates.advocate_by_code(shop, ref)
        if advocate is None:
            return None
        program = (await live_program(runtime, shop)).program
        shared = program.friend_code_mode is FriendCodeMode.SHARED
        return {"code": advocate.friend_code if shared else _decoy_code(runtime, advocate, email)}
    return {"code": result.friend_code}
