"""Database setup: the Tortoise config, migrations (aerich), and small raw-SQL helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
MODEL_MODULES = ["connector.store.models", "aerich.models"]


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise ORM config for a database URL (sqlite://PATH or postgres://...)."""
    if database_url.startswith("sqlite"):
        path = database_url.split("://", 1)[1] or ":memory:"
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection: Any = {
            "engine": "tortoise.backends.sqlite",
            # WAL lets readers run beside the single writer; busy_timeout waits out a writer.
            "credentials": {"file_path": path, "journal_mode": "WAL", "busy_timeout": 10000},
        }
    else:
        parts = urlsplit(database_url)
        connection = {
            "engine": "tortoise.backends.asyncpg",
            "credentials": {
                "host": parts.hostname or "127.0.0.1",
                "port": parts.port or 5432,
                "user": parts.username or "postgres",
                "password": parts.password or "",
                "database": (parts.path or "/postgres").lstrip("/"),
                "minsize": 1,
                "maxsize": 10,
            },
        }
    return {
        "connections": {"default": connection},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(database_url: str) -> None:
    """Open the connection pool, visible to every task (uvicorn runs the lifespan in its own)."""
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_db() -> None:
    """Close every connection."""
    await Tortoise.close_connections()


async def migrate(database_url: str, location: Path = MIGRATIONS) -> list[str]:
    """Apply every pending aerich migration (of `location`); return the names applied."""
    from aerich import Command

    config = tortoise_config(database_url)
    # aerich only initialises Tortoise when it is not already; after a close the old context
    # lingers without connections, so (re)initialise here.
    await Tortoise.init(config=config)
    command = Command(tortoise_config=config, app="models", location=str(location))
    await command.init()
    try:
        applied: list[str] = await command.upgrade(run_in_transaction=True)
    finally:
        await command.aclose()
    return applied


def conn() -> BaseDBAsyncClient:
    """The default connection."""
    client: BaseDBAsyncClient = connections.get("default")
    return client


def dialect(client: BaseDBAsyncClient | None = None) -> str:
    """'sqlite' or 'postgres'."""
    return str((client or conn()).capabilities.dialect)


def sql(text: str, client: BaseDBAsyncClient | None = None) -> str:
    """Rewrite `?` placeholders to `$1..$n` on PostgreSQL, so one SQL text serves both."""
    if dialect(client) != "postgres":
        return text
    out, n = [], 0
    for char in text:
        if char == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(char)
    return "".join(out)


async def ping() -> bool:
    """True when the database answers a trivial query."""
    await conn().execute_query("SELECT 1")
    return True
