"""Schemathesis against both OpenAPI documents, all phases (examples, coverage, fuzzing,
stateful), a bounded number of examples: every answer conforms to what the document says.

The app runs under uvicorn in a thread of this process, so the fake Shopify (respx) answers its
store calls; Schemathesis's own runner (`schemathesis run`) drives it from a subprocess, with a
valid session token (admin) or storefront token (storefront).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from connector.app import create_app
from connector.services import demo
from connector.services.base.runtime import Runtime
from connector.services.referrals.programs import save_program
from connector.settings import Settings, load_settings
from connector.store import db as store_db
from tests.admin.conftest import PROGRAM
from tests.conftest import make_env, on_postgres
from tests.shopify.factories import install_on_fake, session_token
from tests.support.fake_shopify import FakeShopify

# Run in the SQLite pass only: the app under test always serves its own SQLite file; its aerich run would leave SQLite's query builders in this process's ORM for the PostgreSQL tests after it.
pytestmark = pytest.mark.skipif(
    on_postgres(),
    reason="runs in the SQLite pass: the app under test always serves its own SQLite file",
)

SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]
EXAMPLES = "8"  # per operation and phase: bounded, so CI stays quick
SEED = "20261206"
CONFIG = Path(__file__).with_name("schemathesis.toml")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _seed(settings: Settings, fake: FakeShopify) -> None:
    """The session token's shop installed with a program, and the demo's sandbox shop."""
    await store_db.migrate(settings.database_url)
    await store_db.close_db()
    await store_db.init_db(settings.database_url)
    try:
        async with httpx.AsyncClient() as http:
            runtime = Runtime(settings, http)
            shop = await install_on_fake(runtime, fake)
            await save_program(runtime, shop, PROGRAM, actor="schemathesis")
            await demo.set_up(runtime, "http://127.0.0.1/demo/")
    finally:
        await store_db.close_db()


@pytest.fixture
def live(tmp_path: Path, fake_shopify: FakeShopify) -> Iterator[str]:
    """The app serving on a free loopback port; its base URL."""
    url = f"sqlite://{tmp_path / 'schemathesis.sqlite3'}"
    settings = load_settings(make_env(tmp_path, url))
    asyncio.run(_seed(settings, fake_shopify))
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, run_worker=False), host="127.0.0.1", port=port,
        log_config=None, lifespan="on",
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="schemathesis-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the app did not start"
        assert time.monotonic() < deadline, "the app did not start within 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _run(
    location: str, base: str, *headers: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    args = [
        *SCHEMATHESIS, "--config-file", str(CONFIG), "run", location, "--url", base,
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", EXAMPLES, "--seed", SEED, "--workers", "1",
        "--request-timeout", "30", "--suppress-health-check", "all",
        "--report-dir", str(tmp_path / "report"),
    ]  # fmt: skip
    for header in headers:
        args += ["--header", header]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}
    return subprocess.run(
        args, capture_output=True, text=True, timeout=900, check=False, env=env, cwd=tmp_path
    )


def test_the_admin_api_conforms_to_its_document(live: str, tmp_path: Path) -> None:
    token = session_token(expires_in=3600)
    done = _run(
        f"{live}/admin/api/openapi.json", live, f"Authorization: Bearer {token}", tmp_path=tmp_path
    )

    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]


def test_the_storefront_api_conforms_to_its_document(live: str, tmp_path: Path) -> None:
    document = Path(__file__).parents[2] / "connector" / "static" / "storefront-openapi.json"
    done = _run(str(document), f"{live}/storefront", tmp_path=tmp_path)

    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
