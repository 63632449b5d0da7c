"""The shop's settings a merchant edits in the admin: the widget's copy per locale, the referral
parameter, consent, and the partner programme (enrolling a partner, its co-branded landing text).

They live in `Shop.settings["storefront"]`, where the storefront reads them; a change is
validated whole and written in one update, so a bad field changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from connector.errors import ConnectorError
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import (
    AdvocateRow,
    Refused,
    advocate_row,
    enrol_partner,
)
from connector.services.referrals.programs import live_program
from connector.services.storefront.api import CONSENT_MODES, storefront_settings
from connector.services.storefront.assets import load_assets, messages, valid_override
from connector.store.models import Advocate, Shop

REF_PARAM = re.compile(r"[a-z][a-z0-9_-]{0,31}")
# Names a store's own pages and checkout use; a referral parameter must not take them.
RESERVED = frozenset({"page", "p", "s", "q", "id", "lang", "utm_source", "discount", "code"})
MAX_TEXT = 2000
FIELDS = ("ref_param", "consent", "copy", "name", "url")


class SettingsRefused(ConnectorError, ValueError):
    """The change is not valid: `errors` lists `(field path, message)` for each bad field."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {m}" for p, m in errors))
        self.errors = errors


@dataclass(frozen=True)
class ShopSettings:
    """What the settings page shows: the current values and each locale's default copy."""

    ref_param: str
    consent: str
    name: str
    url: str
    copy: dict[str, dict[str, Any]]
    defaults: dict[str, dict[str, Any]]
    locales: list[str]


def shop_settings(shop: Shop) -> ShopSettings:
    """The shop's settings with the widget's own copy for every locale beside its overrides."""
    sf = storefront_settings(shop)
    assets = load_assets()
    return ShopSettings(
        ref_param=sf.ref_param, consent=sf.consent, name=sf.name, url=sf.url,
        copy={k: dict(v) for k, v in sf.copy.items()},
        defaults={locale: messages(assets, locale) for locale in assets.locales},
        locales=sorted(assets.locales),
    )  # fmt: skip


def _copy_errors(copy: Any) -> list[tuple[str, str]]:
    if not isinstance(copy, Mapping):
        return [("copy", "must be an object of locales, each an object of messages")]
    assets = load_assets()
    errors: list[tuple[str, str]] = []
    for locale, overrides in copy.items():
        if locale not in assets.locales:
            errors.append((f"copy.{locale}", f"is not a locale (use {', '.join(assets.locales)})"))
            continue
        if not isinstance(overrides, Mapping):
            errors.append((f"copy.{locale}", "must be an object of messages"))
            continue
        base = messages(assets, locale)
        for key, value in overrides.items():
            path = f"copy.{locale}.{key}"
            if key not in base:
                errors.append((path, "is not a message of the widget"))
            elif not valid_override(base[key], value):
                kind = "text" if isinstance(base[key], str) else "plural forms with 'other'"
                errors.append((path, f"must be {kind}"))
            elif len(str(value)) > MAX_TEXT:
                errors.append((path, f"must be at most {MAX_TEXT} characters"))
    return errors


def _errors(change: Mapping[str, Any]) -> list[tuple[str, str]]:
    errors = [(k, "is not a known setting") for k in sorted(change) if k not in FIELDS]
    if "ref_param" in change:
        value = change["ref_param"]
        if not isinstance(value, str) or not REF_PARAM.fullmatch(value):
            errors.append(("ref_param", "must be 1-32 lower-case letters, digits, - or _"))
        elif value in RESERVED:
            errors.append(("ref_param", f"{value!r} is used by the store's own pages"))
    if "consent" in change and change["consent"] not in CONSENT_MODES:
        errors.append(("consent", f"must be one of {', '.join(CONSENT_MODES)}"))
    for name in ("name", "url"):
        value = change.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 500):
            errors.append((name, "must be text of at most 500 characters"))
    url = change.get("url")
    if isinstance(url, str) and url and not re.match(r"https?://[^/\s]+", url):
        errors.append(("url", "must be the storefront's address, such as https://shop.example"))
    if "copy" in change:
        errors += _copy_errors(change["copy"])
    return errors


async def update_settings(shop: Shop, change: Mapping[str, Any]) -> ShopSettings:
    """Apply a partial change (a locale's `copy` replaces that locale's overrides whole)."""
    errors = _errors(change)
    if errors:
        raise SettingsRefused(errors)
    async with in_transaction() as tx:
        row = await Shop.filter(id=shop.id).using_db(tx).select_for_update().first()
        current = row if row is not None else shop
        settings = dict(current.settings or {})
        storefront = dict(settings.get("storefront") or {})
        for key, value in change.items():
            if key == "copy":
                copy = dict(storefront.get("copy") or {})
                copy.update({locale: dict(v) for locale, v in value.items()})
                storefront["copy"] = copy
            else:
                storefront[key] = value
        settings["storefront"] = storefront
        await Shop.filter(id=shop.id).using_db(tx).update(settings=settings)
    shop.settings = settings
    return shop_settings(shop)


@dataclass(frozen=True)
class PartnerRow:
    """One of the program's partner brands: enrolled or not, and its co-branded landing text."""

    partner_id: str
    name: str
    account_id: str
    enrolled: bool
    advocate: AdvocateRow | None
    landing: dict[str, str]


def _landings(shop: Shop) -> dict[str, dict[str, str]]:
    raw = storefront_settings(shop).partners
    return {k: dict(v.get("landing") or {}) for k, v in raw.items() if isinstance(v, Mapping)}


async def list_partners(runtime: Runtime, shop: Shop) -> list[PartnerRow]:
    """The live program's partners, each with its advocate if enrolled."""
    program = (await live_program(runtime, shop)).program
    accounts = [p.account_id for p in program.partners]
    enrolled = {
        a.partner_account: a
        for a in await Advocate.filter(shop_id=shop.id, partner_account__in=accounts)
    }
    landings = _landings(shop)
    rows = []
    for p in program.partners:
        advocate = enrolled.get(p.account_id)
        rows.append(PartnerRow(
            p.partner_id, p.name, p.account_id, advocate is not None,
            advocate_row(shop, advocate) if advocate is not None else None,
            landings.get(p.partner_id, {}),
        ))  # fmt: skip
    return rows


def _landing_errors(landing: Any) -> list[tuple[str, str]]:
    if not isinstance(landing, Mapping):
        return [("landing", "must be an object of locale to text")]
    locales = load_assets().locales
    errors = []
    for locale, text in landing.items():
        if locale not in locales:
            errors.append((f"landing.{locale}", f"is not a locale (use {', '.join(locales)})"))
        elif not isinstance(text, str) or len(text) > MAX_TEXT:
            errors.append((f"landing.{locale}", f"must be text of at most {MAX_TEXT} characters"))
    return errors


async def enrol_partner_with_landing(
    runtime: Runtime, shop: Shop, partner_id: str, landing: Mapping[str, str] | None
) -> tuple[PartnerRow, bool]:
    """Enrol one of the program's partners (idempotent) and keep its co-branded landing text."""
    if landing is not None:
        errors = _landing_errors(landing)
        if errors:
            raise SettingsRefused(errors)
    done = await enrol_partner(runtime, shop, partner_id)
    if isinstance(done, Refused):
        raise SettingsRefused([("partner_id", done.message)])
    if landing is not None:
        async with in_transaction() as tx:
            row = await Shop.filter(id=shop.id).using_db(tx).select_for_update().first()
            settings = dict((row or shop).settings or {})
            storefront = dict(settings.get("storefront") or {})
            partners = dict(storefront.get("partners") or {})
            partners[partner_id] = {**dict(partners.get(partner_id) or {}), "landing": dict(landing)}
            storefront["partners"] = partners
            settings["storefront"] = storefront
            await Shop.filter(id=shop.id).using_db(tx).update(settings=settings)
        shop.settings = settings
    rows = await list_partners(runtime, shop)
    return next(r for r in rows if r.partner_id == partner_id), done.created
