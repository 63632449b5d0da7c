"""A program's terms as shoppers read them: the public page per shop and locale, and the check a
join makes that the shopper accepted the terms in force.

The terms are the merchant's own words, per locale, saved with the program (`Program.terms`);
their version is the program version that first carried those words, so a change to anything
else in the program leaves the terms, and every acceptance of them, as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.domain.program import Program
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import live_program, terms_url
from connector.store.models import ProgramVersion, Shop

LOCALES = ("es", "en")


class TermsNotAccepted(ValueError):
    """A join that did not accept the terms in force: `outdated` when it named other ones."""

    def __init__(self, terms: dict[str, Any], outdated: bool) -> None:
        what = "names terms that are not the ones in force" if outdated else "did not accept them"
        super().__init__(f"the program has terms (version {terms['version']}): the join {what}")
        self.terms = terms
        self.outdated = outdated


@dataclass(frozen=True)
class TermsPage:
    """What the public terms page shows: whose terms, in which language, since when."""

    shop_name: str
    locale: str
    text: str  # the merchant's words; "" when the program publishes none
    version: int
    since: datetime | None


def terms_offer(runtime: Runtime, shop: Shop, program: Program, locale: str) -> dict[str, Any] | None:
    """The terms as the widget offers them before joining: their version and the page to read."""
    if not program.terms.published:
        return None
    page_locale = locale if locale in LOCALES else LOCALES[0]
    url = terms_url(runtime.settings, shop, page_locale)
    return {"version": program.terms.version, "url": url}


def check_accepted(
    runtime: Runtime, shop: Shop, program: Program, version: int | None, locale: str
) -> int | None:
    """The terms version a join accepts: None when the program has none; raise TermsNotAccepted
    when it has some and the join names no version, or another one."""
    offer = terms_offer(runtime, shop, program, locale)
    if offer is None:
        return None
    if version != offer["version"]:
        raise TermsNotAccepted(offer, outdated=version is not None)
    return version


async def terms_page(runtime: Runtime, shop: Shop, shop_name: str, locale: str) -> TermsPage:
    """The shop's terms in force, in `locale`, and since when."""
    terms = (await live_program(runtime, shop)).program.terms
    since = None
    if terms.published:
        row = await ProgramVersion.get_or_none(shop_id=shop.id, version=terms.version)
        since = row.created_at if row is not None else None
    return TermsPage(shop_name, locale, terms.text(locale), terms.version, since)
