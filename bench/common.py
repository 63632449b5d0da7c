"""What the benchmarks share: databases to run on, interleaved rounds, the printed table, RSS."""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
PG_ROOT = os.environ.get("BENCH_POSTGRES_ROOT", "postgres://postgres@127.0.0.1:5432")


def pg_url(database: str) -> str:
    """The URL of one database on the benchmark's PostgreSQL server."""
    return f"{PG_ROOT}/{database}"


async def recreate_database(url: str) -> None:
    """Drop and create the database `url` names (never a test_* database)."""
    import asyncpg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name.startswith("test"):
        raise ValueError(f"refusing to recreate {name!r}: benchmarks use their own database")
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def child_rss_mb() -> float:
    """The peak resident memory of the largest finished child process, in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def self_rss_mb() -> float:
    """This process's peak resident memory, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Row:
    """One configuration's samples (one per round) and what it is compared with."""

    name: str
    samples: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    reference: str | None = None  # the row this one is divided by, round by round
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def median(self) -> float:
        """The median sample."""
        return statistics.median(self.samples) if self.samples else float("nan")


def interleave(
    rounds: int, runs: Sequence[tuple[str, Callable[[], float]]], rows: dict[str, Row]
) -> None:
    """Run every configuration once per round, in turn, so drift hits them all alike."""
    for number in range(1, rounds + 1):
        for name, run in runs:
            value = run()
            rows[name].samples.append(value)
            print(f"  round {number}: {name}: {value:,.1f}", flush=True)


def ratio(rows: dict[str, Row], row: Row) -> str:
    """The median of the round-by-round ratios against the row's reference."""
    if row.reference is None:
        return "1.00x (ref)" if any(r.reference == row.name for r in rows.values()) else ""
    reference = rows[row.reference]
    ratios = [a / b for a, b in zip(row.samples, reference.samples, strict=False) if b]
    return f"{statistics.median(ratios):.2f}x" if ratios else ""


def table(title: str, unit: str, rows: dict[str, Row], extra: Sequence[str] = ()) -> str:
    """A plain-text table: min, median and max of the rounds, the ratio, RSS and extras."""
    head = [
        "configuration",
        f"min {unit}",
        f"median {unit}",
        f"max {unit}",
        "ratio",
        "RSS MB",
        *extra,
    ]
    body = []
    for row in rows.values():
        s = row.samples
        body.append(
            [
                row.name,
                f"{min(s):,.1f}" if s else "-",
                f"{row.median:,.1f}" if s else "-",
                f"{max(s):,.1f}" if s else "-",
                ratio(rows, row),
                f"{max(row.rss_mb):.0f}" if row.rss_mb else "-",
                *(row.extra.get(name, "") for name in extra),
            ]
        )
    widths = [max(len(str(line[i])) for line in [head, *body]) for i in range(len(head))]
    fmt = "| " + " | ".join(f"{{:{w}}}" for w in widths) + " |"
    lines = [title, fmt.format(*head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [fmt.format(*line) for line in body]
    return "\n".join(lines)


def run_async(coro: object) -> object:
    """asyncio.run for a coroutine built by the caller."""
    return asyncio.run(coro)  # type: ignore[arg-type]
