"""Admin API latency at scale: every /admin/api call on a shop with 1M advocates and 10M referrals.

Seeds its own PostgreSQL database (default `bench_10`, never a `test_*` one) with
`bench.seed` (generate_series, no loops): a big shop with 1M advocates and 10 referrals each, and
a reference shop with 1k advocates, seeded the same way in the same database. It then calls
every admin endpoint on both shops in interleaved rounds, in-process through the ASGI app (so
the figures are the app and the database, not a network), with a real session token, and
prints min/median/max per call for the big shop, the reference's median, their ratio and the
verdict against the 300 ms goal.

    python bench/admin_api.py [--database URL] [--advocates 1000000] [--referrals 10]
                              [--rounds 5] [--reseed]

Seeding 10M referrals takes a while; a second run reuses the seeded database unless --reseed.
Calls that change something (points, grants, reviews, replays, payouts, saves) act on a fresh
row each round, so every round does the same work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.seed import Seed, seed_sql  # noqa: E402
from connector.app import create_app  # noqa: E402
from connector.domain.program import program_to_dict  # noqa: E402
from connector.domain.program.presets import PRESETS  # noqa: E402
from connector.services.base.runtime import Runtime  # noqa: E402
from connector.services.referrals.programs import save_program  # noqa: E402
from connector.services.shops.credentials import save_credentials  # noqa: E402
from connector.settings import load_settings  # noqa: E402
from connector.store import db as store_db  # noqa: E402
from connector.store.models import Advocate, Delivery, Referral, Reward, Shop  # noqa: E402
from platforms.base import StoreCredentials  # noqa: E402

GOAL_MS = 300.0
BIG, SMALL = "bench-big.myshopify.com", "bench-small.myshopify.com"
API_KEY = "bench-api-key"
API_SECRET = secrets.token_hex(32)
# A partner programme, so the partners page has one to show and enrol.
PROGRAM: dict[str, Any] = {**program_to_dict(PRESETS["partnership"]), "version": 1}


def session_token(shop: str) -> str:
    """An App Bridge session token for `shop` (HS256 with this run's app secret)."""
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin", "dest": f"https://{shop}", "aud": API_KEY, "sub": "77",
        "exp": now + 3600, "nbf": now - 60, "iat": now - 60, "jti": secrets.token_hex(8),
        "sid": "bench",
    }  # fmt: skip
    return jwt.encode(claims, API_SECRET, algorithm="HS256")


def env(database_url: str, data_dir: str) -> dict[str, str]:
    return {
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": API_SECRET,
        # A fixed key, so a second run reads the shops' credentials the first one stored.
        "CONNECTOR_ENCRYPTION_KEYS": "YmVuY2gtYWRtaW4tYXBpLWtleS0wMTIzNDU2Nzg5YWI=",
        "DATABASE_URL": database_url,
        "CONNECTOR_DATA_DIR": data_dir,
        "PUBLIC_URL": "https://connector.example.com",
        "CONNECTOR_WORKER": "external",
        "CONNECTOR_LOG_LEVEL": "WARNING",
    }


async def create_database(url: str, reseed: bool) -> bool:
    """Create the bench database (dropping it first with `reseed`); True when it is new."""
    import asyncpg

    base, _, name = url.rpartition("/")
    if name.startswith("test"):
        raise SystemExit(f"refusing to use {name!r}: test databases are reset by the test suite")
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and reseed:
            await admin.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
        return not exists
    finally:
        await admin.close()


def extra_sql(shop_id: int, domain: str) -> list[str]:
    """Rows the admin pages show beyond `bench.seed`'s: queue, payouts, dead deliveries, clicks."""
    s = shop_id
    newest = f"SELECT id FROM referral WHERE shop_id = {s} ORDER BY id DESC"
    return [
        # A review queue of 400 and 100 blocked advocates.
        f"UPDATE referral SET state = 'flagged' WHERE id IN ({newest} LIMIT 400)",
        # The queue's referrals moved state outside the service: count them again.
        f"DELETE FROM shop_tally WHERE shop_id = {s} AND name LIKE 'referrals.%'",
        f"""INSERT INTO shop_tally (shop_id, name, shard, n)
            SELECT {s}, 'referrals.' || state, advocate_id % 8, COUNT(*) FROM referral
            WHERE shop_id = {s} GROUP BY state, advocate_id % 8""",
        f"""UPDATE advocate SET status = 'blocked' WHERE id IN (
            SELECT id FROM advocate WHERE shop_id = {s} ORDER BY id LIMIT 100)""",
        # One click and one points lot per advocate; a reward for one referral in ten.
        f"""INSERT INTO link_click (shop_id, advocate_id, clicked_at)
            SELECT {s}, a.id, a.created_at FROM advocate a WHERE a.shop_id = {s}""",
        f"""INSERT INTO shop_tally (shop_id, name, shard, n)
            SELECT {s}, 'clicks', advocate_id % 8, COUNT(*) FROM link_click WHERE shop_id = {s}
            GROUP BY advocate_id % 8
            ON CONFLICT (shop_id, name, shard) DO UPDATE SET n = shop_tally.n + EXCLUDED.n""",
        f"""INSERT INTO ledger_entry (shop_id, advocate_id, kind, points, reference,
            idempotency_key, created_at)
            SELECT {s}, a.id, 'earn', 10, '', 'seed:' || a.id, a.created_at
            FROM advocate a WHERE a.shop_id = {s}""",
        f"""INSERT INTO reward (shop_id, referral_id, advocate_id, idempotency_key, side, kind,
            amount, currency, code, status, attempts, issued_at, created_at, updated_at)
            SELECT {s}, r.id, r.advocate_id, 'seed:' || r.id, 'advocate',
                'fixed_amount_discount', 5, 'USD', 'RWD' || r.id, 'issued', 1, r.created_at,
                r.created_at, r.created_at
            FROM referral r WHERE r.shop_id = {s} AND r.id % 10 = 0""",
        # 400 cash records to pay and 400 dead deliveries to replay, one of each per call.
        f"""INSERT INTO reward (shop_id, advocate_id, idempotency_key, side, kind, amount,
            currency, status, attempts, issued_at, created_at, updated_at)
            SELECT {s}, a.id, 'cash:' || a.id, 'advocate', 'cash', 12.5, 'USD', 'recorded', 1,
                now(), now(), now()
            FROM advocate a WHERE a.shop_id = {s} ORDER BY a.id DESC LIMIT 400""",
        f"""INSERT INTO delivery (platform, shop_domain, delivery_key, topic, headers, body,
            received_at, status, attempts, next_attempt_at, last_error)
            SELECT 'shopify', '{domain}', 'dead-' || g, 'orders/paid', '{{}}', '\\x7b7d'::bytea,
                now(), 'dead', 8, now(), 'bench'
            FROM generate_series(1, 400) AS g""",
    ]


async def seed_shop(runtime: Runtime, domain: str, advocates: int, referrals: int) -> Shop:
    creds = StoreCredentials(
        platform="shopify", shop=domain, access_token="shpat_bench", scopes=("read_orders",)
    )
    shop = await save_credentials(runtime, creds)
    await save_program(runtime, shop, PROGRAM, actor="bench")
    conn = store_db.conn()
    seed = Seed(shop.id, domain, advocates=advocates, referrals=referrals, related=False)
    for statement in [*seed_sql(seed), *extra_sql(shop.id, domain)]:
        started = time.perf_counter()
        await conn.execute_script(statement)
        first = " ".join(statement.split()[:4])
        print(f"  {domain}: {first} … {time.perf_counter() - started:.0f} s", flush=True)
    return shop


@dataclass
class Target:
    """One shop under test and the rows each round's changing calls use."""

    shop: Shop
    headers: dict[str, str]
    advocate: int  # an advocate with referrals (the first seeded)
    code: str
    email_prefix: str
    mid_advocate: int  # a cursor half way down the list
    referral: int
    mid_referral: int
    flagged: list[int]
    dead: list[int]
    cash: list[int]


async def target(shop: Shop) -> Target:
    first = await Advocate.filter(shop_id=shop.id, status="active").order_by("id").first()
    assert first is not None, "the shop has no advocates: seed it"
    count = await Advocate.filter(shop_id=shop.id).count()
    mid = await Advocate.filter(shop_id=shop.id).order_by("id").offset(count // 2).first()
    newest = await Referral.filter(shop_id=shop.id).order_by("-id").first()
    oldest = await Referral.filter(shop_id=shop.id).order_by("id").first()
    if mid is None or newest is None or oldest is None:
        raise SystemExit(f"{shop.domain} has no referrals: seed it again with --reseed")
    flagged = await Referral.filter(shop_id=shop.id, state="flagged").order_by("id").values_list(
        "id", flat=True
    )
    dead = await Delivery.filter(shop_domain=shop.domain, status="dead").order_by("id").values_list(
        "id", flat=True
    )
    cash = await Reward.filter(shop_id=shop.id, kind="cash", status="recorded").values_list(
        "id", flat=True
    )
    token = session_token(shop.domain)
    return Target(
        shop, {"Authorization": f"Bearer {token}"}, first.id, first.friend_code,
        (first.email or "")[:6], mid.id, newest.id, (oldest.id + newest.id) // 2,
        list(flagged), list(dead), list(cash),
    )  # fmt: skip


Call = tuple[str, str, Callable[[Target, int], tuple[str, dict[str, Any] | None]]]


def calls() -> list[Call]:
    """Every admin API operation: (name, method, round -> (path, JSON body))."""

    def get(path: Callable[[Target], str]) -> Callable[[Target, int], tuple[str, None]]:
        return lambda t, n: (path(t), None)

    return [
        ("GET program", "GET", get(lambda t: "program")),
        ("PUT program", "PUT", lambda t, n: ("program", PROGRAM)),
        ("GET program/versions", "GET", get(lambda t: "program/versions")),
        ("GET program/versions/1", "GET", get(lambda t: "program/versions/1")),
        ("POST program/versions/1/restore", "POST", lambda t, n: ("program/versions/1/restore", None)),
        ("GET program/diff", "GET", get(lambda t: "program/diff?from=1")),
        ("GET program/presets", "GET", get(lambda t: "program/presets")),
        ("POST simulate", "POST", lambda t, n: ("simulate", {"subtotal": "80.00", "code": t.code})),
        ("GET overview", "GET", get(lambda t: "overview")),
        ("GET settings", "GET", get(lambda t: "settings")),
        ("PUT settings", "PUT", lambda t, n: ("settings", {"ref_param": "ref", "consent": "ask"})),
        ("GET partners", "GET", get(lambda t: "partners")),
        ("POST partners", "POST", lambda t, n: ("partners", {"partner_id": "acme"})),
        ("GET advocates", "GET", get(lambda t: "advocates")),
        ("GET advocates (cursor)", "GET", get(lambda t: f"advocates?cursor={t.mid_advocate}")),
        ("GET advocates?q=email", "GET", get(lambda t: f"advocates?q={t.email_prefix}")),
        ("GET advocates?q=code", "GET", get(lambda t: f"advocates?q={t.code}")),
        ("GET advocates?q=name", "GET", get(lambda t: "advocates?q=seed%2012")),
        ("GET advocates?q=s (one letter)", "GET", get(lambda t: "advocates?q=s")),
        ("GET advocates?status=blocked", "GET", get(lambda t: "advocates?status=blocked")),
        ("POST advocates", "POST",
         lambda t, n: ("advocates", {"email": f"bench-{secrets.token_hex(6)}@example.org"})),
        ("GET advocates/{id}", "GET", get(lambda t: f"advocates/{t.advocate}")),
        ("POST advocates/{id}/points", "POST", lambda t, n: (
            f"advocates/{t.advocate}/points",
            {"points": 1, "reason": "bench", "request_key": secrets.token_hex(8)})),
        ("POST advocates/{id}/rewards", "POST", lambda t, n: (
            f"advocates/{t.advocate}/rewards",
            {"kind": "store_credit", "value": "1.00", "reason": "bench",
             "request_key": secrets.token_hex(8)})),
        ("POST advocates/{id}/block", "POST", lambda t, n: (f"advocates/{t.advocate}/block", {})),
        ("POST advocates/{id}/unblock", "POST", lambda t, n: (f"advocates/{t.advocate}/unblock", {})),
        ("GET referrals", "GET", get(lambda t: "referrals")),
        ("GET referrals?state=rewarded (cursor)", "GET",
         get(lambda t: f"referrals?state=rewarded&cursor={t.mid_referral}")),
        ("GET referrals?since&until", "GET", get(
            lambda t: "referrals?since=2020-01-01&until=" + time.strftime("%Y-%m-%d",
            time.gmtime(time.time() - 30 * 86400)))),
        ("GET referrals?advocate_id", "GET", get(lambda t: f"referrals?advocate_id={t.advocate}")),
        ("GET referrals/{id}", "GET", get(lambda t: f"referrals/{t.referral}")),
        ("GET review", "GET", get(lambda t: "review")),
        ("POST referrals/{id}/approve", "POST",
         lambda t, n: (f"referrals/{t.flagged[2 * n]}/approve", {"note": "bench"})),
        ("POST referrals/{id}/reject", "POST",
         lambda t, n: (f"referrals/{t.flagged[2 * n + 1]}/reject", {"note": "bench"})),
        ("GET payouts", "GET", get(lambda t: "payouts?status=recorded")),
        ("GET payouts.csv", "GET", get(lambda t: "payouts.csv?status=recorded")),
        ("POST payouts/{id}/paid", "POST", lambda t, n: (f"payouts/{t.cash[n]}/paid", {})),
        ("GET contests/{id}/leaderboard", "GET", get(lambda t: "contests/none/leaderboard")),
        ("GET deliveries", "GET", get(lambda t: "deliveries")),
        ("GET deliveries?status=dead", "GET", get(lambda t: "deliveries?status=dead")),
        ("POST deliveries/{id}/replay", "POST", lambda t, n: (f"deliveries/{t.dead[n]}/replay", None)),
    ]  # fmt: skip


async def measure(client: httpx.AsyncClient, t: Target, call: Call, n: int) -> float:
    name, method, make = call
    path, body = make(t, n)
    started = time.perf_counter()
    answer = await client.request(method, f"/admin/api/{path}", headers=t.headers, json=body)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code >= 400 and not (name.startswith("GET contests") and answer.status_code == 404):
        raise SystemExit(f"{name} on {t.shop.domain}: {answer.status_code} {answer.text[:300]}")
    return elapsed


async def run(args: argparse.Namespace) -> int:
    fresh = await create_database(args.database, args.reseed)
    data = tempfile.mkdtemp(prefix="bench-admin-")
    settings = load_settings(env(args.database, data))
    await store_db.migrate(args.database)
    await store_db.close_db()
    await store_db.init_db(args.database)
    async with httpx.AsyncClient() as http:
        runtime = Runtime(settings, http)
        if fresh or not await Shop.exists(domain=BIG):
            print(f"seeding {args.advocates:,} advocates x {args.referrals} referrals ...", flush=True)
            await seed_shop(runtime, SMALL, 1_000, args.referrals)
            await seed_shop(runtime, BIG, args.advocates, args.referrals)
            await store_db.conn().execute_script("VACUUM ANALYZE")
        big = await Shop.get(domain=BIG)
        small = await Shop.get(domain=SMALL)
        counts = (await Advocate.filter(shop_id=big.id).count(),
                  await Referral.filter(shop_id=big.id).count())  # fmt: skip
        print(f"big shop: {counts[0]:,} advocates, {counts[1]:,} referrals", flush=True)
        targets = [await target(small), await target(big)]
        app = create_app(runtime=runtime, manage_db=False, run_worker=False)
        every = calls()
        times: dict[tuple[str, str], list[float]] = {}
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as c:
                for t in targets:  # one warm-up call of each, not counted
                    for call in every:
                        await measure(c, t, call, args.rounds)
                for n in range(args.rounds):
                    for call in every:
                        # Interleaved: the reference and the big shop alternate who goes first.
                        for t in targets if n % 2 == 0 else targets[::-1]:
                            ms = await measure(c, t, call, n)
                            times.setdefault((call[0], t.shop.domain), []).append(ms)
    await store_db.close_db()
    print()
    print(f"{args.rounds} interleaved rounds; times in ms; reference = {SMALL} (1k advocates)")
    header = f"| call | min | median | max | reference median | ratio | < {GOAL_MS:.0f} ms |"
    print(header)
    print("|---|---:|---:|---:|---:|---:|:---:|")
    slow = 0
    for name, _, _ in every:
        big_t, ref_t = times[(name, BIG)], times[(name, SMALL)]
        med, ref = statistics.median(big_t), statistics.median(ref_t)
        ok = max(big_t) < GOAL_MS
        slow += not ok
        print(f"| {name} | {min(big_t):.1f} | {med:.1f} | {max(big_t):.1f} | {ref:.1f} "
              f"| {med / ref:.1f}x | {'yes' if ok else 'NO'} |")  # fmt: skip
    print()
    print(f"verdict: {len(every) - slow} of {len(every)} calls under {GOAL_MS:.0f} ms at their max")
    return 0 if slow == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/bench_10")
    parser.add_argument("--advocates", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=10, help="per advocate")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", module="jwt")
    os.environ.setdefault("CONNECTOR_LOG_LEVEL", "WARNING")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
