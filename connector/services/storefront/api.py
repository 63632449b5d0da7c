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

from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from connector.domain.codes import reward_code
from connector.domain.program import CatalogueItem, Loyalty, Program, RewardMenu, RewardRule
from connector.domain.program.kinds import FriendCodeMode
from connector.domain.reasons import Reason
from connector.domain.rewards import loyalty as point_rules
from connector.domain.rewards import vip as vip_rules
from connector.domain.rewards.offer import offer_for
from connector.services.analytics import rollups
from connector.services.analytics.figures import Metric
from connector.services.base import tally
from connector.services.base.messages import (
    OPTED_IN,
    UNSUBSCRIBED,
    record_consent,
    whatsapp_connected,
    whatsapp_number,
)
from connector.services.base.ratelimit import Limit, Verdict, hit
from connector.services.base.rows import fk
from connector.services.base.runtime import Runtime
from connector.services.referrals import advocates, signals, signups
from connector.services.referrals.programs import live_program, program_version
from connector.services.rewards import birthdays, choices, contests, vip
from connector.services.rewards import loyalty as points
from connector.services.storefront.assets import load_assets, messages, resolve_locale
from connector.services.storefront.terms import TermsPage, check_accepted, terms_offer, terms_page
from connector.store.db import conn
from connector.store.models import (
    Advocate,
    LinkClick,
    Referral,
    Reward,
    RewardStatus,
    Shop,
    ShopStatus,
)

MAX_REWARDS_SHOWN = 20
MAX_HISTORY_SHOWN = 20  # a member's newest ledger entries in the widget
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
    "choose": (Limit("choose", "ip", 30, 600),),
    "share": (Limit("share", "ip", 60, 600), Limit("share", "shop", 20_000, 600)),
    # A redemption makes a code in the store: a signed-in member, a few a minute at most.
    "redeem": (Limit("redeem", "ip", 20, 600), Limit("redeem", "shop", 600, 600)),
    "whatsapp": (Limit("whatsapp", "ip", 10, 600), Limit("whatsapp", "shop", 300, 600)),
    "birthday": (Limit("birthday", "ip", 10, 600), Limit("birthday", "shop", 300, 600)),
    "pick": (Limit("pick", "ip", 30, 600), Limit("pick", "shop", 600, 600)),
}  # fmt: skip
# Where an advocate's link can go from the widget: its share buttons, copy, the device's sheet.
SHARE_CHANNELS = ("whatsapp", "facebook", "x", "email", "sms", "copy", "more")
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
    "awaiting_choice": "choose",
}


class ShopUnknown(LookupError):
    """No active shop answers to this platform and domain."""


class NotSignedIn(PermissionError):
    """The request names no signed-in customer, so there is no dashboard to show."""


class NotAdvocate(LookupError):
    """The signed-in customer has not joined the program."""


# The donations that count toward the program's public total: committed (recorded) or paid out.
DONATED = ("recorded", "paid")


@dataclass(frozen=True)
class Visitor:
    """Who calls, as the App Proxy signature or a signed token proves it, and from where."""

    platform: str
    shop: str
    customer_id: str | None
    ip: str
    user_agent: str | None = None


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
        "product": rule.product_name,  # a free product's name
    }


def _public_advocate(shop: Shop, advocate: Advocate) -> dict[str, str]:
    return {"code": advocate.friend_code, "link": advocates.share_link(shop, advocate)}


def _reward(row: Reward, menu: RewardMenu | None = None, currency: str = "") -> dict[str, Any]:
    status = PUBLIC_STATUS.get(row.status, "pending")
    shown: dict[str, Any] = {
        "kind": row.kind,
        # In the currency it was issued in (store credit follows the shopper's currency).
        "amount": None if row.amount is None else str(row.issued_amount or row.amount),
        "currency": row.issued_currency or row.currency,
        "points": row.points,
        "product": row.product_name,  # a free product's name
        # A code is shown once it exists in the store, so a shopper never holds a dead one.
        "code": row.code if status == "issued" else None,
        "status": status,
        "created_at": row.created_at.isoformat(),
    }
    if status == "choose" and menu is not None:
        # A menu reward awaiting its pick: the choices, and when the default is given instead.
        shown.update(
            id=row.id,
            choices=[
                {"id": c.choice_id, "es": c.label_es, "en": c.label_en,
                 "reward": _rule(c.reward, currency)}
                for c in menu.choices
            ],
            default=menu.default_choice_id,
            due_at=row.choice_due_at.isoformat() if row.choice_due_at else None,
        )  # fmt: skip
    return shown


async def dashboard(advocate: Advocate) -> dict[str, Any]:
    """The advocate's own numbers: clicks, friends who bought (counts only) and rewards."""
    referrals = Referral.filter(advocate_id=advocate.id)
    rewards = (
        await Reward.filter(advocate_id=advocate.id, side__in=("advocate", "partner"))
        .exclude(kind=vip.TAG_PERK)  # a tier's tag in the store is no reward to show
        .order_by("-id")
        .limit(MAX_REWARDS_SHOWN)
    )
    menus = await _menus(advocate, rewards)
    return {
        "clicks": await advocates.link_clicks(advocate),
        "friends": await referrals.filter(state__in=("approved", "rewarded")).count(),
        "pending": await referrals.filter(state__in=("pending", "flagged")).count(),
        "rewards": [_reward(r, *menus.get(r.id, (None, ""))) for r in rewards],
    }


async def _menus(advocate: Advocate, rewards: list[Reward]) -> dict[int, tuple[RewardMenu | None, str]]:
    """The menu (and currency) of each reward awaiting its pick, by the referral's version."""
    waiting = {r.id: fk(r, "referral") for r in rewards if r.status == RewardStatus.AWAITING_CHOICE}
    if not waiting:
        return {}
    found = await Referral.filter(id__in=list(waiting.values())).values_list("id", "program_version")
    versions = dict(found)
    programs: dict[int, Program] = {}
    for version in set(versions.values()):
        programs[version] = await program_version(fk(advocate, "shop"), version)
    out: dict[int, tuple[RewardMenu | None, str]] = {}
    for reward_id, referral_id in waiting.items():
        program = programs[versions[referral_id]]
        out[reward_id] = (program.reward_menu, program.currency)
    return out


def initials(name: str) -> str:
    """How a leaderboard names an advocate: the initials of their name ("Ana García" -> "A. G.")."""
    return " ".join(f"{word[0].upper()}." for word in name.split()[:3] if word[0].isalnum())


async def board(runtime: Runtime, shop: Shop, advocate: Advocate) -> dict[str, Any] | None:
    """The live contest's leaderboard as a participant sees it: initials only, opt-outs unnamed."""
    found = await contests.leaderboard(runtime, shop)
    if found is None:
        return None
    contest, standings = found
    ids = [int(s.advocate_id) for s in standings]
    names = dict(
        await Advocate.filter(id__in=ids, leaderboard_hidden=False).values_list("id", "name")
    )
    return {
        "name": contest.name,
        "ends_at": contest.ends_at.isoformat(),
        "shown": not advocate.leaderboard_hidden,
        "rows": [
            {
                "rank": s.rank,
                "name": initials(names.get(int(s.advocate_id)) or "") or None,
                "referrals": s.count,
                "me": int(s.advocate_id) == advocate.id,
            }
            for s in standings
        ],
    }


async def charity(shop: Shop, program: Program) -> dict[str, Any] | None:
    """The program's causes to choose from and what its advocates have given together."""
    if program.charity is None:
        return None
    total = (
        await Reward.filter(
            shop_id=shop.id, kind="charity_donation", currency=program.currency,
            status__in=DONATED,
        )
        .annotate(total=Sum("amount"))
        .values_list("total", flat=True)
    )  # fmt: skip
    return {
        "causes": [{"id": c.cause_id, "name": c.name} for c in program.charity.causes],
        "default": program.charity.default_cause_id,
        "donated": {"amount": str(total[0] or 0) if total else "0", "currency": program.currency},
    }


async def _whatsapp(shop: Shop, advocate: Advocate) -> dict[str, Any]:
    """Whether the shop sends WhatsApp messages, and whether this advocate opted in (and where)."""
    if not whatsapp_connected(shop):
        return {"available": False, "opted_in": False, "phone": None}
    phone = await whatsapp_number(conn(), shop, advocate.id)
    # Only the last digits: the page may be seen over the shopper's shoulder.
    shown = f"•••{phone[-4:]}" if phone else None
    return {"available": True, "opted_in": phone is not None, "phone": shown}


async def _own(
    runtime: Runtime, shop: Shop, advocate: Advocate, program: Program | None = None
) -> dict[str, Any]:
    """The advocate's link and dashboard, with what their program adds: their cause (charity),
    the contest's leaderboard, their loyalty view."""
    mine = await dashboard(advocate)
    own: dict[str, Any] = {
        "advocate": _public_advocate(shop, advocate),
        "dashboard": mine,
        "whatsapp": await _whatsapp(shop, advocate),
    }
    program = program or (await live_program(runtime, shop)).program
    if program.charity is not None:
        mine["cause"] = advocate.charity_cause
    if program.contest is not None:
        own["contest"] = await board(runtime, shop, advocate)
    if program.loyalty is not None:
        own["loyalty"] = await loyalty_view(shop, program.currency, program.loyalty, advocate)
    return own


def _item(item: CatalogueItem, currency: str, points: int) -> dict[str, Any]:
    return {
        "id": item.item_id,
        "name": item.name,
        "points": item.points,
        "reward": _rule(item.reward, currency),
        "affordable": item.points <= points,
    }


async def loyalty_view(
    shop: Shop, currency: str, loyalty: Loyalty, member: Advocate
) -> dict[str, Any]:
    """A member's points, VIP tier and the way to the next, the catalogue (what they can afford),
    the points expiring soonest and their newest ledger entries."""
    ledger = await points.advocate_ledger(shop.id, member.id)
    balance = ledger.balance
    lifetime = int(member.points_earned)
    tier = vip_rules.tier_named(loyalty, member.vip_tier)
    held = tier.threshold if tier is not None else -1
    ahead = sorted((t for t in loyalty.vip_tiers if t.threshold > held), key=lambda t: t.threshold)
    card = loyalty.stamp_card
    stamps = None
    if card is not None:
        total = max(await vip.stamps_of(None, shop.id, member.id), 0)
        stamps = {
            "name": card.name, "stamps": total % card.stamps, "per_card": card.stamps,
            "completed": total // card.stamps, "reward": _rule(card.reward, currency),
        }  # fmt: skip
    expiring = point_rules.next_expiry(ledger)
    return {
        "points": balance,
        "tier": None if tier is None else {"name": tier.name, "perks": list(tier.perks)},
        "next_tier": None if not ahead else {
            "name": ahead[0].name, "threshold": ahead[0].threshold,
            "needed": max(ahead[0].threshold - lifetime, 0),
        },
        "stamps": stamps,
        "lifetime": lifetime,
        "expiring": None if expiring is None else {
            "points": expiring[0], "at": expiring[1].isoformat(),
        },
        "catalogue": [_item(item, currency, balance) for item in loyalty.catalogue],
        "birthday_points": loyalty.birthday_points,
        "birthday": None if member.birth_month is None else {
            "month": member.birth_month, "day": member.birth_day,
        },
        "history": [
            {"kind": e.kind.value, "points": e.points, "at": e.at.isoformat()}
            for e in reversed(ledger.entries[-MAX_HISTORY_SHOWN:])
        ],
    }  # fmt: skip


async def whatsapp(
    runtime: Runtime, visitor: Visitor, phone: str | None, opt_in: bool
) -> dict[str, Any]:
    """The signed-in advocate says yes (with their number) or no to WhatsApp messages."""
    if not visitor.customer_id:
        raise NotSignedIn("sign in to choose WhatsApp messages")
    shop = await find_shop(visitor.platform, visitor.shop)
    advocate = await _member(shop, visitor)
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
    return await _own(runtime, shop, advocate)


async def config(runtime: Runtime, visitor: Visitor, locale_tag: str | None) -> dict[str, Any]:
    """The widget's start: copy in the page's language, the offers, and the visitor's dashboard."""
    shop = await find_shop(visitor.platform, visitor.shop)
    program = (await live_program(runtime, shop)).program
    assets = load_assets()
    locale = resolve_locale(locale_tag, assets.locales)
    sf = storefront_settings(shop)
    async with in_transaction() as tx:  # every widget that starts is one view on the dashboard
        await rollups.count(tx, shop.id, Metric.VIEWS, runtime.now())
    me, live = None, 0
    if visitor.customer_id:
        advocate = await Advocate.get_or_none(shop_id=shop.id, customer_id=visitor.customer_id)
        if advocate is not None and advocate.status == advocates.ACTIVE:
            me, live = await _own(runtime, shop, advocate, program), advocate.live_referrals
    return {
        "locale": locale,
        "copy": messages(assets, locale, sf.copy.get(locale)),
        "shop": {"name": sf.name or shop.domain},
        "program": {
            # A signed-in advocate shares the offer of the tier they have reached.
            "friend": _rule(offer_for(program, live).rule, program.currency),
            "advocate": _rule(program.advocate_reward, program.currency),
        },
        "charity": await charity(shop, program),
        "terms": terms_offer(runtime, shop, program, locale),
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
    advocate = await _member(shop, visitor)
    return await _own(runtime, shop, advocate)


async def choose(
    runtime: Runtime, visitor: Visitor, cause: str | None, shown: bool | None
) -> dict[str, Any]:
    """The signed-in advocate picks their charity and/or whether the leaderboard names them.

    Raises ValueError naming the cause when it is not one of the program's.
    """
    if not visitor.customer_id:
        raise NotSignedIn("sign in to see your referrals")
    shop = await find_shop(visitor.platform, visitor.shop)
    advocate = await _member(shop, visitor)
    await _seen(runtime, visitor, advocate, signals.CHOSE)
    if cause is not None:
        chosen = await advocates.choose_cause(runtime, shop, advocate.id, cause)
        if isinstance(chosen, advocates.Refused):
            raise ValueError(chosen.message)
        advocate = chosen
    if shown is not None:
        advocate.leaderboard_hidden = not shown
        await advocate.save(update_fields=["leaderboard_hidden"])
    return await _own(runtime, shop, advocate)


async def _member(shop: Shop, visitor: Visitor) -> Advocate:
    if not visitor.customer_id:
        raise NotSignedIn("sign in to see your referrals")
    advocate = await Advocate.get_or_none(shop_id=shop.id, customer_id=visitor.customer_id)
    if advocate is None or advocate.status != advocates.ACTIVE:
        raise NotAdvocate("not in the referral program")
    return advocate


async def birthday(runtime: Runtime, visitor: Visitor, month: object, day: object) -> dict[str, Any]:
    """The signed-in member tells us their birthday (month and day) for the birthday points."""
    shop = await find_shop(visitor.platform, visitor.shop)
    member = await birthdays.set_birthday(shop, await _member(shop, visitor), month, day)
    return await _own(runtime, shop, member)


class NoSuchItem(LookupError):
    """The program's rewards catalogue has no such item."""


class NotEnoughPoints(ValueError):
    """The member's points do not cover the item."""


async def redeem(runtime: Runtime, visitor: Visitor, item_id: str, request_key: str) -> dict[str, Any]:
    """The signed-in member buys a catalogue item with points (once per `request_key`); the
    reward is pending until the outbox has made its code in the store."""
    shop = await find_shop(visitor.platform, visitor.shop)
    member = await _member(shop, visitor)
    program = (await live_program(runtime, shop)).program
    if program.loyalty is None or program.loyalty.item(item_id) is None:
        raise NoSuchItem(f"the rewards catalogue has no item {item_id!r}")
    done = await points.redeem_item(runtime, shop, member.id, item_id, request_key)
    if isinstance(done, point_rules.LedgerRefusal):
        raise NotEnoughPoints(done.message)
    row = await Reward.get(id=done.reward_id)
    return {"redemption": _reward(row), **await _own(runtime, shop, member, program)}


async def pick(
    runtime: Runtime, visitor: Visitor, reward_id: int, choice_id: str, key: str
) -> dict[str, Any]:
    """The signed-in advocate picks a reward from the menu (once per `key`); their dashboard.

    Raises the choices module's errors: unknown reward or choice, already chosen (a conflict).
    """
    shop = await find_shop(visitor.platform, visitor.shop)
    advocate = await _member(shop, visitor)
    done = await choices.choose_reward(runtime, shop, advocate, reward_id, choice_id, key)
    return {
        "picked": {"reward": done.reward.id, "choice": done.choice.choice_id, "replay": done.replay},
        **await _own(runtime, shop, advocate),
    }


async def join(
    runtime: Runtime,
    visitor: Visitor,
    email: str | None,
    locale: str | None = None,
    terms_version: int | None = None,
) -> dict[str, Any]:
    """Enrol the signed-in customer (their dashboard too), or an email (a link and code only).

    When the program has terms, the join must name the version in force (TermsNotAccepted says
    which one, to show again); the advocate's record keeps it and when it was accepted.
    Joining with an email that is already enrolled answers exactly as a first join does, so the
    answer never tells whether someone is in the program; a dashboard needs a signed-in customer.
    """
    shop = await find_shop(visitor.platform, visitor.shop)
    program = (await live_program(runtime, shop)).program
    accepted = check_accepted(runtime, shop, program, terms_version, locale or "")
    if visitor.customer_id:
        enrolled = await advocates.enrol_advocate(
            runtime, shop, customer_id=visitor.customer_id, locale=locale
        )
        await _seen(runtime, visitor, enrolled.advocate, signals.JOINED)
        if accepted is not None:
            await advocates.accept_terms(enrolled.advocate, accepted, runtime.now())
        return await _own(runtime, shop, enrolled.advocate)
    if not email:
        raise ValueError("an email address is needed to join")
    enrolled = await advocates.enrol_advocate(runtime, shop, email=email, locale=locale)
    await _seen(runtime, visitor, enrolled.advocate, signals.JOINED)
    # Only the one who joined by this email records it: someone else who knows the address
    # must not change what its owner accepted.
    if accepted is not None and enrolled.created:
        await advocates.accept_terms(enrolled.advocate, accepted, runtime.now())
    return {"advocate": _public_advocate(shop, enrolled.advocate), "dashboard": None}


async def terms(runtime: Runtime, platform: str, domain: str, locale: str) -> TermsPage:
    """The active shop's program terms in `locale`, for the public page (ShopUnknown if none)."""
    shop = await find_shop(platform, domain)
    return await terms_page(runtime, shop, storefront_settings(shop).name or shop.domain, locale)


async def _seen(runtime: Runtime, visitor: Visitor, advocate: Advocate, source: str) -> None:
    """Keep the hashes of the advocate's IP and browser, for the fraud checks to compare."""
    await signals.record_visit(advocate, visitor.ip, visitor.user_agent, source, runtime.now())


async def click(runtime: Runtime, visitor: Visitor, ref: str) -> dict[str, Any] | None:
    """Count a visit through an advocate's link; the friend's offer, or None for an unknown ref."""
    shop = await find_shop(visitor.platform, visitor.shop)
    advocate = await advocates.advocate_by_code(shop, ref)
    if advocate is None:
        return None
    # An advocate opening their own link is not a friend's visit, but tells us their device.
    if visitor.customer_id and visitor.customer_id == advocate.customer_id:
        await _seen(runtime, visitor, advocate, signals.OWN_LINK)
    else:
        async with in_transaction() as tx:
            await LinkClick.create(
                shop_id=shop.id, advocate_id=advocate.id, clicked_at=runtime.now(), using_db=tx
            )
            await tally.add(tx, shop.id, tally.CLICKS, advocate.id, 1)
            await rollups.count(tx, shop.id, Metric.CLICKS, runtime.now())
    program = (await live_program(runtime, shop)).program
    unique = program.friend_code_mode is FriendCodeMode.UNIQUE
    offered = program.friend_offer is not None
    answer: dict[str, Any] = {
        "offer": _rule(offer_for(program, advocate.live_referrals).rule, program.currency),
        "code": advocate.friend_code if offered and not unique else None,
        "claim": offered and unique,
    }
    partner = program.partner_for(advocate.partner_account)
    if partner is not None:
        # A partner's audience sees the partner's name and its co-branded landing text.
        landing = (storefront_settings(shop).partners.get(partner.partner_id) or {}).get("landing")
        answer["partner"] = {"name": partner.name, "landing": dict(landing or {})}
    return answer


async def share(runtime: Runtime, visitor: Visitor, channel: str) -> dict[str, bool]:
    """Count one share of an advocate's link through `channel` (one of SHARE_CHANNELS)."""
    if channel not in SHARE_CHANNELS:
        raise ValueError(f"unknown share channel {channel!r}")
    shop = await find_shop(visitor.platform, visitor.shop)
    async with in_transaction() as tx:
        await rollups.count(tx, shop.id, Metric.SHARES, runtime.now(), dim=channel)
    return {"counted": True}


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
