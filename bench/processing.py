"""Processing benchmark: paid-order deliveries credited per second, with 1, 2 and 4 workers.

Each run starts from a fresh database (a SQLite file, and with --postgres the bench_12
PostgreSQL database), installs a Shopify shop with a two-sided program and ADVOCATES advocates,
and stores DELIVERIES orders/paid deliveries, each a new friend's order with an advocate's code.
Then N worker processes (`connector worker`'s loop, each in its own process) process them until
nothing is due; the rate is deliveries / (last worker's end - first worker's start). Afterwards
every delivery must be done exactly once: one referral per order, one attempt per delivery.

Two worker modes run in the same rounds, interleaved:
- `batched`: the shipped worker (claim a batch, set-based loads, one transaction per batch);
- `single`: the reference, the same worker processing its claimed deliveries one by one, each
  in its own transaction (the worker as it was before batching).

    python bench/processing.py [--deliveries 2000] [--rounds 3] [--workers 1 2 4] [--postgres]

The goal (issue 12) is 1,000 deliveries/s per worker on each database. This machine's 2 cores are
shared with other work: absolute figures are noisy, the same-run ratios less so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, Row, interleave, pg_url, recreate_database, table

SHOP = "bench-shop.myshopify.com"
ADVOCATES = 200
GOAL = 1000.0
PROGRAM: dict[str, Any] = {
    "currency": "USD",
    "name": "Give 10%, get 10%",
    "hold_days": 14,
    "rewarded": "both",
    "new_customers_only": False,
    "friend_offer": {"kind": "percentage_discount", "value": "10"},
    "advocate_reward": {"kind": "store_credit", "value": "10", "basis": "percent_of_order"},
    "friend_reward": {"kind": "fixed_amount_discount", "value": "5.00", "expires_days": 30},
    "min_subtotal": "20.00",
    "fraud": {"velocity_max": 1000000},
}


def environment(database_url: str, data_dir: Path) -> dict[str, str]:
    """The settings environment of the bench's processes."""
    key_file = data_dir / "key"
    if not key_file.exists():
        from cryptography.fernet import Fernet

        key_file.write_text(Fernet.generate_key().decode())
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CONNECTOR_DATA_DIR": str(data_dir),
        "CONNECTOR_ENCRYPTION_KEYS": key_file.read_text(),
        "SHOPIFY_API_KEY": "bench-key",
        "SHOPIFY_API_SECRET": "bench-secret",
        "CONNECTOR_WORKER": "external",
        "CONNECTOR_LOG_LEVEL": "WARNING",
    }


def order_payload(number: int, code: str, placed: datetime) -> dict[str, Any]:
    """A new friend's paid order using an advocate's code, in Shopify's REST shape."""
    email = f"friend{number}@example.org"
    return {
        "id": 7_000_000 + number,
        "admin_graphql_api_id": f"gid://shopify/Order/{7_000_000 + number}",
        "name": f"#{number}",
        "email": email,
        "created_at": placed.isoformat(),
        "updated_at": placed.isoformat(),
        "financial_status": "paid",
        "test": False,
        "currency": "USD",
        "subtotal_price": "110.00",
        "total_price": "120.00",
        "discount_codes": [{"code": code, "amount": "11.00", "type": "percentage"}],
        "note_attributes": [],
        "customer": {"id": 9_000_000 + number, "email": email},
        "client_details": {"browser_ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (Bench)"},
        "line_items": [{"product_id": 4401, "quantity": 1, "price": "110.00"}],
        "refunds": [],
    }


async def install_shop(runtime: Any, program: dict[str, Any]) -> Any:
    """The bench's Shopify shop, installed, with `program` saved; the Shop row."""
    from connector.services.referrals.programs import save_program
    from connector.services.shops.credentials import save_credentials
    from platforms.base import StoreCredentials

    creds = StoreCredentials(platform="shopify", shop=SHOP, access_token="shpat_bench")
    shop = await save_credentials(runtime, creds)
    await save_program(runtime, shop, program, actor="bench")
    return shop


async def prepare(env: dict[str, str], deliveries: int) -> None:
    """Migrate a fresh database; install the shop, its program, advocates and the deliveries."""
    from connector.services.base.runtime import Runtime, make_http_client
    from connector.services.referrals.advocates import enrol_advocate
    from connector.settings import load_settings
    from connector.store.db import close_db, init_db, migrate
    from connector.store.models import Delivery

    settings = load_settings(env)
    await migrate(settings.database_url)
    await close_db()
    await init_db(settings.database_url)
    try:
        runtime = Runtime(settings, make_http_client())
        shop = await install_shop(runtime, PROGRAM)
        codes = []
        for n in range(ADVOCATES):
            enrolled = await enrol_advocate(runtime, shop, email=f"advocate{n}@example.org")
            codes.append(enrolled.advocate.friend_code)
        now = datetime.now(UTC)
        placed = now - timedelta(minutes=5)
        rows = [
            Delivery(
                platform="shopify",
                shop_domain=SHOP,
                delivery_key=f"bench-{n}",
                topic="orders/paid",
                headers={"x-shopify-topic": "orders/paid"},
                body=json.dumps(order_payload(n, codes[n % ADVOCATES], placed)).encode(),
                received_at=now,
                next_attempt_at=now,
            )
            for n in range(deliveries)
        ]
        await Delivery.bulk_create(rows, batch_size=500)
        await runtime.http.aclose()
    finally:
        await close_db()


async def verify(env: dict[str, str], deliveries: int) -> None:
    """Every delivery done once: one referral per order, one attempt per delivery."""
    from connector.settings import load_settings
    from connector.store.db import close_db, init_db
    from connector.store.models import Delivery, DeliveryAttempt, Referral

    await init_db(load_settings(env).database_url)
    try:
        done = await Delivery.filter(status="done").count()
        referrals = await Referral.all().count()
        attempts = await DeliveryAttempt.all().count()
        orders = len(set(await Referral.all().values_list("order_id", flat=True)))
    finally:
        await close_db()
    found = (done, referrals, orders, attempts)
    if found != (deliveries,) * 4:
        raise SystemExit(f"not exactly once: done, referrals, orders, attempts = {found}")


async def work(mode: str) -> None:
    """One worker process: connect, say ready, wait for go, process until nothing is due."""
    from connector.services.base.runtime import Runtime, make_http_client
    from connector.services.handlers import build_worker
    from connector.settings import load_settings
    from connector.store.db import close_db, init_db

    settings = load_settings()
    await init_db(settings.database_url)
    runtime = Runtime(settings, make_http_client())
    worker = build_worker(runtime)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    started = time.time()
    processed = 0
    while True:
        if mode == "single":
            claims = await worker.claim()
            for claim in claims:
                await worker.process(claim)
            count = len(claims)
        else:
            count = sum((await worker.run_once()).values())
        if not count:
            break
        processed += count
    ended = time.time()
    await runtime.http.aclose()
    await close_db()
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"start": started, "end": ended, "processed": processed, "rss": rss}))


def step(env: dict[str, str], action: str, deliveries: int) -> None:
    """Prepare or verify the database in a child process."""
    argv = [sys.executable, __file__, action, "--deliveries", str(deliveries)]
    subprocess.run(argv, env=env, cwd=REPO, check=True)


def one_run(database_url: str, mode: str, workers: int, deliveries: int, row: Row) -> float:
    """Prepare a fresh database, run `workers` processes in `mode`; return deliveries/s."""
    data_dir = Path(tempfile.mkdtemp(prefix="bench-processing-"))
    if database_url == "sqlite":
        database_url = f"sqlite://{data_dir / 'bench.sqlite3'}"
    else:
        asyncio.run(recreate_database(database_url))
    env = environment(database_url, data_dir)
    # Tortoise keeps one global context per process: each step on a database runs in its own.
    step(env, "prepare", deliveries)
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "work", "--mode", mode],
            env=env,
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=3600)
        if proc.returncode:
            raise SystemExit(f"worker failed ({proc.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    step(env, "verify", deliveries)
    elapsed = max(r["end"] for r in results) - min(r["start"] for r in results)
    row.rss_mb.append(max(r["rss"] for r in results))
    return deliveries / elapsed


def main() -> None:
    """Run the rounds and print the table with its verdict."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "action", nargs="?", default="bench", choices=("bench", "work", "prepare", "verify")
    )
    parser.add_argument("--mode", default="batched", choices=("batched", "single"))
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL (bench_12)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--modes", nargs="+", default=["single", "batched"])
    args = parser.parse_args()
    if args.action == "work":
        asyncio.run(work(args.mode))
        return
    if args.action in ("prepare", "verify"):
        action = prepare if args.action == "prepare" else verify
        asyncio.run(action(dict(os.environ), args.deliveries))
        return
    databases = [] if args.no_sqlite else [("SQLite", "sqlite")]
    if args.postgres:
        databases.append(("PostgreSQL", pg_url("bench_12")))
    rows: dict[str, Row] = {}
    runs = []
    for label, url in databases:
        for workers in args.workers:
            for mode in args.modes:
                name = f"{label}, {workers} worker(s), {mode}"
                reference = f"{label}, {workers} worker(s), single" if mode != "single" else None
                rows[name] = Row(name, reference=reference if "single" in args.modes else None)

                def run(
                    url: str = url, mode: str = mode, workers: int = workers, name: str = name
                ) -> float:
                    return one_run(url, mode, workers, args.deliveries, rows[name])

                runs.append((name, run))
    interleave(args.rounds, runs, rows)
    for row in rows.values():
        workers = int(row.name.split(", ")[1].split(" ")[0])
        per_worker = row.median / workers
        row.extra["per worker"] = f"{per_worker:,.0f}/s"
        row.extra["goal 1,000/s/worker"] = (
            "met" if per_worker >= GOAL else f"{per_worker / GOAL:.2f} of it"
        )
    print()
    print(table(
        f"Processing: paid-order deliveries/s ({args.deliveries} per run, {args.rounds} rounds;"
        " ratio = batched / single in the same round)",
        "dlv/s", rows, extra=("per worker", "goal 1,000/s/worker"),
    ))  # fmt: skip


if __name__ == "__main__":
    main()
