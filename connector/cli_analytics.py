"""The CLI's analytics commands: `connector export …` (streamed CSV with a progress bar) and
`connector analytics show|rebuild|compact`.

`connector.cli` registers them with one line (`register`), handing over its command registry and
its runtime helper, so this module never imports the CLI back.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from connector.settings import Settings

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]
WithRuntime = Callable[
    [Settings, Callable[[Any], Coroutine[Any, Any, int]]], Coroutine[Any, Any, int]
]
EXPORTS = ("referrals", "advocates", "rewards", "kpis")
# Progress goes to standard error, so a CSV on standard output stays clean.
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 240)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a day as YYYY-MM-DD, got {text!r}") from None


def register(
    sub: Any, command: Callable[[str], Callable[[Command], Command]], with_runtime: WithRuntime
) -> None:
    """Add the parsers and register the commands with the CLI's registry."""
    ex = sub.add_parser("export", help="a CSV of referrals, advocates, rewards or daily KPIs")
    ex.add_argument("kind", choices=EXPORTS)
    ex.add_argument("--shop", required=True)
    ex.add_argument("--start", type=_day, help="first day (YYYY-MM-DD, UTC); KPIs: 30 days ago")
    ex.add_argument("--end", type=_day, help="last day (YYYY-MM-DD); KPIs: today")
    ex.add_argument("--output", "-o", help="write to this file (default: standard output)")
    an = sub.add_parser("analytics", help="the dashboard's figures; rebuild or fold the rollups")
    asub = an.add_subparsers(dest="action", required=True)
    show = asub.add_parser("show", help="a period's KPIs beside the previous period's")
    show.add_argument("--shop", required=True)
    show.add_argument("--start", type=_day)
    show.add_argument("--end", type=_day)
    show.add_argument("--json", action="store_true")
    rebuild = asub.add_parser("rebuild", help="count the shop's figures again from its rows")
    rebuild.add_argument("--shop", required=True)
    asub.add_parser("compact", help="fold every shop's rollup rows into one per figure and day")

    @command("export")
    async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
        return await with_runtime(settings, lambda runtime: _export(runtime, args))

    @command("analytics")
    async def cmd_analytics(args: argparse.Namespace, settings: Settings) -> int:
        return await with_runtime(settings, lambda runtime: _analytics(runtime, args))


async def _period(runtime: Any, args: argparse.Namespace, *, needed: bool) -> Any:
    from connector.services.admin.dashboard import period_of

    if not needed and args.start is None and args.end is None:
        return None
    return period_of(runtime.now().date(), args.start, args.end)  # ValueError: exit code 2


def _sink(stack: contextlib.ExitStack, path: str | None) -> TextIO:
    """Where the CSV goes: the file (closed with the stack), or standard output."""
    if path is None:
        return sys.stdout
    return stack.enter_context(Path(path).open("w", encoding="utf-8", newline=""))


async def _export(runtime: Any, args: argparse.Namespace) -> int:
    from connector.services.analytics import exports
    from connector.services.referrals.programs import find_shop

    shop = await find_shop(args.shop)
    period = await _period(runtime, args, needed=args.kind == "kpis")
    total = await exports.count(shop.id, args.kind, period)
    columns = (TextColumn(f"{args.kind}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with contextlib.ExitStack() as stack:
        out = _sink(stack, args.output)
        progress = stack.enter_context(Progress(*columns, console=errors, transient=False))
        task = progress.add_task(args.kind, total=total)
        async for text in exports.csv_text(
            shop.id, args.kind, period, lambda n: progress.update(task, completed=n)
        ):
            out.write(text)
    where = args.output or "standard output"
    rows = "row" if total == 1 else "rows"
    errors.print(f"{args.kind}: {total} {rows} of {shop.domain} written to {where}")
    return 0


async def _analytics(runtime: Any, args: argparse.Namespace) -> int:
    from connector.services.analytics import recompute, rollups
    from connector.services.analytics.kpis import figures_of, sums
    from connector.services.referrals.programs import find_shop

    if args.action == "compact":
        folded = await rollups.compact_all(runtime)
        print(f"folded {folded} rollup rows")
        return 0
    shop = await find_shop(args.shop)
    if args.action == "rebuild":
        written = await recompute.rebuild(shop.id)
        print(f"{shop.domain}: {written} figures counted again from the stored rows")
        return 0
    period = await _period(runtime, args, needed=True)
    now = figures_of(await sums(shop.id, period))
    before = figures_of(await sums(shop.id, period.previous()))
    if args.json:
        import json

        print(json.dumps({"period": [str(period.start), str(period.end)], "figures": now,
                          "previous": before}, default=str, indent=2))  # fmt: skip
        return 0
    table = Table("figure", f"{period.start} – {period.end}", "previous period")
    for name, value in now.items():
        table.add_row(name, "—" if value is None else str(value),
                      "—" if before[name] is None else str(before[name]))  # fmt: skip
    Console().print(table)
    return 0
