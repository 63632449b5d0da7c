"""Dashboard API latency at scale: GET /admin/api/analytics on a shop with 10M referrals and
50M orders, against a reference shop with a thousand times less.

Seeds its own PostgreSQL database (default `bench_13_analytics`, never a `test_*` one), set-based
(generate_series, no loops): `bench.seed` writes the big shop's 1M advocates with 10 referrals
each (one in ten rejected, a reward for each rewarded one), then 50M paid order records over
three years: the 10M the referrals qualified and 40M from customers nobody referred. The
rollups are then written as the connector keeps them, counted from those rows by SQL: orders and
revenue per day by referred and other, referred orders, referrals by channel and state, first
orders, credited referrals, rewards and their cost, link clicks, claims and joins, fraud checks;
the customer cohort figures (customers, repeat customers, orders within 30/90/365 days) are
derived from the day's orders in fixed proportions (their values do not change how fast they are
read, their number of rows does). On top, an uncompacted tail: 100k single-event rows of today,
as the worker leaves between two compactions.

It then calls the dashboard's API on both shops in interleaved rounds, in-process through the
ASGI app (the app and the database, no network), with a real session token: the last 30 days
by day, 90 days by week, a year by month, and a year of one program version. It prints
min/median/max per call, the reference's median, their ratio, the rows in the rollup table and
the verdict against the 200 ms goal.

    python bench/analytics.py [--database URL] [--advocates 1000000] [--referrals 10]
                              [--orders 50000000] [--rounds 7] [--reseed]

A second run reuses the seeded database unless --reseed. Seeding 50M orders takes a while and
about 10 GB of disk; drop the database afterwards (`DROP DATABASE bench_13_analytics`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.admin_api import env, session_token  # noqa: E402
from bench.common import Row, pg_url, recreate_database, table  # noqa: E402
from bench.seed import Seed, seed_sql  # noqa: E402
from connector.app import create_app  # noqa: E402
from connector.services.base.runtime import Runtime  # noqa: E402
from connector.services.referrals.programs import save_program  # noqa: E402
from connector.services.shops.credentials import save_credentials  # noqa: E402
from connector.settings import load_settings  # noqa: E402
from connector.store import db as store_db  # noqa: E402
from connector.store.models import RollupRow, Shop  # noqa: E402
from platforms.base import StoreCredentials  # noqa: E402

GOAL_MS = 200.0
BIG, SMALL = "analytics-big.myshopify.com", "analytics-small.myshopify.com"
PROGRAM: dict[str, Any] = {
    "currency": "USD",
    "name": "Give 10%, get 5 USD",
    "hold_days": 14,
    "rewarded": "advocate",
    "friend_offer": {"kind": "percentage_discount", "value": "10"},
    "advocate_reward": {"kind": "fixed_amount_discount", "value": "5.00"},
}
DAYS = 3 * 365  # the orders span three years back from today
TAIL = 100_000  # uncompacted single-event rows of today


@dataclass(frozen=True)
class Size:
    """What one shop gets."""

    advocates: int
    referrals: int  # per advocate
    orders: int  # in all, the referrals' own included


def rollup_sql(shop_id: int, tail: int) -> list[str]:
    """Write the shop's rollups from its seeded rows, set-based (see the module's docstring)."""
    day = "(o.order_created_at AT TIME ZONE 'UTC')::date"
    rday = "(r.created_at AT TIME ZONE 'UTC')::date"
    insert = "INSERT INTO analytics_rollup (shop_id, day, version, metric, dim, n, amount) "
    return [
        # Orders and revenue by the customer's group, and the referred orders themselves.
        insert
        + f"""SELECT {shop_id}, {day}, CASE WHEN o.order_id LIKE 's%' THEN 1 ELSE 0 END,
            'orders', CASE WHEN o.order_id LIKE 's%' THEN 'referred' ELSE 'other' END,
            COUNT(*), SUM(o.total)
        FROM order_record o WHERE o.shop_id = {shop_id} GROUP BY 2, 3, 5""",
        insert
        + f"""SELECT shop_id, day, version, 'referred_orders', '', n, amount
        FROM analytics_rollup WHERE shop_id = {shop_id} AND metric = 'orders'
          AND dim = 'referred'""",
        # The cohort figures, in fixed proportions of the day's orders.
        insert
        + f"""SELECT x.shop_id, x.day, x.version, m.metric, x.dim,
            GREATEST(1, x.n * m.part / 100), x.amount * m.part / 100
        FROM analytics_rollup x CROSS JOIN (VALUES ('customers', 60), ('repeat_customers', 20),
            ('orders_30d', 70), ('orders_90d', 85), ('orders_365d', 100), ('refunded', 2))
            AS m(metric, part)
        WHERE x.shop_id = {shop_id} AND x.metric = 'orders'""",
        # Referrals: by channel, by state now, first orders, credited, rejected by a check.
        insert
        + f"""SELECT {shop_id}, {rday}, r.program_version, 'referrals', 'discount_code',
            COUNT(*), 0 FROM referral r WHERE r.shop_id = {shop_id} GROUP BY 2, 3""",
        insert
        + f"""SELECT {shop_id}, {rday}, r.program_version, 'state.' || r.state, '',
            COUNT(*), 0 FROM referral r WHERE r.shop_id = {shop_id} GROUP BY 2, 3, 4""",
        insert
        + f"""SELECT shop_id, day, version, 'first_orders', '', n, 0
        FROM analytics_rollup WHERE shop_id = {shop_id} AND metric = 'referrals'""",
        insert
        + f"""SELECT shop_id, day + 14, version, 'credited', '', n, 0
        FROM analytics_rollup WHERE shop_id = {shop_id} AND metric = 'state.rewarded'""",
        insert
        + f"""SELECT shop_id, day, version, 'fraud.block', 'velocity', n, 0
        FROM analytics_rollup WHERE shop_id = {shop_id} AND metric = 'state.rejected'""",
        # Rewards and their cost (bench.seed gives each rewarded referral a 5 USD discount).
        insert
        + f"""SELECT shop_id, day + 14, version, 'rewards', 'fixed_amount_discount', n,
            5 * n FROM analytics_rollup WHERE shop_id = {shop_id} AND metric = 'state.rewarded'""",
        # The top of the funnel: joins, clicks, claims, views and shares by channel.
        insert
        + f"""SELECT x.shop_id, x.day, 0, m.metric, m.dim, GREATEST(1, x.n * m.times), 0
        FROM analytics_rollup x CROSS JOIN (VALUES ('widget_views', '', 40), ('joins', '', 2),
            ('shares', 'whatsapp', 3), ('shares', 'email', 1), ('shares', 'copy', 2),
            ('link_clicks', '', 6), ('claims', '', 1)) AS m(metric, dim, times)
        WHERE x.shop_id = {shop_id} AND x.metric = 'referrals'""",
        # What the worker has not folded yet: single events of today.
        insert
        + f"""SELECT {shop_id}, (now() AT TIME ZONE 'UTC')::date, 0,
            (ARRAY['widget_views', 'link_clicks', 'orders', 'shares'])[1 + g % 4],
            CASE WHEN g % 4 = 2 THEN 'other' WHEN g % 4 = 3 THEN 'whatsapp' ELSE '' END, 1,
            CASE WHEN g % 4 = 2 THEN 42 ELSE 0 END
        FROM generate_series(1, {tail}) AS g""",
    ]


def orders_sql(shop_id: int, others: int) -> list[str]:
    """The referrals' own orders, then `others` orders from customers nobody referred."""
    return [
        f"""INSERT INTO order_record (shop_id, order_id, order_name, currency, subtotal, total,
            refunded, financial_status, paid, cancelled, is_test, discount_codes,
            order_created_at, order_updated_at, first_seen_at, customer_id)
        SELECT {shop_id}, r.order_id, '#' || r.id, 'USD', 50, 50, 0, 'paid', true, false, false,
            '[]', r.placed_at, r.placed_at, r.created_at, 'f' || r.id
        FROM referral r WHERE r.shop_id = {shop_id}""",
        f"""INSERT INTO order_record (shop_id, order_id, order_name, currency, subtotal, total,
            refunded, financial_status, paid, cancelled, is_test, discount_codes,
            order_created_at, order_updated_at, first_seen_at, customer_id)
        SELECT {shop_id}, 'o' || g, '#o' || g, 'USD', 40 + g % 60, 40 + g % 60, 0, 'paid', true,
            false, false, '[]', now() - (g % {DAYS * 24}) * INTERVAL '1 hour',
            now() - (g % {DAYS * 24}) * INTERVAL '1 hour', now(), 'c' || (g % {max(1, others // 3)})
        FROM generate_series(1, {others}) AS g""",
    ]


async def seed(database_url: str, sizes: dict[str, Size], reseed: bool) -> dict[str, int]:
    """Seed both shops (unless the database already holds them); their ids."""
    settings = load_settings(env(database_url, tempfile.mkdtemp()))
    if reseed:
        await recreate_database(database_url)
    await store_db.migrate(settings.database_url)
    await store_db.close_db()
    await store_db.init_db(settings.database_url)
    ids: dict[str, int] = {}
    try:
        async with httpx.AsyncClient() as http:
            runtime = Runtime(settings, http)
            for domain, size in sizes.items():
                existing = await Shop.get_or_none(domain=domain)
                if existing is not None and await RollupRow.filter(shop_id=existing.id).exists():
                    ids[domain] = existing.id
                    continue
                creds = StoreCredentials(
                    platform="shopify", shop=domain, access_token="shpat_bench",
                    scopes=("read_orders",),
                )  # fmt: skip
                shop = await save_credentials(runtime, creds)
                await save_program(runtime, shop, PROGRAM, actor="bench")
                ids[domain] = shop.id
                client = store_db.conn()
                statements = seed_sql(Seed(shop.id, domain, size.advocates, size.referrals,
                                           related=False))  # fmt: skip
                others = size.orders - size.advocates * size.referrals
                statements += orders_sql(shop.id, others)
                statements += rollup_sql(shop.id, TAIL if domain == BIG else TAIL // 1000)
                for statement in statements:
                    started = time.monotonic()
                    await client.execute_script(statement)
                    first = " ".join(statement.split())[:70]
                    print(f"  {domain}: {first}… {time.monotonic() - started:.0f} s", flush=True)
                await client.execute_script("ANALYZE")
    finally:
        await store_db.close_db()
    return ids


def calls(today: datetime) -> list[tuple[str, str]]:
    """The dashboard's reads: (name, path with query)."""

    def day(days: int) -> str:
        return (today - timedelta(days=days)).date().isoformat()

    return [
        ("30 days by day", "/admin/api/analytics"),
        ("90 days by week", f"/admin/api/analytics?start={day(89)}&granularity=week"),
        ("a year by month", f"/admin/api/analytics?start={day(364)}&granularity=month"),
        ("a year, version 1", f"/admin/api/analytics?start={day(364)}&version=1"),
    ]


async def measure(database_url: str, rounds: int) -> dict[str, Row]:
    """Interleaved rounds of every call on both shops; milliseconds per call."""
    settings = load_settings(env(database_url, tempfile.mkdtemp()))
    await store_db.init_db(settings.database_url)
    rows: dict[str, Row] = {}
    try:
        async with httpx.AsyncClient() as http:
            runtime = Runtime(settings, http)
            app = create_app(runtime=runtime, manage_db=False, run_worker=False)
            transport = httpx.ASGITransport(app=app)
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client,
            ):
                await _rounds(client, rounds, rows)
    finally:
        await store_db.close_db()
    return rows


async def _rounds(client: httpx.AsyncClient, rounds: int, rows: dict[str, Row]) -> None:
    for _, path in calls(datetime.now(UTC)):  # one warm-up call of each, not counted
        for domain in (BIG, SMALL):
            headers = {"Authorization": f"Bearer {session_token(domain)}"}
            (await client.get(path, headers=headers)).raise_for_status()
    for number in range(1, rounds + 1):
        for name, path in calls(datetime.now(UTC)):
            # Interleaved: the reference and the big shop alternate who goes first.
            for domain in (BIG, SMALL) if number % 2 else (SMALL, BIG):
                label = f"{name} ({'10M/50M' if domain == BIG else 'reference'})"
                row = rows.setdefault(label, Row(label))
                if domain == BIG:
                    row.reference = f"{name} (reference)"
                headers = {"Authorization": f"Bearer {session_token(domain)}"}
                started = time.perf_counter()
                answer = await client.get(path, headers=headers)
                took = (time.perf_counter() - started) * 1000
                answer.raise_for_status()
                row.samples.append(took)
                print(f"  round {number}: {label}: {took:,.1f} ms", flush=True)


async def counts(database_url: str) -> str:
    """How many rows the big shop has of what the figures count."""
    settings = load_settings(env(database_url, tempfile.mkdtemp()))
    await store_db.init_db(settings.database_url)
    try:
        client = store_db.conn()
        found = []
        for table_name in ("referral", "order_record", "analytics_rollup"):
            rows = await client.execute_query_dict(
                f"SELECT COUNT(*) AS n FROM {table_name} WHERE shop_id = "
                f"(SELECT id FROM shop WHERE domain = '{BIG}')"
            )
            found.append(f"{table_name} {int(rows[0]['n']):,}")
        size = await client.execute_query_dict("SELECT pg_database_size(current_database()) AS b")
        found.append(f"database {int(size[0]['b']) / 1e9:.1f} GB")
        return ", ".join(found)
    finally:
        await store_db.close_db()


def main() -> None:
    """Seed (once), measure, print the table and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=pg_url("bench_13_analytics"))
    parser.add_argument("--advocates", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=10)
    parser.add_argument("--orders", type=int, default=50_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    small = Size(max(1, args.advocates // 1000), args.referrals, max(1, args.orders // 1000))
    sizes = {BIG: Size(args.advocates, args.referrals, args.orders), SMALL: small}
    started = time.monotonic()
    asyncio.run(seed(args.database, sizes, args.reseed))
    print(f"seeded in {time.monotonic() - started:,.0f} s")
    print(asyncio.run(counts(args.database)))
    rows = asyncio.run(measure(args.database, args.rounds))
    print(table(f"GET /admin/api/analytics, {args.rounds} interleaved rounds", "ms", rows))
    big = [r for r in rows.values() if "10M/50M" in r.name]
    worst = max(statistics.median(r.samples) for r in big)
    verdict = "meets" if worst < GOAL_MS else "misses"
    print(f"slowest median {worst:,.1f} ms: {verdict} the {GOAL_MS:.0f} ms goal")


if __name__ == "__main__":
    main()
