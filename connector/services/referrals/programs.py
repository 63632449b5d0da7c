"""A shop's program: the live version, saving a new one, and the version a referral was judged by.

Saved versions are never edited: a change is a new row with the next number, so a referral's
`program_version` always reads back the rules it was judged under. Until the merchant saves one,
a shop runs on the defaults (`[program.defaults]` in app.toml over the "fixed" preset, in the
shop's currency); the first time anything is made under them (an advocate's code, a referral)
they are saved as version 1 by `ensure_saved`, so that version too can be read back later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias
from urllib.parse import quote

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from connector.domain.program import (
    Program,
    ProgramError,
    parse_program,
    program_to_dict,
    with_terms_version,
)
from connector.domain.program.presets import PRESETS
from connector.errors import ConfigError, ConnectorError
from connector.services.base.runtime import Runtime
from connector.services.base.savepoints import savepoint
from connector.settings import Settings
from connector.store.models import ProgramVersion, Shop

log = logging.getLogger("connector.programs")

DEFAULT_PRESET = "fixed"
DEFAULTS_AUTHOR = "defaults"
# Two admins saving at the same moment race for the same number; the loser takes the next.
MAX_SAVE_TRIES = 5


# A saved version as the admin routes type it (they do not import the store).
SavedVersion: TypeAlias = ProgramVersion

class ProgramChanged(ConnectorError):
    """The program was saved while an order was being judged under the defaults: judge it again.

    Not a ValueError, so the worker retries the delivery rather than dead-lettering it.
    """


@dataclass(frozen=True)
class LiveProgram:
    """The program a shop runs now, and whether it is a saved version or the unsaved defaults."""

    program: Program
    saved: bool


@dataclass(frozen=True)
class VersionRow:
    """One saved version, as the admin and `connector program` list them."""

    version: int
    name: str
    created_at: datetime
    created_by: str
    note: str


def default_program(settings: Settings, currency: str | None = None) -> Program:
    """Version 1 of the defaults: app.toml's `[program.defaults]` over the preset, in `currency`."""
    data: dict[str, Any] = {**program_to_dict(PRESETS[DEFAULT_PRESET]), **settings.program_defaults}
    data["version"] = 1
    if currency:
        data["currency"] = currency
    try:
        return parse_program(data)
    except ProgramError as exc:
        raise ConfigError(f"[program.defaults] in app.toml is not a valid program: {exc}") from exc


def shop_currency(shop: Shop) -> str | None:
    """The shop's currency when the platform told us (kept in the shop's settings)."""
    value = (shop.settings or {}).get("currency")
    return str(value).upper() if value else None


async def live_program(
    runtime: Runtime, shop: Shop, using_db: BaseDBAsyncClient | None = None
) -> LiveProgram:
    """The highest saved version, else the defaults (not saved yet)."""
    row = (
        await ProgramVersion.filter(shop_id=shop.id).using_db(using_db).order_by("-version").first()
    )
    if row is not None:
        return LiveProgram(parse_program(row.config), saved=True)
    return LiveProgram(default_program(runtime.settings, shop_currency(shop)), saved=False)


async def program_version(
    shop_id: int, version: int, using_db: BaseDBAsyncClient | None = None
) -> Program:
    """The saved version `version` of the shop's program (a referral's rules)."""
    row = await ProgramVersion.filter(shop_id=shop_id, version=version).using_db(using_db).first()
    if row is None:
        # Versions are only ever added, and a referral is only made under a saved one.
        raise LookupError(f"shop {shop_id} has no program version {version}")
    return parse_program(row.config)


async def ensure_saved(
    runtime: Runtime, shop: Shop, live: LiveProgram, using_db: BaseDBAsyncClient
) -> Program:
    """Save the defaults as version 1 (in `using_db`) if they are what `live` holds.

    If a version 1 appeared meanwhile with other rules, raise `ProgramChanged`: whatever was
    judged under the defaults must be judged again under the saved program.
    """
    if live.saved:
        return live.program
    config = program_to_dict(live.program)
    try:
        async with savepoint(using_db) as point:
            await ProgramVersion.create(
                shop_id=shop.id,
                version=live.program.version,
                config=config,
                created_at=runtime.now(),
                created_by=DEFAULTS_AUTHOR,
                note="The defaults, saved when first used.",
                using_db=point,
            )
    except IntegrityError:
        saved = await program_version(shop.id, live.program.version, using_db)
        if program_to_dict(saved) != config:
            raise ProgramChanged(
                f"{shop.domain}: version {live.program.version} was saved while judging"
            ) from None
    return live.program


async def save_program(
    runtime: Runtime, shop: Shop, data: Mapping[str, Any], actor: str, note: str = ""
) -> ProgramVersion:
    """Validate `data` (the JSON form) and save it as the shop's next version.

    Raises `ProgramError` whose `errors` lists `(field path, message)` for every bad field; any
    `version` in `data` is replaced by the next number, and the terms' version by the number of
    the version that first carried their words (this one, when they changed).
    """
    if not isinstance(data, Mapping):
        raise ProgramError([("(root)", f"must be an object, got {data!r}")])
    for _ in range(MAX_SAVE_TRIES):
        latest = await ProgramVersion.filter(shop_id=shop.id).order_by("-version").first()
        number = (latest.version if latest is not None else 0) + 1
        previous = parse_program(latest.config) if latest is not None else None
        program = with_terms_version(parse_program({**data, "version": number}), previous)
        try:
            async with in_transaction() as tx:
                row = await ProgramVersion.create(
                    shop_id=shop.id,
                    version=number,
                    config=program_to_dict(program),
                    created_at=runtime.now(),
                    created_by=actor,
                    note=note,
                    using_db=tx,
                )
        except IntegrityError:
            continue
        log.info("shop %s: program version %s saved by %s", shop.domain, number, actor)
        return row
    raise ConnectorError(f"{shop.domain}: could not take a program version number; try again")


def terms_url(settings: Settings, shop: Shop, locale: str) -> str:
    """The public page of the shop's program terms in `locale` (routes.terms serves it)."""
    domain = quote(shop.domain, safe="")
    return f"{settings.public_url}/terms/{shop.platform}/{domain}/{locale}"


async def list_versions(shop: Shop) -> list[VersionRow]:
    """Every saved version of the shop's program, newest first."""
    rows = await ProgramVersion.filter(shop_id=shop.id).order_by("-version")
    return [
        VersionRow(r.version, str(r.config.get("name", "")), r.created_at, r.created_by, r.note)
        for r in rows
    ]


async def version_config(shop: Shop, version: int) -> dict[str, Any]:
    """The saved config (JSON form) of one version; LookupError if the shop has no such version."""
    row = await ProgramVersion.get_or_none(shop_id=shop.id, version=version)
    if row is None:
        raise LookupError(f"the program has no version {version}")
    return row.config


async def restore_version(
    runtime: Runtime, shop: Shop, version: int, actor: str
) -> ProgramVersion:
    """Save an earlier version's rules again as the next version (history is never rewritten)."""
    config = await version_config(shop, version)
    return await save_program(runtime, shop, config, actor, note=f"Restored from version {version}.")


async def find_shop(domain: str) -> Shop:
    """The installed shop with this domain (an active one first); LookupError if none."""
    rows = await Shop.filter(domain=domain).order_by("id")
    if not rows:
        raise LookupError(f"no shop with domain {domain!r}")
    return next((r for r in rows if r.status == "active"), rows[0])
