"""Webhook ingest benchmark: the shipped `connector serve` beside Shopify's Node library, one run.

Each round starts, one after the other on this machine, each server under test pinned to core 1
with wrk on core 0, and sends the same signed ~1 KB orders/paid body for the same duration:

- Shopify's Node library reference from ../shared/bench (validation only, stores nothing): the
  reference every connector row is divided by, in the same round;
- the Starlette ceiling from ../shared/bench (HMAC check only, stores nothing), for scale;
- `connector serve` as it ships (uvloop + httptools, no access log; CONNECTOR_WORKER=external,
  as in a scaled deployment, so no worker shares its core), which verifies and durably stores
  every delivery before it answers: on SQLite (a fresh file) and with --postgres on PostgreSQL
  (the bench_12_ingest database, recreated), each with unique webhook ids (every request a real
  insert) and with one duplicate id (every request after the first a no-op that answers 200).

With --granian, the same app (`connector.asgi:app`) also runs under granian (its HTTP server in
Rust, the app on uvloop, one worker, no access log) with unique ids: the comparison that kept
uvicorn[standard] for `connector serve` (granian must be installed: `pip install granian`; its
RSS column is granian's main process, the app runs in its child).

After each unique-id run the stored deliveries are counted: every 2xx must be stored. RSS is the
server's peak resident memory. Rounds are interleaved; the table shows min/median/max of the
rounds and the median of the per-round ratios against the Node reference. The goal (issue 12):
durable ingest >= 1.5x the Node reference on SQLite and PostgreSQL.

    python bench/webhook_ingest.py [--rounds 3] [--duration 10] [--connections 32] [--postgres]
                                   [--granian]

Needs `wrk` (Debian package) and node/npm (the reference installs @shopify/shopify-api from npm).
This machine's 2 cores are shared with other work: read the ratios, not the absolutes.
"""

from __future__ import annotations

import argparse
import asyncio
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, Row, pg_url, recreate_database, table

SHARED_BENCH = REPO.parent / "shared" / "bench" / "webhook-ingest"
SECRET = "hush"  # the references' secret
SHOP = "bench-shop.myshopify.com"
PG_INGEST = pg_url("bench_12_ingest")
GOAL = 1.5


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


def signature(body: bytes) -> str:
    """The X-Shopify-Hmac-Sha256 of `body` under the references' secret."""
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def wrk_script(body: bytes, path: str, unique: bool) -> str:
    """A wrk Lua script: fixed signed body; a fresh webhook id per request, or one for all."""
    lua_body = json.dumps(body.decode())  # a JSON string literal is a valid Lua string here
    next_id = 'run_tag .. "-" .. counter' if unique else '"the-same-delivery"'
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
wrk.headers["X-Shopify-Hmac-Sha256"] = "{signature(body)}"
wrk.headers["X-Shopify-Topic"] = "orders/paid"
wrk.headers["X-Shopify-Shop-Domain"] = "{SHOP}"
wrk.headers["X-Shopify-API-Version"] = "2026-04"
request = function()
  counter = counter + 1
  wrk.headers["X-Shopify-Webhook-Id"] = {next_id}
  return wrk.format()
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d non2xx=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int, argv: list[str]) -> list[str]:
    """Pin a command to one core when taskset exists."""
    return ["taskset", "-c", str(cpu), *argv] if shutil.which("taskset") else argv


def peak_rss_mb(pid: int) -> float:
    """A running process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Server:
    """A server under test: how to start it and where it answers."""

    name: str
    argv: list[str]
    url: str
    path: str
    env: dict[str, str] | None = None
    cwd: Path | None = None
    database: str | None = None  # the connector's DATABASE_URL, to count what it stored


class Running:
    """A started server (pinned to core 1), stopped on exit; `rss()` reads its peak memory."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.proc = subprocess.Popen(
            pinned(1, server.argv), env=server.env, cwd=server.cwd,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def __enter__(self) -> Running:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.server.name} exited early with {self.proc.returncode}")
            try:
                httpx.post(self.server.url + self.server.path, content=b"{}", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.server.name} did not start")

    def rss(self) -> float:
        """The server's peak resident memory so far, in MB."""
        return peak_rss_mb(self.proc.pid)

    def __exit__(self, *_: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


@dataclass
class WrkResult:
    """What wrk measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    non2xx: int


def run_wrk(url: str, script: Path, duration: int, connections: int) -> WrkResult:
    """Run wrk on core 0 and read its RESULT line."""
    out = subprocess.run(
        pinned(0, ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "-s", str(script), url,
                   "--", f"{time.time_ns()}"]),
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.search(
        r"RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) errors=(\d+)"
        r" non2xx=(\d+)",
        out,
    )
    if not found:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    req, dur, p50, p99, err, bad = (int(g) for g in found.groups())
    return WrkResult(req, dur / 1e6, p50 / 1e3, p99 / 1e3, err, bad)


def count_deliveries(server: Server) -> int:
    """How many deliveries the connector stored."""
    code = (
        "import asyncio\n"
        "from connector.store import db\n"
        "async def main():\n"
        f"    await db.init_db({server.database!r})\n"
        "    _, rows = await db.conn().execute_query('SELECT COUNT(*) AS n FROM delivery')\n"
        "    print(rows[0]['n'])\n"
        "    await db.close_db()\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=server.env, capture_output=True,
                         text=True, check=True, cwd=REPO)  # fmt: skip
    return int(out.stdout.strip().splitlines()[-1])


def connector(name: str, database: str, granian: bool = False) -> Callable[[], Server]:
    """A factory of fresh `connector serve` servers on `database` ("sqlite" or a PG URL); with
    `granian`, the same app under granian instead."""

    def make() -> Server:
        data = Path(tempfile.mkdtemp(prefix="bench-connector-"))
        url = f"sqlite://{data / 'connector.sqlite3'}" if database == "sqlite" else database
        if database != "sqlite":
            asyncio.run(recreate_database(url))
        env = {
            **os.environ,
            "SHOPIFY_API_KEY": "bench-key",
            "SHOPIFY_API_SECRET": SECRET,
            "DATABASE_URL": url,
            "CONNECTOR_DATA_DIR": str(data),
            "CONNECTOR_WORKER": "external",
        }
        env.pop("CONNECTOR_ACCESS_LOG", None)
        subprocess.run([sys.executable, "-m", "connector.cli", "migrate"], env=env, check=True,
                       cwd=REPO, capture_output=True)  # fmt: skip
        port = free_port()
        argv = [str(Path(sys.executable).parent / "connector"), "serve", "--port", str(port)]
        if granian:
            argv = [str(Path(sys.executable).parent / "granian"), "--interface", "asgi",
                    "--port", str(port), "--workers", "1", "--loop", "uvloop", "--no-ws",
                    "--runtime-mode", "st", "--log-level", "warning", "connector.asgi:app"]  # fmt: skip
        return Server(name, argv, f"http://127.0.0.1:{port}", "/webhooks/shopify", env, data, url)

    return make


def node_reference() -> Callable[[], Server] | None:
    """A factory of Shopify's Node reference servers, once npm has installed it."""
    if not shutil.which("node") or not shutil.which("npm"):
        print("node reference skipped: node or npm is not installed", file=sys.stderr)
        return None
    work = Path(tempfile.mkdtemp(prefix="bench-node-"))
    for name in ("package.json", "reference-shopify-node.mjs"):
        shutil.copy(SHARED_BENCH / name, work / name)
    installed = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund"],
                               cwd=work, capture_output=True, check=False)  # fmt: skip
    if installed.returncode != 0:
        print("node reference skipped: npm install failed", file=sys.stderr)
        return None

    def make() -> Server:
        port = free_port()
        env = {**os.environ, "PORT": str(port)}
        argv = ["node", "reference-shopify-node.mjs"]
        return Server(NODE, argv, f"http://127.0.0.1:{port}", "/", env, work)

    return make


def ceiling() -> Server:
    """The Starlette ceiling (HMAC only)."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "ceiling_starlette:app", "--port", str(port),
            "--no-access-log", "--log-level", "warning"]  # fmt: skip
    return Server(CEILING, argv, f"http://127.0.0.1:{port}", "/webhook", None, SHARED_BENCH)


NODE = "Node reference (@shopify/shopify-api, validate only)"
CEILING = "Starlette ceiling (HMAC only)"


def measure(make: Callable[[], Server], unique: bool, args: argparse.Namespace, row: Row) -> float:
    """Start a fresh server, warm it up, load it, check what it stored; requests/s."""
    server = make()
    script = Path(tempfile.mkdtemp(prefix="bench-wrk-")) / "load.lua"
    script.write_text(wrk_script(order_body(), server.path, unique))
    with Running(server) as running:
        warm = run_wrk(server.url, script, 2, args.connections)
        result = run_wrk(server.url, script, args.duration, args.connections)
        row.rss_mb.append(running.rss())
    row.extra.setdefault("p50 ms", "")
    row.extra["p50 ms"] += f"{result.p50_ms:.1f} "
    row.extra["p99 ms"] = row.extra.get("p99 ms", "") + f"{result.p99_ms:.1f} "
    bad = result.errors + result.non2xx + warm.errors + warm.non2xx
    row.extra["errors"] = str(int(row.extra.get("errors", "0")) + bad)
    if server.database is not None and unique:
        stored = count_deliveries(server)
        answered = result.requests + warm.requests - result.non2xx - warm.non2xx
        # wrk counts a request whose answer the run's end cut off; it may be stored all the same.
        if stored < answered - args.connections:
            raise SystemExit(f"{row.name}: {answered} answered but only {stored} stored")
        row.extra["stored"] = "all answered"
    return result.requests / result.seconds


def main() -> None:
    """Run the rounds and print the table with its verdict."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres", action="store_true", help="also measure on PostgreSQL")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the Starlette ceiling")
    parser.add_argument("--granian", action="store_true", help="also the app under granian")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    node = node_reference()
    configs: list[tuple[str, Callable[[], Server], bool]] = []
    if node is not None:
        configs.append((NODE, node, True))
    if not args.no_ceiling:
        configs.append((CEILING, ceiling, True))
    databases = [("SQLite", "sqlite")] + ([("PostgreSQL", PG_INGEST)] if args.postgres else [])
    for label, database in databases:
        for unique in (True, False):
            name = f"connector serve, {label}, {'unique' if unique else 'duplicate'} ids"
            configs.append((name, connector(name, database), unique))
        if args.granian and shutil.which("granian", path=str(Path(sys.executable).parent)):
            name = f"granian (not shipped), {label}, unique ids"
            configs.append((name, connector(name, database, granian=True), True))
        elif args.granian:
            print("granian rows skipped: pip install granian", file=sys.stderr)
    rows = {name: Row(name, reference=NODE if node and name != NODE else None)
            for name, _, _ in configs}  # fmt: skip
    for number in range(1, args.rounds + 1):
        for name, make, unique in configs:
            value = measure(make, unique, args, rows[name])
            rows[name].samples.append(value)
            print(f"  round {number}: {name}: {value:,.0f} req/s", flush=True)
    for row in rows.values():
        if row.name.startswith(("connector", "granian")) and row.reference:
            ratios = sorted(a / b for a, b in zip(row.samples, rows[NODE].samples, strict=False))
            median = ratios[len(ratios) // 2]
            row.extra["goal >= 1.5x Node"] = "met" if median >= GOAL else f"not met ({median:.2f}x)"
    print()
    print(table(
        f"Webhook ingest: requests/s ({args.duration}s per run, {args.connections} connections,"
        f" wrk on core 0, server on core 1, {args.rounds} interleaved rounds; ratio = median of"
        " per-round ratios to the Node reference; p50/p99 per round)",
        "req/s", rows, extra=("p50 ms", "p99 ms", "errors", "stored", "goal >= 1.5x Node"),
    ))  # fmt: skip


if __name__ == "__main__":
    main()
