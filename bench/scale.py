"""Scale benchmark: the cost of crediting one paid order with 1k vs 1M advocates / 10M referrals.

Two PostgreSQL databases are seeded set-wise (bench/seed.py, generate_series; never a test_*
database): `bench_12_small` with 1,000 advocates and `bench_12_large` with 1,000,000, each
advocate with 10 earlier referrals (one in ten rejected) and its friend code and claim, and in
both one popular advocate with 100,000 referrals. Each round then stores ORDERS new friends'
paid orders and lets one batched worker process (`bench/processing.py work`) credit them:

- "random advocates": each order names a random seeded advocate's code;
- "popular advocate": every order names the advocate with 100,000 referrals.

The figure is milliseconds per order (the worker's wall time / orders); the ratio divides each
large-database figure by the small database's for the same kind of order in the same round.
The goal (issue 12) is <= 1.2x: crediting reads counters and indexed windows, so its cost must
not grow with the tables or with an advocate's history.

    python bench/scale.py [--orders 500] [--rounds 3] [--reseed] [--advocates 1000000]

Seeding the large database takes a while (10M referrals with their indexes); it is kept between
runs unless --reseed. This machine's 2 cores are shared with other work: rely on the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, Row, pg_url, recreate_database, table
from bench.processing import PROGRAM, SHOP, environment, install_shop, order_payload
from bench.seed import Seed, seed_sql

GOAL = 1.2
REFERRALS = 10
POPULAR = 100_000
PROCESSING = Path(__file__).resolve().parent / "processing.py"
SCALE_PROGRAM = {**PROGRAM, "caps": {"per_period": 1_000_000, "period_days": 30}}


async def _exists(url: str) -> bool:
    import asyncpg

    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        name = url.rsplit("/", 1)[1]
        return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await admin.close()


async def setup(env: dict[str, str]) -> None:
    """Install the shop and its program (in a migrated database)."""
    from connector.services.base.runtime import Runtime, make_http_client
    from connector.settings import load_settings
    from connector.store.db import close_db, init_db

    settings = load_settings(env)
    await init_db(settings.database_url)
    try:
        runtime = Runtime(settings, make_http_client())
        shop = await install_shop(runtime, SCALE_PROGRAM)
        await runtime.http.aclose()
        print(shop.id)
    finally:
        await close_db()


async def seed(url: str, shop_id: int, advocates: int) -> None:
    """Write the seeded history, statement by statement, saying how long each took."""
    import asyncpg

    db = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        statements = seed_sql(Seed(shop_id, SHOP, advocates, REFERRALS, related=False))
        popular = Seed(shop_id, SHOP, 1, POPULAR, first=advocates + 1, related=False)
        statements += seed_sql(popular)
        for statement in [*statements, "ANALYZE"]:
            began = time.perf_counter()
            await db.execute(statement)
            first = " ".join(statement.split())[:60]
            print(f"    {time.perf_counter() - began:7.1f}s  {first}", flush=True)
    finally:
        await db.close()


async def put(env: dict[str, str], codes: list[str], tag: str) -> None:
    """Store one new friend's paid order per code, as the webhook route would."""
    from datetime import UTC, datetime, timedelta

    from connector.settings import load_settings
    from connector.store.db import close_db, init_db
    from connector.store.models import Delivery

    await init_db(load_settings(env).database_url)
    try:
        now = datetime.now(UTC)
        placed = now - timedelta(minutes=5)
        base = int(tag) * 100_000
        rows = [
            Delivery(
                platform="shopify", shop_domain=SHOP, delivery_key=f"scale-{tag}-{n}",
                topic="orders/paid", headers={"x-shopify-topic": "orders/paid"},
                body=json.dumps(order_payload(base + n, code, placed)).encode(),
                received_at=now, next_attempt_at=now,
            )
            for n, code in enumerate(codes)
        ]  # fmt: skip
        await Delivery.bulk_create(rows, batch_size=500)
    finally:
        await close_db()


def child(env: dict[str, str], *argv: str) -> str:
    """Run this script's (or processing.py's) step in its own process; its output."""
    return subprocess.run(
        [sys.executable, *argv], env=env, cwd=REPO, check=True, capture_output=True, text=True
    ).stdout


def prepare(url: str, advocates: int, reseed: bool) -> tuple[dict[str, str], int]:
    """The database seeded (again, or as kept); its environment and the shop's id."""
    env = environment(url, Path(tempfile.mkdtemp(prefix="bench-scale-")))
    env["CONNECTOR_ENCRYPTION_KEYS"] = "f" * 43 + "="  # a fixed key: the shop outlives the run
    marker = f"{url} {advocates}"
    if not reseed and asyncio.run(_exists(url)):
        found = child(env, __file__, "shop-id").strip()
        if found.startswith(marker):
            return env, int(found.split()[-1])
    print(f"  seeding {url} with {advocates:,} advocates ...", flush=True)
    asyncio.run(recreate_database(url))
    subprocess.run([sys.executable, "-m", "connector.cli", "migrate"], env=env, cwd=REPO,
                   check=True, capture_output=True)  # fmt: skip
    shop_id = int(child(env, __file__, "setup").strip().splitlines()[-1])
    asyncio.run(seed(url, shop_id, advocates))
    asyncio.run(_mark(url, marker))
    return env, shop_id


async def _mark(url: str, marker: str) -> None:
    import asyncpg

    db = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await db.execute(f"COMMENT ON DATABASE \"{url.rsplit('/', 1)[1]}\" IS '{marker}'")
    finally:
        await db.close()


async def shop_id(env: dict[str, str]) -> str:
    """'URL ADVOCATES SHOP_ID' of a seeded database, from its comment and shop row."""
    import asyncpg

    url = env["DATABASE_URL"]
    db = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        marker = await db.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            url.rsplit("/", 1)[1],
        )
        found = await db.fetchval("SELECT id FROM shop WHERE domain = $1", SHOP)
    finally:
        await db.close()
    return f"{marker} {found}"


def one_run(env: dict[str, str], codes: list[str], tag: str, row: Row) -> float:
    """Store the orders, let one batched worker credit them; milliseconds per order."""
    child(env, __file__, "put", tag, *codes)
    proc = subprocess.Popen(
        [sys.executable, str(PROCESSING), "work", "--mode", "batched"], env=env, cwd=REPO,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    out, _ = proc.communicate("go\n", timeout=3600)
    found = json.loads(out.strip().splitlines()[-1])
    if found["processed"] != len(codes):
        raise SystemExit(f"{row.name}: processed {found['processed']} of {len(codes)}")
    row.rss_mb.append(found["rss"])
    return (found["end"] - found["start"]) * 1000 / len(codes)


def main() -> None:
    """Seed if needed, run the rounds, print the table and its verdict."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", nargs="?", default="bench",
                        choices=("bench", "setup", "put", "shop-id"))  # fmt: skip
    parser.add_argument("rest", nargs="*")
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--advocates", type=int, default=1_000_000)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.action == "setup":
        asyncio.run(setup(env))
        return
    if args.action == "put":
        asyncio.run(put(env, args.rest[1:], args.rest[0]))
        return
    if args.action == "shop-id":
        print(asyncio.run(shop_id(env)))
        return
    cases = [("1k advocates", pg_url("bench_12_small"), 1_000),
             (f"{args.advocates // 1000:,}k advocates", pg_url("bench_12_large"), args.advocates)]  # fmt: skip
    prepared = {}
    for label, url, advocates in cases:
        began = time.perf_counter()
        prepared[label] = (*prepare(url, advocates, args.reseed), advocates)
        print(f"  {label}: ready in {time.perf_counter() - began:,.0f}s", flush=True)
    rows: dict[str, Row] = {}
    small = cases[0][0]
    for label, _, _ in cases:
        for kind in ("random advocates", "popular advocate (100k referrals)"):
            name = f"{label}, {kind}"
            reference = f"{small}, {kind}" if label != small else None
            rows[name] = Row(name, reference=reference)
    pick = random.Random(12)
    for number in range(1, args.rounds + 1):
        for label, _, _ in cases:
            env_, shop, advocates = prepared[label]
            for kind in ("random advocates", "popular advocate (100k referrals)"):
                name = f"{label}, {kind}"
                if kind.startswith("random"):
                    codes = [f"SEED{shop}X{pick.randint(1, advocates)}" for _ in range(args.orders)]
                else:
                    codes = [f"SEED{shop}X{advocates + 1}"] * args.orders
                tag = f"{int(time.time() * 1000) % 10**9}"
                value = one_run(env_, codes, tag, rows[name])
                rows[name].samples.append(value)
                print(f"  round {number}: {name}: {value:.2f} ms/order", flush=True)
    for row in rows.values():
        if row.reference:
            ratios = sorted(a / b for a, b in zip(row.samples, rows[row.reference].samples, strict=False))
            median = ratios[len(ratios) // 2]
            row.extra["goal <= 1.2x"] = "met" if median <= GOAL else f"not met ({median:.2f}x)"
    print()
    print(table(
        f"Scale: milliseconds per credited order, one batched worker on PostgreSQL ({args.orders}"
        f" orders per run, {args.rounds} interleaved rounds; {REFERRALS} referrals per advocate;"
        " ratio = large / small database, same kind of order, same round)",
        "ms/order", rows, extra=("goal <= 1.2x",),
    ))  # fmt: skip


if __name__ == "__main__":
    main()
