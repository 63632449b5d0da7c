"""The `connector` command as an operator runs it: a real process, a real database."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from connector.app import create_app
from connector.services.base.runtime import Runtime
from connector.settings import load_settings
from connector.store import db as store_db
from tests.conftest import all_tables, make_env, on_postgres
from tests.support.shopify_payloads import SHOP, encode, order, signed_headers

CONNECTOR = [sys.executable, "-m", "connector.cli"]


def run_cli(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        [*CONNECTOR, *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
    )


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = make_env(tmp_path, database_url)

    async def prepare() -> None:
        if on_postgres():
            await store_db.init_db(database_url)
            await store_db.conn().execute_script(
                "TRUNCATE " + ", ".join(all_tables()) + " RESTART IDENTITY CASCADE;"
            )
            await store_db.close_db()
        else:
            await store_db.migrate(database_url)
            await store_db.close_db()

    asyncio.run(prepare())
    return env


def post_three_times(env: dict[str, str], body: bytes, headers: dict[str, str]) -> list[int]:
    async def send() -> list[int]:
        settings = load_settings(env)
        await store_db.init_db(settings.database_url)
        try:
            async with httpx.AsyncClient() as http:
                app = create_app(runtime=Runtime(settings, http), manage_db=False, run_worker=False)
                async with app.router.lifespan_context(app):
                    transport = httpx.ASGITransport(app=app)
                    async with httpx.AsyncClient(
                        transport=transport, base_url="https://c.test"
                    ) as client:
                        return [
                            (
                                await client.post(
                                    "/webhooks/shopify", content=body, headers=headers
                                )
                            ).status_code
                            for _ in range(3)
                        ]
        finally:
            await store_db.close_db()

    return asyncio.run(send())


def test_a_delivery_sent_three_times_shows_once_in_deliveries_list(cli_env: dict[str, str]) -> None:
    body = encode(order())
    headers = signed_headers(body, "orders/paid", "wh-cli-7781")

    assert post_three_times(cli_env, body, headers) == [200, 200, 200]

    listed = run_cli(cli_env, "deliveries", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["topic"], r["shop"], r["webhook_id"], r["status"], r["attempts"]) for r in rows] == [
        ("orders/paid", SHOP, "wh-cli-7781", "pending", 0)
    ]
    table = run_cli(cli_env, "deliveries", "list")
    assert table.stdout.count("wh-cli-7781") == 1
    for column in ("topic", "shop", "webhook id", "status", "attempts", "last error"):
        assert column in table.stdout

    shown = run_cli(cli_env, "deliveries", "show", str(rows[0]["id"]))
    detail = json.loads(shown.stdout)
    assert detail["body"]["id"] == 5500112233445566771
    assert detail["headers"]["x-shopify-topic"] == "orders/paid"
    assert "x-shopify-hmac-sha256" not in detail["headers"]


def test_show_of_an_unknown_delivery_says_so(cli_env: dict[str, str]) -> None:
    shown = run_cli(cli_env, "deliveries", "show", "999999")

    assert (shown.returncode, shown.stdout, shown.stderr) == (1, "", "error: no delivery 999999\n")


def test_replay_without_ids_explains_itself(cli_env: dict[str, str]) -> None:
    result = run_cli(cli_env, "deliveries", "replay")

    assert (result.returncode, result.stderr) == (
        2,
        "error: name delivery ids to replay, or pass --dead\n",
    )


def test_migrate_on_a_fresh_sqlite_file_applies_then_is_up_to_date(tmp_path: Path) -> None:
    env = make_env(tmp_path, f"sqlite://{tmp_path / 'fresh.sqlite3'}")

    first = run_cli(env, "migrate")
    second = run_cli(env, "migrate")

    assert first.returncode == 0, first.stderr
    assert "applied: 0_" in first.stdout
    assert second.stdout.strip() == "database is up to date"


def test_bad_encryption_key_is_a_clear_error(tmp_path: Path) -> None:
    env = make_env(tmp_path, f"sqlite://{tmp_path / 'x.sqlite3'}", CONNECTOR_ENCRYPTION_KEYS="nope")

    result = run_cli(env, "migrate")

    assert result.returncode == 2
    assert result.stderr.startswith("error: CONNECTOR_ENCRYPTION_KEYS entry 1 is not a Fernet key")
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(
    tmp_path: Path, **extra: str
) -> tuple[httpx.Response, httpx.Response, httpx.Response, str]:
    """Run `connector serve` until it answers; its /readyz, a webhook POST, `/`, its output."""
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **extra}
    proc = subprocess.Popen(
        [*CONNECTOR, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "server did not start within 30 s"
            time.sleep(0.2)
        ready = httpx.get(f"{base}/readyz", timeout=5)
        webhook = httpx.post(f"{base}/webhooks/shopify", content=b"{}", timeout=5)
        home = httpx.get(f"{base}/", timeout=5)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    return ready, webhook, home, output


def test_serve_starts_with_no_environment_at_all(tmp_path: Path) -> None:
    ready, webhook, home, output = _serve(tmp_path)

    assert ready.json() == {"status": "ready", "database": "ok"}
    assert webhook.status_code == 503
    assert webhook.json() == {
        "error": "Shopify is not configured: set SHOPIFY_API_KEY and SHOPIFY_API_SECRET"
    }
    # `/` tells a person what this is and where to go, even with nothing configured.
    assert (home.status_code, home.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert "runs a referral program for Shopify and WooCommerce stores" in home.text
    assert '<a href="/woocommerce/connect">' in home.text
    assert "set <code>SHOPIFY_API_KEY</code>" in home.text
    # Each warning once, and every line (uvicorn's and ours) in the one format.
    assert output.count("Shopify: set SHOPIFY_API_KEY and SHOPIFY_API_SECRET") == 1
    lines = [line for line in output.splitlines() if line.strip()]
    shape = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) [\w.]+: ")
    assert [line for line in lines if not shape.match(line)] == []
    assert any(line.split(" ", 4)[3] == "uvicorn.error:" for line in lines)
    assert "Traceback" not in output
    # No line per request unless asked for: it costs ingest throughput.
    assert "GET /readyz" not in output
    assert (tmp_path / "data" / "connector.sqlite3").exists()
    key_file = tmp_path / "data" / "encryption.key"
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert key_file.read_text().strip() not in output


def test_serve_logs_each_request_when_the_access_log_is_on(tmp_path: Path) -> None:
    ready, _webhook, _home, output = _serve(tmp_path, CONNECTOR_ACCESS_LOG="true")

    assert ready.status_code == 200
    assert "Traceback" not in output  # uvicorn's access lines format cleanly
    assert '"GET /readyz HTTP/1.1" 200' in output
