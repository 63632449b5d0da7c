"""`connector blocklist`: the shop's blocklist from the command line, as the admin's Blocklist page
edits it (list, add, remove). Registered from `connector.cli.build_parser`."""

from __future__ import annotations

import argparse
from typing import Any

from connector.cli import (
    FAILURE,
    USAGE,
    CliError,
    Columns,
    _id,
    _print_rows,
    _with_runtime,
    command,
    console,
)
from connector.settings import Settings

BLOCK_COLUMNS: Columns = {
    "id": "id", "kind": "kind", "value": "label", "note": "note", "by": "created_by",
    "added": "created_at",
}  # fmt: skip


@command("blocklist")
async def cmd_blocklist(args: argparse.Namespace, settings: Settings) -> int:
    """List a shop's blocklist, add an entry to it or remove one."""
    from connector.services.referrals import blocklist
    from connector.services.referrals.programs import find_shop

    async def body(runtime: Any) -> int:
        shop = await find_shop(args.shop)
        if args.action == "list":
            _print_rows(await blocklist.list_entries(shop), BLOCK_COLUMNS, args.json)
            return 0
        if args.action == "remove":
            if not await blocklist.remove_entry(shop, args.id):
                raise CliError(f"{shop.domain} has no blocklist entry {args.id}", FAILURE)
            console.print(f"blocklist entry {args.id} removed")
            return 0
        try:
            entry, created = await blocklist.add_entry(
                runtime, shop, args.kind, args.value, note=args.note, actor=args.by
            )
        except blocklist.BadEntry as exc:
            raise CliError(str(exc), USAGE) from None
        verb = "added" if created else "already listed"
        console.print(f"{entry.kind} {entry.label} {verb} (entry {entry.id})", markup=False)
        return 0

    return await _with_runtime(settings, body)


def add_parsers(sub: Any) -> None:
    """The sub-commands of `connector blocklist`."""
    from connector.services.referrals.blocklist import KINDS

    bl = sub.add_parser("blocklist", help="a shop's blocklist: list, add, remove")
    blsub = bl.add_subparsers(dest="action", required=True)
    shown = blsub.add_parser("list", help="the entries, newest first")
    shown.add_argument("--shop", required=True)
    shown.add_argument("--json", action="store_true", help="every field, as JSON")
    add = blsub.add_parser("add", help="list an email, domain, customer, IP or address")
    add.add_argument("--shop", required=True)
    add.add_argument("kind", choices=KINDS)
    add.add_argument("value", help='an address is "street, postcode"')
    add.add_argument("--note", default="", help="why, for whoever reads the list later")
    add.add_argument("--by", default="cli", help="who adds it (default: cli)")
    rm = blsub.add_parser("remove", help="take an entry off the list")
    rm.add_argument("--shop", required=True)
    rm.add_argument("id", type=_id)
