"""The `connector` command: serve, migrate, worker, deliveries, keys and Shopify config."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, NoReturn

from rich.console import Console
from rich.table import Table

from connector import cli_analytics
from connector.errors import ConnectorError
from connector.logs import setup_logging
from connector.settings import Settings, load_settings

# Piped output (scripts, CI) gets a wide console so rows are never wrapped mid-value.
console = Console(width=None if sys.stdout.isatty() else 240)

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]
COMMANDS: dict[str, Command] = {}
FAILURE, USAGE = 1, 2  # the exit codes of an expected failure and of bad usage (README)
MAX_ID = 2**63 - 1  # ids are 64-bit in the database: a longer number names nothing
# Capabilities whose commands live in their own module (`connector/cli_*.py`): each registers
# its commands with `command` and adds its parsers in `add_parsers(sub)`. Loaded by name, so a
# module may import this one's helpers without an import cycle. Add one line per capability.
EXTENSIONS: tuple[str, ...] = ("connector.cli_fraud", "connector.cli_notifications")
LOYALTY_IMPORT = "connector.cli_loyalty"  # `connector loyalty import`, in its own module


class CliError(Exception):
    """An expected failure: one line for a person, and the exit code (FAILURE or USAGE)."""

    def __init__(self, message: str, code: int = FAILURE) -> None:
        super().__init__(message)
        self.code = code


def _id(text: str) -> int:
    """An id argument: a whole number from 1 to MAX_ID (argparse says so with exit code 2)."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise argparse.ArgumentTypeError(f"must be an id from 1 to {MAX_ID}, got {text!r}")
    return int(text)


def _count(text: str) -> int:
    """A positive count argument (limits, concurrency), at most a million."""
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 1000000, got {text!r}")
    return int(text)


def _points(text: str) -> int:
    """A number of points to add (or, negative, remove), within a billion either way."""
    digits = text.removeprefix("-")
    if not digits.isdigit() or int(digits) > 1_000_000_000:
        raise argparse.ArgumentTypeError(f"must be a whole number of points, got {text!r}")
    return int(text)


def _locale_text(text: str) -> str:
    """A LOCALE=TEXT argument."""
    locale, equals, _ = text.partition("=")
    if not equals or not locale.strip():
        raise argparse.ArgumentTypeError(f"must be LOCALE=TEXT (es=Hola), got {text!r}")
    return text


def _port(text: str) -> int:
    """A TCP port argument."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 1 to 65535, got {text!r}")
    return int(text)


def _iso(text: str) -> Any:
    """An ISO date or time argument, as an aware UTC datetime."""
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an ISO-8601 date or time (2026-11-30 or 2026-11-30T12:00:00Z), got {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _read_json(path: str) -> Any:
    """A JSON file given on the command line; CliError (bad usage) when missing or not JSON."""
    from pathlib import Path

    from connector import jsonsafe

    try:
        text = await asyncio.to_thread(Path(path).read_bytes)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", USAGE) from None
    try:
        return jsonsafe.loads(text)
    except jsonsafe.JSONRejected as exc:
        raise CliError(f"{path} is not valid JSON: {exc}", USAGE) from None


def command(name: str) -> Callable[[Command], Command]:
    """Register an async command implementation under a sub-command name."""

    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


async def _with_db(settings: Settings, body: Callable[[], Coroutine[Any, Any, int]]) -> int:
    from connector.store.db import close_db, init_db

    await init_db(settings.database_url)
    try:
        return await body()
    finally:
        await close_db()


# A table's columns: header -> the row's attribute, or a function of the row giving the cell.
Columns = Mapping[str, str | Callable[[Any], object]]


def _print_rows(rows: Sequence[Any], columns: Columns, as_json: bool = False) -> None:
    """Print rows as JSON (every field of each) or as a table of `columns` (None shows empty)."""
    if as_json:
        print(json.dumps([r.__dict__ for r in rows], default=str, indent=2))
        return
    table = Table(*columns)
    for row in rows:
        cells = (get(row) if callable(get) else getattr(row, get) for get in columns.values())
        table.add_row(*("" if cell is None else str(cell) for cell in cells))
    console.print(table)


@command("migrate")
async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending migrations."""
    from connector.store.db import close_db, migrate

    try:
        applied = await migrate(settings.database_url)
    finally:
        await close_db()
    console.print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
    return 0


@command("worker")
async def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run N worker loops in this process until interrupted."""
    from connector.services.base.runtime import Runtime, make_http_client
    from connector.services.handlers import build_worker

    async def body() -> int:
        runtime = Runtime(settings, make_http_client())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            if args.once:
                counts = await build_worker(runtime).drain()
                console.print(f"processed: {counts or 'nothing due'}")
                return 0
            await asyncio.gather(
                *(build_worker(runtime).run(stop) for _ in range(args.concurrency))
            )
        finally:
            await runtime.http.aclose()
        return 0

    return await _with_db(settings, body)


DELIVERY_COLUMNS: Columns = {
    "id": "id", "topic": "topic", "shop": "shop", "webhook id": "webhook_id", "status": "status",
    "attempts": "attempts", "last error": lambda r: (r.last_error or "")[:80],
}  # fmt: skip


@command("deliveries")
async def cmd_deliveries(args: argparse.Namespace, settings: Settings) -> int:
    """List, show or replay stored webhook deliveries."""
    from connector.services.base.runtime import utcnow
    from connector.services.pipeline import deliveries

    async def body() -> int:
        if args.action == "list":
            rows = await deliveries.list_deliveries(
                status=args.status, shop=args.shop, topic=args.topic, limit=args.limit
            )
            _print_rows(rows, DELIVERY_COLUMNS, args.json)
            return 0
        if args.action == "show":
            found = await deliveries.show_delivery(args.id)
            if found is None:
                raise CliError(f"no delivery {args.id}")
            print(json.dumps(found, default=str, indent=2))
            return 0
        if args.dead:
            count = await deliveries.replay_dead(utcnow(), shop=args.shop)
            console.print(f"queued {count} deliveries for replay")
            return 0
        if not args.ids:
            raise CliError("name delivery ids to replay, or pass --dead", USAGE)
        missing = await deliveries.missing(args.ids)
        count = await deliveries.replay([i for i in args.ids if i not in missing], utcnow())
        console.print(f"queued {count} deliveries for replay")
        if missing:
            raise CliError("no delivery " + ", ".join(map(str, missing)))
        return 0

    return await _with_db(settings, body)


PRIVACY_COLUMNS: Columns = {
    "id": "id", "kind": "kind", "shop": "shop", "customer": "customer_id",
    "received": "received_at", "completed": "completed_at", "summary": "summary",
}  # fmt: skip


@command("privacy")
async def cmd_privacy(args: argparse.Namespace, settings: Settings) -> int:
    """List privacy requests, or show one with its data-request export."""
    from connector.services.privacy import compliance

    async def body() -> int:
        if args.action == "list":
            rows = await compliance.list_privacy_requests(
                shop=args.shop, kind=args.kind, limit=args.limit
            )
            _print_rows(rows, PRIVACY_COLUMNS, args.json)
            return 0
        found = await compliance.show_privacy_request(args.id)
        if found is None:
            raise CliError(f"no privacy request {args.id}")
        _json_out(found)
        return 0

    return await _with_db(settings, body)


@command("generate-key")
async def cmd_generate_key(args: argparse.Namespace, settings: Settings) -> int:
    """Print a new encryption key for CONNECTOR_ENCRYPTION_KEYS."""
    from connector.crypto import generate_key

    print(generate_key())
    return 0


@command("rotate-keys")
async def cmd_rotate_keys(args: argparse.Namespace, settings: Settings) -> int:
    """Re-encrypt every stored secret with the newest key."""
    from connector.crypto import Vault
    from connector.services.outbound.endpoints import rotate_secrets
    from connector.services.shops.credentials import rotate_all

    async def body() -> int:
        count = await rotate_all(Vault(settings.encryption_keys))
        hooks = await rotate_secrets(Vault(settings.encryption_keys))
        console.print(f"re-encrypted the secrets of {count} shops and {hooks} webhook endpoints"
                      " with the newest key")  # fmt: skip
        return 0

    return await _with_db(settings, body)


@command("shopify-config")
async def cmd_shopify_config(args: argparse.Namespace, settings: Settings) -> int:
    """Write shopify.app.toml (what `shopify app deploy` sends) from app.toml and settings."""
    from pathlib import Path

    from connector.services.shops.shopify_config import write_shopify_config

    try:
        path = write_shopify_config(settings, Path(args.output))
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    console.print(f"wrote {path}")
    if not settings.shopify.api_key:
        console.print("[yellow]client_id is a placeholder: set SHOPIFY_API_KEY, run again[/yellow]")
    return 0


# --- Rewards: reconcile, simulate, payouts, loyalty (services.referrals.reconcile, referrals.simulate, rewards.payouts, ...) ---


async def _with_runtime(settings: Settings, body: Callable[[Any], Coroutine[Any, Any, int]]) -> int:
    """Run `body(runtime)` with the database open and one HTTP client, closed afterwards."""
    from connector.services.base.runtime import Runtime, make_http_client

    async def run() -> int:
        runtime = Runtime(settings, make_http_client())
        try:
            return await body(runtime)
        finally:
            await runtime.http.aclose()

    return await _with_db(settings, run)


@command("reconcile")
async def cmd_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    """Feed orders the webhooks missed into the inbox, showing progress."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from connector.services.referrals.programs import find_shop
    from connector.services.referrals.reconcile import reconcile

    async def body(runtime: Any) -> int:
        shop = await find_shop(args.shop)
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("listing orders", total=None)

            def seen(looked: int, fed: int) -> None:
                progress.update(task, description=f"{looked} orders looked at, {fed} fed")

            fed = await reconcile(runtime, shop, since=args.since, progress=seen)
        console.print(f"fed {fed} orders of {shop.domain} into the inbox")
        return 0

    return await _with_runtime(settings, body)


@command("simulate")
async def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    """Explain what an order (a webhook body in a file) would earn; writes nothing."""

    from connector.services.referrals.programs import find_shop
    from connector.services.referrals.simulate import simulate_order

    async def body(runtime: Any) -> int:
        payload = await _read_json(args.order)
        shop = await find_shop(args.shop)
        result = await simulate_order(runtime, shop, payload, assume_new=args.assume_new)
        for line in result.lines:
            console.print(line, markup=False, highlight=False)
        return 0

    return await _with_runtime(settings, body)


PAYOUT_COLUMNS: Columns = {
    "id": "reward_id", "recorded": "recorded_at", "kind": "kind",
    "amount": lambda r: f"{r.amount} {r.currency}", "cause": "cause", "advocate": "advocate_name",
    "status": "status", "paid by": "paid_by",
}  # fmt: skip


@command("payouts")
async def cmd_payouts(args: argparse.Namespace, settings: Settings) -> int:
    """List or export cash and donation records, or mark one paid."""
    from connector.services.referrals.programs import find_shop
    from connector.services.rewards import payouts

    async def body(runtime: Any) -> int:
        shop = await find_shop(args.shop)
        if args.action == "paid":
            done = await payouts.mark_paid(
                runtime, shop, args.id, by=args.by, reference=args.reference
            )
            console.print(f"record {done.reward_id} paid by {done.paid_by} ({done.reference})")
            return 0
        rows = await payouts.list_payouts(
            shop, since=args.since, until=args.until, status=args.status
        )
        if args.action == "export":
            sys.stdout.write(payouts.payouts_csv(rows))
            return 0
        _print_rows(rows, PAYOUT_COLUMNS)
        return 0

    return await _with_runtime(settings, body)


@command("loyalty")
async def cmd_loyalty(args: argparse.Namespace, settings: Settings) -> int:
    """A member's points balance and VIP tier; importing balances and tiers from a CSV."""
    from connector.services.referrals.programs import find_shop
    from connector.services.rewards import loyalty

    if args.action == "import":  # its own module, loaded by name (it uses this one's helpers)
        imported: int = await importlib.import_module(LOYALTY_IMPORT).cmd_import(args, settings)
        return imported

    async def body(runtime: Any) -> int:
        shop = await find_shop(args.shop)
        points = await loyalty.balance(shop.id, args.advocate)
        tier = await loyalty.vip_tier(runtime, shop, args.advocate)
        name = tier.name if tier else "-"
        console.print(f"advocate {args.advocate}: {points} points, tier {name}")
        return 0

    return await _with_runtime(settings, body)


@command("rewards")
async def cmd_rewards(args: argparse.Namespace, settings: Settings) -> int:
    """Queue failed rewards again, by id or every failed one (of a shop with --shop)."""
    from connector.services.referrals.programs import find_shop
    from connector.services.rewards.retry import retry_rewards

    if bool(args.ids) == args.failed:
        raise CliError("name reward ids to retry, or pass --failed (not both)", USAGE)

    async def body(runtime: Any) -> int:
        shop = await find_shop(args.shop) if args.shop else None
        done = await retry_rewards(runtime, args.ids, shop=shop, all_failed=args.failed)
        if args.json:
            queued = {"queued": list(done.queued)}
            _json_out({**queued, "refused": [{"id": i, "why": w} for i, w in done.refused]})
        else:
            console.print(f"queued {len(done.queued)} rewards again", highlight=False)
        if done.refused:
            raise CliError("; ".join(why for _, why in done.refused))
        return 0

    return await _with_runtime(settings, body)


def _reward_parsers(sub: Any) -> None:
    """The sub-commands of the reward services."""
    rc = sub.add_parser("reconcile", help="feed orders the webhooks missed into the inbox")
    rc.add_argument("--shop", required=True)
    rc.add_argument(
        "--since", type=_iso, help="ISO date or time (default: where the last run ended)"
    )
    sim = sub.add_parser("simulate", help="explain what an order would earn; writes nothing")
    sim.add_argument("--shop", required=True)
    sim.add_argument("order", help="an order webhook body (JSON file)")
    sim.add_argument("--assume-new", action="store_true", help="do not ask the store")
    po = sub.add_parser("payouts", help="cash and charity records: list, export CSV, mark paid")
    posub = po.add_subparsers(dest="action", required=True)
    for name, text in (("list", "as a table"), ("export", "as CSV on standard output")):
        listing = posub.add_parser(name, help=text)
        listing.add_argument("--shop", required=True)
        listing.add_argument("--since", type=_iso, help="recorded at or after (ISO)")
        listing.add_argument("--until", type=_iso, help="recorded before (ISO)")
        listing.add_argument("--status", choices=["recorded", "paid", "clawback"])
    paid = posub.add_parser("paid", help="record that a person paid one")
    paid.add_argument("--shop", required=True)
    paid.add_argument("id", type=_id)
    paid.add_argument("--by", required=True, help="who paid it")
    paid.add_argument("--reference", help="the payment's reference")
    rw = sub.add_parser("rewards", help="queue failed rewards again")
    rwsub = rw.add_subparsers(dest="action", required=True)
    retry = rwsub.add_parser("retry", help="queue failed rewards again (same code, issued once)")
    retry.add_argument("ids", type=_id, nargs="*", help="the rewards' ids (referrals show)")
    retry.add_argument("--failed", action="store_true", help="every failed reward")
    retry.add_argument("--shop", help="only this shop's")
    retry.add_argument("--json", action="store_true")
    ly = sub.add_parser("loyalty", help="loyalty points")
    lysub = ly.add_subparsers(dest="action", required=True)
    bal = lysub.add_parser("balance", help="an advocate's points and VIP tier")
    bal.add_argument("--shop", required=True)
    bal.add_argument("--advocate", type=_id, required=True, help="the advocate's id")
    importlib.import_module(LOYALTY_IMPORT).add_parsers(lysub)


# --- end of rewards ----------------------------------------------------------------------------


# --- Referrals: programs, advocates, referrals and the review queue (services.referrals: programs, advocates, crediting, views) ---


def _field_errors(errors: Sequence[tuple[str, str]]) -> NoReturn:
    """Refuse an input (bad usage) naming each bad field with what is wrong, in one line."""
    raise CliError("; ".join(f"{path}: {message}" for path, message in errors), USAGE)


def _json_out(value: Any) -> None:
    print(json.dumps(value, default=str, indent=2, ensure_ascii=False))


@command("program")
async def cmd_program(args: argparse.Namespace, settings: Settings) -> int:
    """Show the shop's live program (JSON), or save a JSON file as its next version."""

    from connector.domain.program import ProgramError, program_to_dict
    from connector.services.referrals import programs

    async def body(runtime: Any) -> int:
        shop = await programs.find_shop(args.shop)
        if args.action == "diff":
            return await _program_diff(shop, args)
        if args.action == "restore":
            row = await programs.restore_version(runtime, shop, args.version, args.by)
            console.print(f"saved version {row.version} of {shop.domain}'s program")
            return 0
        if args.action == "show":
            live = await programs.live_program(runtime, shop)
            if not live.saved:
                console.print("[yellow]not saved yet: these are the defaults[/yellow]")
            _json_out(program_to_dict(live.program))
            return 0
        data = await _read_json(args.file)
        try:
            row = await programs.save_program(runtime, shop, data, args.by, args.note)
        except ProgramError as exc:
            details = "; ".join(f"{path}: {message}" for path, message in exc.errors)
            raise CliError(f"{args.file} is not a valid program: {details}", USAGE) from None
        console.print(f"saved version {row.version} of {shop.domain}'s program")
        return 0

    return await _with_runtime(settings, body)


async def _program_diff(shop: Any, args: argparse.Namespace) -> int:
    """Print what changed between two saved versions (the newer defaults to the live one)."""
    from connector.domain.program.changes import config_changes
    from connector.services.referrals import programs

    versions = await programs.list_versions(shop)
    end = args.to if args.to is not None else (versions[0].version if versions else args.start)
    before = await programs.version_config(shop, args.start)
    after = await programs.version_config(shop, end)
    changes = config_changes(before, after)
    console.print(f"version {args.start} -> {end}: {len(changes)} change(s)")
    for change in changes:
        line = f"  {change.path}: {json.dumps(change.before)} -> {json.dumps(change.after)}"
        console.print(line, markup=False, highlight=False)
    return 0


ADVOCATE_COLUMNS: Columns = {
    "id": "id", "kind": "kind", "name": "name", "email": "email", "customer": "customer_id",
    "code": "friend_code", "status": "status", "share link": "share_link",
}  # fmt: skip


@command("advocates")
async def cmd_advocates(args: argparse.Namespace, settings: Settings) -> int:
    """List a shop's advocates, or enrol one by email or store customer id."""
    from connector.services.referrals import advocates
    from connector.services.referrals.programs import find_shop

    async def body(runtime: Any) -> int:
        shop = await find_shop(args.shop)
        if args.action == "enrol":
            done = await advocates.enrol_advocate(
                runtime, shop, email=args.email, customer_id=args.customer_id, name=args.name
            )
            verb = "enrolled" if done.created else "already enrolled"
            console.print(f"advocate {done.advocate.id} {verb}: {done.share_link}")
            return 0
        if args.action != "list":
            return await _adjust(runtime, shop, args)
        rows = await advocates.list_advocates(
            shop, limit=args.limit, search=args.search, status=args.status
        )
        _print_rows(rows, ADVOCATE_COLUMNS)
        return 0

    return await _with_runtime(settings, body)


async def _adjust(runtime: Any, shop: Any, args: argparse.Namespace) -> int:
    """Points, a granted reward, block or unblock: recorded with --by and --reason."""
    import secrets
    from decimal import Decimal, InvalidOperation

    from connector.services.admin import adjustments
    from connector.services.base.limits import FieldInvalid
    from connector.services.referrals.programs import live_program

    # Without --key each run is a new adjustment; with it, running it again changes nothing.
    key = getattr(args, "key", None) or f"cli-{secrets.token_hex(8)}"
    try:
        if args.action in ("block", "unblock"):
            advocate, row = await adjustments.set_blocked(
                runtime, shop, args.id, args.action == "block", args.reason, actor=args.by
            )
            state = "unchanged" if row is None else "recorded"
            console.print(f"advocate {advocate.id} is {advocate.status} ({state})")
            return 0
        if args.action == "points":
            done = await adjustments.adjust_points(
                runtime, shop, args.id, args.points, args.reason, actor=args.by, request_key=key
            )
        else:
            try:
                value = Decimal(args.value) if args.value is not None else None
            except InvalidOperation:
                raise FieldInvalid("value", f"must be an amount, got {args.value!r}") from None
            currency = (await live_program(runtime, shop)).program.currency
            done = await adjustments.grant_reward(
                runtime, shop, args.id, args.kind, value, args.reason,
                currency=currency, actor=args.by, request_key=key,
            )  # fmt: skip
    except FieldInvalid as exc:
        raise CliError(f"{exc.field}: {exc.message}", USAGE) from None
    except (LookupError, adjustments.KeyReused) as exc:
        raise CliError(str(exc)) from None
    verb = "recorded" if done.created else "already recorded (same --key)"
    reward = f", reward {done.adjustment.reward_id}" if done.adjustment.reward_id else ""
    console.print(f"adjustment {done.adjustment.id} {verb}{reward}; points now {done.points}")
    return 0


REFERRAL_COLUMNS: Columns = {
    "id": "id", "order": "order_id", "advocate": "advocate_id", "state": "state",
    "reason": "state_reason", "signal": "winning_signal", "v": "program_version",
    "hold until": "hold_until",
}  # fmt: skip


@command("referrals")
async def cmd_referrals(args: argparse.Namespace, settings: Settings) -> int:
    """List a shop's referrals, or show one with its evidence, findings and transitions."""
    from connector.services.referrals import views
    from connector.services.referrals.programs import find_shop

    async def body() -> int:
        if args.action == "list":
            shop = await find_shop(args.shop)
            rows = await views.list_referrals(
                shop, args.state, args.limit, since=args.since, until=args.until
            )
            _print_rows(rows, REFERRAL_COLUMNS)
            return 0
        detail = await views.referral_detail(args.id)
        for line in detail.explanation:
            console.print(line, markup=False, highlight=False)
        console.print("Transitions:")
        for e in detail.events:
            line = f"  {e.at:%Y-%m-%d %H:%M} {e.from_state or '-'} -> {e.to_state} ({e.event})"
            console.print(f"{line} by {e.cause_kind} {e.cause_ref} {e.note}".rstrip(), markup=False)
        for w in detail.rewards:
            value = f"{w.amount} {w.currency or '%'}" if w.amount is not None else w.points
            line = f"  reward {w.id}: {w.side} {w.kind} {value or ''} {w.status}"
            if w.status == "failed":
                # Why it failed, and the way out: a failed reward waits for a person.
                line += (
                    f" ({w.reason or 'refused'}: {w.last_error}; `connector rewards retry {w.id}`)"
                )
            console.print(line, markup=False, highlight=False)
        return 0

    return await _with_db(settings, body)


@command("review")
async def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    """The review queue: list flagged referrals, approve or reject one (naming who decided)."""
    from connector.domain.referral import Refusal
    from connector.services.referrals import crediting, views
    from connector.services.referrals.programs import find_shop

    async def body(runtime: Any) -> int:
        shop = await find_shop(args.shop)
        if args.action == "list":
            _print_rows(await views.review_queue(shop), REFERRAL_COLUMNS)
            return 0
        decide = (
            crediting.approve_referral if args.action == "approve" else crediting.reject_referral
        )
        step = await decide(runtime, shop, args.id, args.by, args.note)
        if isinstance(step, Refusal):
            raise CliError(f"{step.reason}: {step.message}")
        console.print(f"referral {args.id}: {step.from_state} -> {step.to_state}")
        return 0

    return await _with_runtime(settings, body)


def _referral_parsers(sub: Any) -> None:
    """The sub-commands of programs, advocates, referrals and reviews."""
    from connector.domain.referral import ReferralState

    pg = sub.add_parser("program", help="a shop's program: show the live one, save a new version")
    pgsub = pg.add_subparsers(dest="action", required=True)
    pgsub.add_parser("show", help="the live program as JSON").add_argument("--shop", required=True)
    pset = pgsub.add_parser("set", help="save a JSON file as the next version")
    pset.add_argument("--shop", required=True)
    pset.add_argument("file", help="the program as JSON (the form `program show` prints)")
    pset.add_argument("--by", default="cli", help="who saves it")
    pset.add_argument("--note", default="")
    pdiff = pgsub.add_parser("diff", help="what changed between two saved versions")
    pdiff.add_argument("--shop", required=True)
    pdiff.add_argument("start", type=_id, metavar="FROM")
    pdiff.add_argument("to", type=_id, nargs="?", metavar="TO", help="default: the live version")
    prestore = pgsub.add_parser("restore", help="save an earlier version again as the next one")
    prestore.add_argument("--shop", required=True)
    prestore.add_argument("version", type=_id)
    prestore.add_argument("--by", default="cli", help="who restores it")
    ad = sub.add_parser("advocates", help="list or enrol advocates")
    adsub = ad.add_subparsers(dest="action", required=True)
    alist = adsub.add_parser("list", help="codes and share links")
    alist.add_argument("--shop", required=True)
    alist.add_argument("--limit", type=_count, default=100)
    alist.add_argument("--search", help="a code, or the first characters of an email or name")
    alist.add_argument("--status", choices=["active", "blocked"])
    points = adsub.add_parser("points", help="add (or, negative, remove) points with a reason")
    grant = adsub.add_parser("grant", help="grant a reward by hand (the outbox issues it)")
    for change in (points, grant):
        change.add_argument("--shop", required=True)
        change.add_argument("id", type=_id, help="the advocate's id")
        change.add_argument("--reason", required=True)
        change.add_argument("--by", required=True, help="who makes the change")
        change.add_argument("--key", help="an idempotency key: the same key twice changes once")
    points.add_argument("points", type=_points)
    grant.add_argument("kind", choices=["fixed_amount_discount", "percentage_discount",
                                        "free_shipping", "store_credit", "gift_card", "cash"])  # fmt: skip
    grant.add_argument("value", nargs="?", help="the amount or percentage (none: free_shipping)")
    for name in ("block", "unblock"):
        blocking = adsub.add_parser(name, help=f"{name} an advocate (recorded with why)")
        blocking.add_argument("--shop", required=True)
        blocking.add_argument("id", type=_id, help="the advocate's id")
        blocking.add_argument("--by", required=True, help="who makes the change")
        blocking.add_argument("--reason", default="")
    enrol = adsub.add_parser("enrol", help="enrol by email or store customer id (idempotent)")
    enrol.add_argument("--shop", required=True)
    enrol.add_argument("--email")
    enrol.add_argument("--customer-id")
    enrol.add_argument("--name", default="")
    rf = sub.add_parser("referrals", help="list referrals, or show one explained")
    rfsub = rf.add_subparsers(dest="action", required=True)
    rlist = rfsub.add_parser("list", help="newest first")
    rlist.add_argument("--shop", required=True)
    rlist.add_argument("--state", choices=[s.value for s in ReferralState])
    rlist.add_argument("--limit", type=_count, default=50)
    rlist.add_argument("--since", type=_iso, help="made at or after (ISO-8601)")
    rlist.add_argument("--until", type=_iso, help="made before (ISO-8601)")
    rfsub.add_parser("show", help="evidence, findings, rewards, transitions").add_argument(
        "id", type=_id
    )
    rv = sub.add_parser("review", help="flagged referrals: list, approve, reject")
    rvsub = rv.add_subparsers(dest="action", required=True)
    rvsub.add_parser("list", help="waiting for a person").add_argument("--shop", required=True)
    for name in ("approve", "reject"):
        verdict = rvsub.add_parser(name, help=f"{name} a referral, recording who decided")
        verdict.add_argument("--shop", required=True)
        verdict.add_argument("id", type=_id)
        verdict.add_argument("--by", required=True, help="who decided")
        verdict.add_argument("--note", default="")


# --- end of referrals ---------------------------------------------------------------------------


@command("settings")
async def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    """Show a shop's settings (JSON), or apply a JSON file of changes (as the admin's PUT)."""
    import dataclasses

    from connector.services.admin import settings as shop_settings
    from connector.services.referrals.programs import find_shop

    async def body(runtime: Any) -> int:
        shop = await find_shop(args.shop)
        if args.action == "show":
            now = shop_settings.shop_settings(shop)
        else:
            change = await _read_json(args.file)
            try:
                now = await shop_settings.update_settings(shop, change)
            except shop_settings.SettingsRefused as exc:
                _field_errors(exc.errors)
        shown = dataclasses.asdict(now)
        shown.pop("defaults")  # the widget's own copy: long, and the same for every shop
        _json_out(shown)
        return 0

    return await _with_runtime(settings, body)


PARTNER_COLUMNS: Columns = {
    "partner": "partner_id", "name": "name", "account": "account_id", "enrolled": "enrolled",
    "code": lambda p: p.advocate.friend_code if p.advocate else None,
    "landing": lambda p: ", ".join(sorted(p.landing)),
}  # fmt: skip


@command("partners")
async def cmd_partners(args: argparse.Namespace, settings: Settings) -> int:
    """List the program's partners, or enrol one with its co-branded landing text."""
    from connector.services.admin import settings as shop_settings
    from connector.services.referrals.programs import find_shop

    async def body(runtime: Any) -> int:
        shop = await find_shop(args.shop)
        if args.action == "list":
            _print_rows(await shop_settings.list_partners(runtime, shop), PARTNER_COLUMNS)
            return 0
        landing = dict(item.split("=", 1) for item in args.landing) if args.landing else None
        try:
            row, created = await shop_settings.enrol_partner_with_landing(
                runtime, shop, args.partner_id, landing
            )
        except shop_settings.SettingsRefused as exc:
            _field_errors(exc.errors)
        code = row.advocate.friend_code if row.advocate else ""
        verb = "enrolled" if created else "already enrolled"
        console.print(f"partner {row.partner_id} {verb}: code {code}")
        return 0

    return await _with_runtime(settings, body)


def _admin_parsers(sub: Any) -> None:
    """The sub-commands of settings and partners."""
    st = sub.add_parser("settings", help="a shop's settings: widget copy, ref parameter, consent")
    stsub = st.add_subparsers(dest="action", required=True)
    stsub.add_parser("show", help="the settings as JSON").add_argument("--shop", required=True)
    sset = stsub.add_parser("set", help="apply a JSON file of changes (absent fields stay)")
    sset.add_argument("--shop", required=True)
    sset.add_argument("file", help='e.g. {"ref_param": "amigo", "copy": {"es": {"title": "…"}}}')
    pa = sub.add_parser("partners", help="the program's partner brands: list, enrol")
    pasub = pa.add_subparsers(dest="action", required=True)
    pasub.add_parser("list", help="enrolled or not, with codes").add_argument(
        "--shop", required=True
    )
    penrol = pasub.add_parser("enrol", help="enrol a partner (idempotent) with its landing text")
    penrol.add_argument("--shop", required=True)
    penrol.add_argument("partner_id")
    penrol.add_argument(
        "--landing",
        action="append",
        type=_locale_text,
        metavar="LOCALE=TEXT",
        help="co-branded text, per locale",
    )


@command("demo")
async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Run the server with the sandbox platform and a demo store at /demo."""
    from dataclasses import replace

    import uvicorn

    from connector.app import demo_app

    # Its own SQLite file, so a demo never writes into the database DATABASE_URL names.
    settings = replace(settings, database_url=f"sqlite://{settings.data_dir / 'demo.sqlite3'}")
    store = f"http://{args.host}:{args.port}/demo/"
    console.print(f"demo store: [bold]{store}[/bold]  (Ctrl+C to stop)")
    # log_config=None: uvicorn's loggers go through ours, one format for every line.
    config = uvicorn.Config(
        demo_app(settings, store), host=args.host, port=args.port,
        log_level=settings.log_level.lower(), log_config=None,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
    )  # fmt: skip
    await uvicorn.Server(config).serve()
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from connector.app import create_app

    # The app logs what is not configured when it starts: said once, in the one log format.
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        # uvloop and httptools (uvicorn[standard]): about 1.8x the pure-Python loop and parser.
        loop="uvloop",
        http="httptools",
        access_log=settings.access_log,
        log_level=settings.log_level.lower(),
        # None: uvicorn's loggers go through ours (one format, secrets masked).
        log_config=None,
        # Forwarded headers count only from the proxies CONNECTOR_TRUSTED_PROXIES names.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="connector", description="Referral connector")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web server (and the worker, by default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    sub.add_parser("migrate", help="apply database migrations")
    worker = sub.add_parser("worker", help="run the delivery worker as its own process")
    worker.add_argument("--concurrency", type=_count, default=2)
    worker.add_argument("--once", action="store_true", help="process what is due, then exit")
    dl = sub.add_parser("deliveries", help="see and replay stored webhook deliveries")
    dsub = dl.add_subparsers(dest="action", required=True)
    dlist = dsub.add_parser("list", help="topic, shop, webhook id, status, attempts, last error")
    dlist.add_argument("--status", choices=["pending", "processing", "done", "dead"])
    dlist.add_argument("--shop")
    dlist.add_argument("--topic")
    dlist.add_argument("--limit", type=_count, default=50)
    dlist.add_argument("--json", action="store_true")
    dshow = dsub.add_parser("show", help="one delivery with headers, body and attempts")
    dshow.add_argument("id", type=_id)
    dreplay = dsub.add_parser("replay", help="queue deliveries again")
    dreplay.add_argument("ids", type=_id, nargs="*")
    dreplay.add_argument("--dead", action="store_true", help="every dead-lettered delivery")
    dreplay.add_argument("--shop")
    pv = sub.add_parser("privacy", help="see privacy requests and data-request exports")
    psub = pv.add_subparsers(dest="action", required=True)
    plist = psub.add_parser("list", help="kind, shop, customer id, dates and what was done")
    plist.add_argument("--shop")
    plist.add_argument("--kind", choices=["data_request", "customer_redact", "shop_redact"])
    plist.add_argument("--limit", type=_count, default=50)
    plist.add_argument("--json", action="store_true")
    pshow = psub.add_parser("show", help="one request with its export, to pass to the customer")
    pshow.add_argument("id", type=_id)
    dm = sub.add_parser("demo", help="run the server with a sandbox demo store at /demo")
    dm.add_argument("--host", default="127.0.0.1")
    dm.add_argument("--port", type=_port, default=8000)
    sub.add_parser("generate-key", help="print a new encryption key")
    sub.add_parser("rotate-keys", help="re-encrypt stored secrets with the newest key")
    sc = sub.add_parser("shopify-config", help="write shopify.app.toml for `shopify app deploy`")
    sc.add_argument("--output", default="shopify.app.toml", help="where to write it")
    _reward_parsers(sub)
    _referral_parsers(sub)
    _admin_parsers(sub)
    for name in EXTENSIONS:
        importlib.import_module(name).add_parsers(sub)
    cli_analytics.register(sub, command, _with_runtime)
    return parser


def _expected(exc: BaseException) -> tuple[str, int] | None:
    """An exception a person can act on, as (one line, exit code); None for a real bug."""
    from tortoise.exceptions import DBConnectionError, OperationalError

    from connector.errors import ConfigError
    from platforms.base import PlatformError

    if isinstance(exc, CliError):
        return str(exc), exc.code
    if isinstance(exc, ConfigError):
        return str(exc), USAGE
    if isinstance(exc, LookupError):  # an unknown shop, id or record: not found
        # A KeyError's str() is its repr; the message is its argument.
        text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        return text, FAILURE
    if isinstance(exc, ValueError):  # a value given on the command line that cannot be used
        return str(exc), USAGE
    if isinstance(exc, ConnectorError | PlatformError):
        return str(exc), FAILURE
    if isinstance(exc, DBConnectionError | OperationalError | ConnectionError | TimeoutError):
        hint = "; is the database up and migrated (connector migrate)?"
        return f"{type(exc).__name__}: {exc}{hint}", FAILURE
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), FAILURE
    return None


def _report(args: argparse.Namespace, message: str, code: int) -> int:
    """Say what went wrong in one line on stderr (a JSON object with --json); return the code."""
    if getattr(args, "json", False):
        sys.stderr.write(
            json.dumps({"error": message, "exit_code": code}, ensure_ascii=False) + "\n"
        )
    else:
        sys.stderr.write(f"error: {message}\n")
    return code


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `connector` console script.

    Exit codes: 0 done, 1 a failure (not found, refused, unreachable), 2 bad usage (arguments,
    files, settings). Expected failures print one line on stderr, never a traceback.
    """
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        setup_logging(settings.log_level)
        if args.command == "serve":
            return _serve(args, settings)
        return asyncio.run(COMMANDS[args.command](args, settings))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        known = _expected(exc)
        if known is not None:
            return _report(args, *known)
        # A bug: still one line here; the traceback goes to the log at DEBUG for whoever digs.
        logging.getLogger("connector.cli").debug("unexpected failure", exc_info=True)
        message = f"unexpected {type(exc).__name__}: {exc} (CONNECTOR_LOG_LEVEL=DEBUG shows where)"
        return _report(args, message, FAILURE)


if __name__ == "__main__":
    # `python -m connector.cli` runs this file as `__main__`, a second copy of the module; the
    # EXTENSIONS and modules loaded by name (cli_loyalty) use the imported `connector.cli`, so
    # run that one's.
    from connector.cli import main as imported_main

    sys.exit(imported_main())
