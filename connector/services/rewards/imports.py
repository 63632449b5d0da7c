"""Importing points balances and VIP tiers from another loyalty app's CSV export.

Three shapes are read (the header row says which, or the caller names it):

- `smile`: Smile.io's points CSV, `email,points` (and a `vip_tier` column where there is one);
- `loyaltylion`: LoyaltyLion's customer export, `email` with `points_approved` (the balance a
  customer can spend) and `tier`, and `customer_id` or `merchant_id` where there is one;
- `generic`: `email,customer_id,points,tier`, any of email or customer_id, tier optional.

Each row sets what the member holds *from imports*: the first run adds the row's points, a run
of the same file adds nothing, and a corrected file moves each member by the difference (the
entries `import:{member}:{n}` are unique per shop, written with the member locked). A tier in the
file is held from then on with its perks (a tier the program does not have rejects the row).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from connector.domain.emails import normalize_email
from connector.domain.rewards import loyalty as rules
from connector.domain.rewards import vip as vip_rules
from connector.services.base.runtime import Runtime
from connector.services.referrals.advocates import member_account
from connector.services.referrals.programs import live_program
from connector.services.rewards.loyalty import append_entry, balance
from connector.services.rewards.vip import hold_tier
from connector.store.models import Advocate, LedgerEntry, Shop

FORMATS = ("smile", "loyaltylion", "generic")
MAX_POINTS = 1_000_000_000
IMPORT = "import"
# Column names by shape (headers are compared lower-case, spaces and dashes as underscores).
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "smile": {"email": ("email",), "points": ("points",), "tier": ("vip_tier", "tier")},
    "loyaltylion": {
        "email": ("email",), "points": ("points_approved", "approved_points"),
        "tier": ("tier", "current_tier"), "customer_id": ("customer_id", "merchant_id"),
    },
    "generic": {
        "email": ("email",), "customer_id": ("customer_id",), "points": ("points",),
        "tier": ("tier",),
    },
}  # fmt: skip


class ImportRefused(ValueError):
    """The file cannot be read as any of the shapes (nothing was imported)."""


@dataclass(frozen=True)
class ImportRow:
    """One member's line: who (email and/or store customer id), points, and a tier if any."""

    line: int
    email: str | None
    customer_id: str | None
    points: int
    tier: str | None


@dataclass(frozen=True)
class Rejected:
    """A line left out, and why."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did: rows imported (points moved or tier set), unchanged, rejected."""

    shape: str
    imported: int = 0
    unchanged: int = 0
    points_added: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def _key(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def detect_shape(headers: Sequence[str]) -> str:
    """The shape whose columns the header row has; ImportRefused when none fits."""
    names = {_key(h) for h in headers}
    if "points_approved" in names or "approved_points" in names:
        return "loyaltylion"
    if "customer_id" in names and "points" in names:
        return "generic"
    if "email" in names and "points" in names:
        return "smile"
    raise ImportRefused(
        "the header row names no known shape: Smile.io (email, points), LoyaltyLion (email,"
        " points_approved, tier) or generic (email, customer_id, points, tier)"
    )


def read_rows(text: str, shape: str | None = None) -> tuple[str, list[ImportRow], list[Rejected]]:
    """The file's shape, its good rows and its rejected lines (line 1 is the header)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    headers = next(reader, None)
    if not headers:
        raise ImportRefused("the file is empty")
    shape = shape or detect_shape(headers)
    if shape not in FORMATS:
        raise ImportRefused(f"the format must be one of {', '.join(FORMATS)}, not {shape!r}")
    index = {_key(h): i for i, h in enumerate(headers)}
    where = {
        name: next((index[c] for c in choices if c in index), None)
        for name, choices in COLUMNS[shape].items()
    }
    if where["points"] is None or (where["email"] is None and where.get("customer_id") is None):
        raise ImportRefused(f"a {shape} file needs a points column and an email or customer id")
    rows: list[ImportRow] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        row = _row(line, cells, where)
        if isinstance(row, Rejected):
            rejected.append(row)
            continue
        who = row.customer_id or row.email or ""
        if who in seen:
            rejected.append(Rejected(line, f"{who} is on an earlier line"))
            continue
        seen.add(who)
        rows.append(row)
    return shape, rows, rejected


def _row(line: int, cells: list[str], where: dict[str, int | None]) -> ImportRow | Rejected:
    def cell(name: str) -> str:
        i = where.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    email = cell("email") or None
    if email is not None and "@" not in email:
        return Rejected(line, f"{email!r} is not an email address")
    customer_id = cell("customer_id") or None
    if email is None and customer_id is None:
        return Rejected(line, "no email and no customer id")
    raw = cell("points").replace(",", "").replace("_", "")
    if not raw.isdigit() or int(raw) > MAX_POINTS:
        return Rejected(line, f"points must be a whole number from 0, got {cell('points')!r}")
    return ImportRow(line, email, customer_id, int(raw), cell("tier") or None)


async def import_rows(
    runtime: Runtime,
    shop: Shop,
    shape: str,
    rows: Iterable[ImportRow],
    rejected: Sequence[Rejected] = (),
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import each row in its own transaction; what was imported, unchanged and rejected."""
    program = (await live_program(runtime, shop)).program
    loyalty = program.loyalty
    report = ImportReport(shape, rejected=list(rejected))
    if loyalty is None:
        raise ImportRefused(f"{shop.domain}'s program has no points (no loyalty section)")
    now = runtime.now()
    for done, row in enumerate(rows, start=1):
        tier = vip_rules.tier_named(loyalty, row.tier) if row.tier else None
        if row.tier and tier is None:
            names = ", ".join(t.name for t in loyalty.vip_tiers) or "none"
            report.rejected.append(Rejected(row.line, f"no tier {row.tier!r} (the program has {names})"))
        else:
            async with in_transaction() as tx:
                member = await member_account(
                    runtime, shop, program, tx, customer_id=row.customer_id,
                    email=normalize_email(row.email) if row.email else None,
                )  # fmt: skip
                if member is None:
                    report.rejected.append(Rejected(row.line, "no member could be found or made"))
                    continue
                await Advocate.filter(id=member.id).using_db(tx).select_for_update().only("id")
                prior = await LedgerEntry.filter(
                    shop_id=shop.id, advocate_id=member.id, reference=IMPORT
                ).using_db(tx).order_by("id")  # fmt: skip
                delta = row.points - sum(int(e.points) for e in prior)
                if delta < 0:  # a corrected file: never below zero
                    delta = -rules.take_back(-delta, await balance(shop.id, member.id, tx))
                moved = tier is not None and await hold_tier(tx, shop, member, tier, now)
                if delta:
                    kind = rules.EntryKind.EARN if delta > 0 else rules.EntryKind.REFUND
                    await append_entry(
                        tx, shop.id, member.id, kind=kind.value, points=delta, reference=IMPORT,
                        idempotency_key=f"{IMPORT}:{member.id}:{len(prior)}",
                        expires_at=rules.expiry_for(loyalty, now) if delta > 0 else None,
                        created_at=now,
                    )  # fmt: skip
                    report.points_added += delta
                if delta or moved:
                    report.imported += 1
                else:
                    report.unchanged += 1
        if progress is not None:
            progress(done)
    report.rejected.sort(key=lambda r: r.line)
    return report
