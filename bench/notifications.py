"""Notifications benchmark: messages written per second in the event's transaction, and sent.

Each round starts from a fresh database (a SQLite file; with --postgres, instead, the bench_14
PostgreSQL database), makes one shop, writes MESSAGES "reward earned" messages with `enqueue` (500 per
transaction, as an order batch would), then lets the sender settle them all:

- `enqueue`: outbox rows written per second, inside the callers' transactions;
- `send: switched off`: the outbox alone (lease, check the switch, record `skipped`), the
  reference for what sending adds;
- `send: email`: rendered (Jinja2, text + HTML) and handed to a real SMTP server on loopback
  (aiosmtpd in a thread), one SMTP session per message, then recorded.

    python bench/notifications.py [--messages 1000] [--rounds 3] [--postgres]

This machine's 2 cores are shared with other work: absolute figures are noisy, the same-run
ratios less so.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, interleave, pg_url, recreate_database, self_rss_mb, table

PER_TRANSACTION = 500


class Sink:
    """An SMTP handler that only counts what it accepts."""

    def __init__(self) -> None:
        self.accepted = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted += 1
        return "250 OK"


def _settings(database_url: str, data_dir: str, smtp_port: int) -> Any:
    from cryptography.fernet import Fernet

    from connector.settings import load_settings

    return load_settings({
        "CONNECTOR_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url, "CONNECTOR_DATA_DIR": data_dir,
        "PUBLIC_URL": "https://connector.example.com", "CONNECTOR_WORKER": "external",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?starttls=off",
        "SMTP_FROM": "rewards@connector.example.com",
    })  # fmt: skip


async def _round(database_url: str, messages: int, mode: str, smtp_port: int) -> float:
    import httpx
    from tortoise.transactions import in_transaction

    from connector.services.base.messages import enqueue
    from connector.services.base.runtime import Runtime
    from connector.services.notifications.sender import send_due_messages
    from connector.store.db import close_db, init_db, migrate
    from connector.store.models import Message, Shop

    if database_url.startswith("postgres"):
        await recreate_database(database_url)
    else:  # a fresh file each round
        await asyncio.to_thread(Path(database_url.removeprefix("sqlite://")).unlink, True)
    await migrate(database_url)
    await close_db()
    await init_db(database_url)
    try:
        with tempfile.TemporaryDirectory() as data:
            settings = _settings(database_url, data, smtp_port)
            async with httpx.AsyncClient() as http:
                runtime = Runtime(settings, http)
                switch = {"kinds": {"reward_earned": {"on": mode != "send: switched off"}}}
                shop = await Shop.create(
                    platform="sandbox", domain="bench.sandbox",
                    settings={"notifications": switch, "storefront": {"name": "Bench"}},
                )  # fmt: skip
                started = time.perf_counter()
                for first in range(0, messages, PER_TRANSACTION):
                    async with in_transaction() as tx:
                        for n in range(first, min(first + PER_TRANSACTION, messages)):
                            await enqueue(
                                tx, shop, "reward_earned", f"reward-{n}", to=f"a{n}@example.org",
                                now=runtime.now(), locale="es",
                                context={"first_name": "Ana", "reward": "10.00 EUR"},
                            )  # fmt: skip
                enqueued = time.perf_counter()
                if mode == "enqueue":
                    return messages / (enqueued - started)
                while await send_due_messages(runtime):
                    pass
                elapsed = time.perf_counter() - enqueued
                left = await Message.filter(status="pending").count()
                if left:
                    raise RuntimeError(f"{left} messages were not settled")
                return messages / elapsed
    finally:
        await close_db()


def main() -> None:
    """Run the rounds and print the table."""
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    sink = Sink()
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # One database per process: aerich's SQLite migration leaves SQLite's query builders
        # behind for a PostgreSQL one after it (so run the script once for each).
        for database in ["postgres" if args.postgres else "sqlite"]:
            with tempfile.TemporaryDirectory() as tmp:
                url = pg_url("bench_14") if database == "postgres" else f"sqlite://{tmp}/b.db"
                modes = ["enqueue", "send: switched off", "send: email"]
                rows = {m: Row(m) for m in modes}
                rows["send: email"].reference = "send: switched off"

                def runner(mode: str, url: str = url, rows: dict[str, Row] = rows) -> Any:
                    def run() -> float:
                        value = asyncio.run(_round(url, args.messages, mode, port))
                        rows[mode].rss_mb.append(self_rss_mb())
                        return value

                    return run

                print(f"{database}: {args.messages} messages, {args.rounds} rounds", flush=True)
                interleave(args.rounds, [(m, runner(m)) for m in modes], rows)
                print(table(f"Notifications on {database}", "msg/s", rows))
    finally:
        controller.stop()
    print(f"SMTP messages accepted: {sink.accepted}")


if __name__ == "__main__":
    main()
