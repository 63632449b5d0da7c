"""`connector loyalty import`: members' points balances and VIP tiers from a CSV export.

Registered from `connector.cli` (the `loyalty` command's `import` action, beside `balance`).
The file is Smile.io's points CSV, LoyaltyLion's customer export or the generic shape
(services.rewards.imports); a progress bar follows the rows, then a report of what was imported
and every rejected line with why. Running the same file again changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from connector.settings import Settings

FORMAT_HELP = "smile (email,points[,vip_tier]), loyaltylion (email,points_approved,tier) or generic (email,customer_id,points,tier); by default read from the header row"


def add_parsers(loyalty: Any) -> None:
    """The `import` action of `connector loyalty` (`loyalty` is its sub-parsers)."""
    imp = loyalty.add_parser("import", help="points balances and VIP tiers from a CSV export")
    imp.add_argument("--shop", required=True)
    imp.add_argument("file", help="the CSV file")
    imp.add_argument("--format", choices=("smile", "loyaltylion", "generic"), help=FORMAT_HELP)
    imp.add_argument("--json", action="store_true", help="the report as JSON")


async def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import the file's rows into the shop's loyalty members; 1 when any line was rejected."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from connector.cli import USAGE, CliError, _print_rows, _with_runtime, console
    from connector.services.referrals.programs import find_shop
    from connector.services.rewards.imports import ImportRefused, import_rows, read_rows

    try:
        text = await asyncio.to_thread(Path(args.file).read_text, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {args.file}: {exc}", USAGE) from None
    try:
        shape, rows, rejected = read_rows(text, args.format)
    except ImportRefused as exc:
        raise CliError(f"{args.file}: {exc}", USAGE) from None

    async def body(runtime: Any) -> int:
        try:
            shop = await find_shop(args.shop)
        except LookupError as exc:
            raise CliError(str(exc)) from None
        columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=True, disable=args.json) as bar:
            task = bar.add_task("rows", total=len(rows))
            try:
                report = await import_rows(
                    runtime, shop, shape, rows, rejected,
                    progress=lambda done: bar.update(task, completed=done),
                )  # fmt: skip
            except ImportRefused as exc:
                raise CliError(str(exc)) from None
        if args.json:
            print(json.dumps({**report.__dict__, "rejected": [r.__dict__ for r in report.rejected]}))
        else:
            console.print(
                f"{shape}: {report.imported} imported ({report.points_added} points),"
                f" {report.unchanged} unchanged, {len(report.rejected)} rejected"
            )
            if report.rejected:
                _print_rows(report.rejected, {"line": "line", "why": "reason"})
        return 1 if report.rejected else 0

    return await _with_runtime(settings, body)
