"""Fixed-rate (open-loop) ingest latency: 2,000 signed webhooks a second, latency from schedule.

wrk is closed-loop: when the server slows down, wrk slows down with it and the slow moments
hide (coordinated omission). This generator schedules request i at start + i / rate whatever
happened before, sends it on the next free keep-alive connection (256 of them, pinned to core
0), and measures each latency from the request's *scheduled* time, so queueing behind a slow
answer counts. Servers run one after the other on core 1, in interleaved rounds:

- Shopify's Node library reference (validation only, stores nothing), the reference;
- the shipped `connector serve` on SQLite, and with --postgres on PostgreSQL, every request a
  new delivery stored durably before the answer.

The goal (issue 12): p99 < 20 ms at 2,000 req/s. The table shows each configuration's p99
(min/median/max over the rounds), the ratio to the Node reference's p99 in the same round, p50,
p99.9, the rate achieved and the errors.

    python bench/ingest_latency.py [--rate 2000] [--duration 10] [--rounds 3] [--postgres]

This machine's 2 cores are shared with other work: tails are the first thing noise moves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, table
from bench.webhook_ingest import (
    NODE,
    PG_INGEST,
    SHOP,
    Running,
    Server,
    connector,
    node_reference,
    order_body,
    pinned,
    signature,
)

GOAL_P99_MS = 20.0
CONNECTIONS = 256


def _request(path: str, host: str, body: bytes, sig: str, webhook_id: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Shopify-Hmac-Sha256: {sig}\r\n"
        f"X-Shopify-Topic: orders/paid\r\nX-Shopify-Shop-Domain: {SHOP}\r\n"
        f"X-Shopify-API-Version: 2026-04\r\nX-Shopify-Webhook-Id: {webhook_id}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def open_loop(url: str, path: str, rate: float, duration: float) -> dict[str, float]:
    """Send `rate` requests a second for `duration` seconds; latency percentiles in ms."""
    host, port = url.removeprefix("http://").split(":")
    body, sig = order_body(), signature(order_body())
    tag = f"{time.time_ns()}"
    total = int(rate * duration)
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        while (job := await queue.get()) is not None:
            number, scheduled = job
            writer.write(_request(path, host, body, sig, f"{tag}-{number}"))
            try:
                status = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, int(port))
                continue
            latencies.append(time.perf_counter() - scheduled)
            if status != 200:
                errors += 1
        writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(CONNECTIONS)]
    await asyncio.sleep(0.5)  # connections open before the clock starts
    start = time.perf_counter()
    for number in range(total):
        scheduled = start + number / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((number, scheduled))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return {
        "p50": pct(50), "p99": pct(99), "p99.9": pct(99.9), "max": ordered[-1] * 1000,
        "rate": len(latencies) / elapsed, "errors": errors,
    }  # fmt: skip


def generate(url: str, path: str, rate: float, duration: float) -> dict[str, float]:
    """Run the generator in its own process on core 0 (uvloop when installed)."""
    code = (
        "import asyncio, json, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n"
        "from bench.ingest_latency import open_loop\n"
        "try:\n    import uvloop; uvloop.install()\nexcept ImportError:\n    pass\n"
        f"print(json.dumps(asyncio.run(open_loop({url!r}, {path!r}, {rate}, {duration}))))\n"
    )
    out = subprocess.run(pinned(0, [sys.executable, "-c", code]), capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return dict(json.loads(out.strip().splitlines()[-1]))


def measure(make: Callable[[], Server], args: argparse.Namespace, row: Row) -> float:
    """Start a fresh server, warm it up, run the fixed rate; its p99 in ms."""
    server = make()
    with Running(server) as running:
        generate(server.url, server.path, args.rate, 2)
        found = generate(server.url, server.path, args.rate, args.duration)
        row.rss_mb.append(running.rss())
    for key in ("p50", "p99.9", "max", "rate"):
        row.extra[key] = row.extra.get(key, "") + f"{found[key]:,.0f} " if key == "rate" else (
            row.extra.get(key, "") + f"{found[key]:.1f} "
        )  # fmt: skip
    row.extra["errors"] = str(int(row.extra.get("errors", "0")) + int(found["errors"]))
    return found["p99"]


def main() -> None:
    """Run the rounds and print the table with its verdict."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    configs: list[tuple[str, Callable[[], Server]]] = []
    node = node_reference()
    if node is not None:
        configs.append((NODE, node))
    configs.append(("connector serve, SQLite", connector("connector serve, SQLite", "sqlite")))
    if args.postgres:
        configs.append(("connector serve, PostgreSQL", connector("connector serve, PostgreSQL", PG_INGEST)))
    rows = {name: Row(name, reference=NODE if node and name != NODE else None)
            for name, _ in configs}  # fmt: skip
    for number in range(1, args.rounds + 1):
        for name, make in configs:
            value = measure(make, args, rows[name])
            rows[name].samples.append(value)
            print(f"  round {number}: {name}: p99 {value:.1f} ms", flush=True)
    for row in rows.values():
        median = statistics.median(row.samples)
        row.extra["goal p99 < 20 ms"] = "met" if median < GOAL_P99_MS else f"not met ({median:.0f} ms)"
    print()
    print(table(
        f"Ingest latency at a fixed {args.rate:,.0f} req/s (open loop, from each request's scheduled"
        f" time; {args.duration:.0f}s per run, {args.rounds} interleaved rounds; ratio = p99 / the"
        " Node reference's p99 in the same round, lower is better; p50/p99.9/max/rate per round)",
        "p99 ms", rows, extra=("p50", "p99.9", "max", "rate", "errors", "goal p99 < 20 ms"),
    ))  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
