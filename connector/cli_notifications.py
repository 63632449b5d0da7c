"""`connector messages`: the message outbox for operators (list, show, replay, send now).

Registered from `connector.cli` by name (its EXTENSIONS), so this module may use the CLI's
helpers without an import cycle.
"""

from __future__ import annotations

import argparse
from typing import Any

from connector.cli import (
    USAGE,
    CliError,
    Columns,
    _count,
    _id,
    _json_out,
    _print_rows,
    _with_db,
    command,
    console,
)
from connector.settings import Settings

MESSAGE_COLUMNS: Columns = {
    "id": "id", "shop": "shop", "kind": "kind", "channel": "channel", "to": "recipient",
    "status": "status", "reason": "reason", "tries": "attempts", "created": "created_at",
    "last error": lambda r: (r.last_error or "")[:80],
}  # fmt: skip


@command("messages")
async def cmd_messages(args: argparse.Namespace, settings: Settings) -> int:
    """List, show, replay or send the outbox's messages."""
    from connector.services.base.runtime import Runtime, make_http_client, utcnow
    from connector.services.notifications import outbox
    from connector.services.notifications.sender import send_due_messages

    async def body() -> int:
        if args.action == "list":
            rows = await outbox.list_messages(
                shop_domain=args.shop, status=args.status, kind=args.kind, limit=args.limit
            )
            _print_rows(rows, MESSAGE_COLUMNS, args.json)
            return 0
        if args.action == "show":
            found = await outbox.show_message(args.id)
            if found is None:
                raise CliError(f"no message {args.id}")
            _json_out(found)
            return 0
        if args.action == "send":
            runtime = Runtime(settings, make_http_client())
            try:
                done = await send_due_messages(runtime)
            finally:
                await runtime.http.aclose()
            console.print(f"messages settled: {done}")
            return 0
        if not args.ids and not args.dead:
            raise CliError("name message ids to replay, or pass --dead", USAGE)
        result = await outbox.replay_messages(args.ids, utcnow(), all_dead=args.dead)
        console.print(f"queued {len(result.queued)} messages to send again")
        if result.refused:
            raise CliError("; ".join(why for _, why in result.refused))
        return 0

    return await _with_db(settings, body)


def add_parsers(sub: Any) -> None:
    """The `messages` sub-command and its actions."""
    ms = sub.add_parser("messages", help="see, replay and send the notification outbox")
    msub = ms.add_subparsers(dest="action", required=True)
    mlist = msub.add_parser("list", help="kind, recipient, status, tries, last error")
    mlist.add_argument("--shop")
    mlist.add_argument("--status", choices=["pending", "sent", "skipped", "dead"])
    mlist.add_argument("--kind")
    mlist.add_argument("--limit", type=_count, default=50)
    mlist.add_argument("--json", action="store_true")
    mshow = msub.add_parser("show", help="one message with its placeholders and what was sent")
    mshow.add_argument("id", type=_id)
    mreplay = msub.add_parser("replay", help="send dead or skipped messages again")
    mreplay.add_argument("ids", type=_id, nargs="*")
    mreplay.add_argument("--dead", action="store_true", help="every dead-lettered message")
    msub.add_parser("send", help="send every due message now, then exit")
