"""Webhook ingest benchmark: the connector beside the references, measured in one run.

Starts, one after the other on this machine, each server under test on one core and wrk on the
other, and sends the same signed ~1 KB orders/paid body to each for the same duration:

- the Starlette ceiling from ../shared/bench (HMAC check only, stores nothing);
- Shopify's Node library reference from ../shared/bench (validation only), if Node can install it;
- the connector's POST /webhooks/shopify, which also stores every delivery durably before it
  answers: on SQLite (the embedded default) and, with --postgres, on PostgreSQL.

Every request carries its own X-Shopify-Webhook-Id, so each one is a real insert, not a duplicate.
After each connector run the stored deliveries are counted and compared with wrk's 2xx count.

    python bench/webhook_ingest.py [--duration 10] [--connections 32] [--postgres] [--no-node]

Needs `wrk` (Debian package) on PATH. Machines are noisy: read the ratios, not the absolutes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
SHARED_BENCH = REPO.parent / "shared" / "bench" / "webhook-ingest"
SECRET = "hush"  # the references' secret
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/bench_ingest")


def order_body() -> bytes:
    """A synthetic orders/paid body of about 1 KB."""
    lines = [
        {"id": 9100 + i, "title": f"Producto {i}", "price": "19.99", "quantity": 1, "sku": f"SKU-{i}"}
        for i in range(7)
    ]
    payload = {
        "id": 5500112233445566771,
        "email": "amiga@example.org",
        "financial_status": "paid",
        "total_price": "139.93",
        "currency": "EUR",
        "updated_at": "2026-11-20T10:15:00-05:00",
        "discount_codes": [{"code": "ANA-7KQ", "amount": "10.00", "type": "fixed_amount"}],
        "line_items": lines,
        "customer": {"id": 7700112233445566, "email": "amiga@example.org"},
        "note_attributes": [{"name": "referral_code", "value": "ANA-7KQ"}],
        "landing_site": "/?ref=ANA-7KQ",
    }
    return json.dumps(payload).encode()


def wrk_script(body: bytes, path: str) -> str:
    """A wrk Lua script: fixed signed body, a fresh webhook id per request."""
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    lua_body = json.dumps(body.decode())  # a JSON string literal is a valid Lua string here
    return f"""
local counter = 0
local run_tag = "run"
init = function(args)
  -- wrk's math.random is not seeded, so the run tag comes from the command line.
  run_tag = args[1] or run_tag
end
wrk.method = "POST"
wrk.path = "{path}"
wrk.body = {lua_body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Shopify-Hmac-Sha256"] = "{signature}"
wrk.headers["X-Shopify-Topic"] = "orders/paid"
wrk.headers["X-Shopify-Shop-Domain"] = "bench-shop.myshopify.com"
wrk.headers["X-Shopify-API-Version"] = "2026-04"
request = function()
  counter = counter + 1
  wrk.headers["X-Shopify-Webhook-Id"] = run_tag .. "-" .. counter
  return wrk.format()
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


@dataclass
class Result:
    """One server's figures."""

    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    sent: int = 0  # every request, warm-up included, to compare with what was stored
    stored: int | None = None


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int, argv: list[str]) -> list[str]:
    """Pin a command to one core when taskset exists."""
    return ["taskset", "-c", str(cpu), *argv] if shutil.which("taskset") else argv


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Poll until the server answers anything at all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}")
        try:
            httpx.post(url, content=b"{}", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


def run_wrk(url: str, script: Path, duration: int, connections: int) -> tuple[int, float, float, float, int]:
    """Run wrk on core 0; return requests, seconds, p50 ms, p99 ms, errors."""
    out = subprocess.run(
        pinned(0, ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "-s", str(script), url,
                   "--", f"{time.time_ns()}"]),
        capture_output=True, text=True, check=True,
    ).stdout
    match = re.search(
        r"RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) errors=(\d+)", out
    )
    if not match:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    req, dur, p50, p99, err = (int(g) for g in match.groups())
    return req, dur / 1e6, p50 / 1e3, p99 / 1e3, err


def measure(name: str, argv: list[str], url: str, path: str, args: argparse.Namespace,
            env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
    """Start a server on core 1, warm it up, load it, stop it."""
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    script = work / "load.lua"
    script.write_text(wrk_script(order_body(), path))
    proc = subprocess.Popen(pinned(1, argv), env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_ready(url + path, proc)
        warm = run_wrk(url, script, 2, args.connections)
        req, secs, p50, p99, err = run_wrk(url, script, args.duration, args.connections)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return Result(name, req / secs, p50, p99, err + warm[4], sent=req + warm[0])


def count_deliveries(database_url: str, env: dict[str, str]) -> int:
    """How many deliveries the connector stored."""
    code = (
        "import asyncio\n"
        "from connector.store import db\n"
        "async def main():\n"
        f"    await db.init_db({database_url!r})\n"
        "    _, rows = await db.conn().execute_query('SELECT COUNT(*) AS n FROM delivery')\n"
        "    print(rows[0]['n'])\n"
        "    await db.close_db()\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=REPO)
    return int(out.stdout.strip().splitlines()[-1])


def connector_run(label: str, database_url: str, args: argparse.Namespace) -> Result:
    """Migrate a fresh database, then measure the connector's ingest on it."""
    data = Path(tempfile.mkdtemp(prefix="bench-connector-"))
    env = {
        **os.environ,
        "SHOPIFY_API_KEY": "bench-key",
        "SHOPIFY_API_SECRET": SECRET,
        "DATABASE_URL": database_url,
        "CONNECTOR_DATA_DIR": str(data),
        "CONNECTOR_WORKER": "external",
        "CONNECTOR_LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "-m", "connector.cli", "migrate"], env=env, check=True,
                   cwd=REPO, capture_output=True)
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "connector.asgi:app", "--port", str(port),
            "--no-access-log", "--log-level", "warning"]
    result = measure(label, argv, f"http://127.0.0.1:{port}", "/webhooks/shopify", args, env, REPO)
    result.stored = count_deliveries(database_url, env)
    return result


def reset_postgres() -> None:
    """Recreate the benchmark database."""
    import asyncio

    import asyncpg

    async def go() -> None:
        admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        await admin.execute("DROP DATABASE IF EXISTS bench_ingest")
        await admin.execute("CREATE DATABASE bench_ingest")
        await admin.close()

    asyncio.run(go())


def node_reference(args: argparse.Namespace) -> Result | None:
    """Install and measure Shopify's Node reference, if node and npm can."""
    if not shutil.which("node") or not shutil.which("npm"):
        return None
    work = Path(tempfile.mkdtemp(prefix="bench-node-"))
    for name in ("package.json", "reference-shopify-node.mjs"):
        shutil.copy(SHARED_BENCH / name, work / name)
    installed = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund"], cwd=work,
                               capture_output=True, check=False)
    if installed.returncode != 0:
        print("node reference skipped: npm install failed", file=sys.stderr)
        return None
    port = free_port()
    env = {**os.environ, "PORT": str(port)}
    return measure("Node reference (validate only)", ["node", "reference-shopify-node.mjs"],
                   f"http://127.0.0.1:{port}", "/", args, env, work)


def main() -> None:
    """Run every measurement and print one table with ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres", action="store_true", help="also measure on PostgreSQL")
    parser.add_argument("--no-node", action="store_true", help="skip the Node reference")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    results: list[Result] = []
    port = free_port()
    results.append(measure(
        "Starlette ceiling (HMAC only)",
        [sys.executable, "-m", "uvicorn", "ceiling_starlette:app", "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        f"http://127.0.0.1:{port}", "/webhook", args, None, SHARED_BENCH,
    ))
    if not args.no_node and (node := node_reference(args)) is not None:
        results.append(node)
    sqlite_dir = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
    results.append(connector_run("connector, SQLite (stores each)", f"sqlite://{sqlite_dir / 'c.sqlite3'}", args))
    if args.postgres:
        reset_postgres()
        results.append(connector_run("connector, PostgreSQL (stores each)", PG_URL, args))

    ceiling = results[0].rps
    node_rps = next((r.rps for r in results if r.name.startswith("Node")), None)
    print(f"\nwebhook ingest, {args.duration}s, {args.connections} connections, wrk on core 0, server on core 1\n")
    print(f"{'server':38} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'sent':>8} {'stored':>8} {'vs ceiling':>10} {'vs node':>8}")
    for r in results:
        stored = "" if r.stored is None else str(r.stored)
        vs_node = f"{r.rps / node_rps:.2f}x" if node_rps else "-"
        print(f"{r.name:38} {r.rps:9.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.errors:7d} {r.sent:8d} {stored:>8} "
              f"{r.rps / ceiling:9.2f}x {vs_node:>8}")


if __name__ == "__main__":
    main()
