"""Browser tests: the real server (`connector demo` under uvicorn on a free loopback port, SQLite,
the sandbox store) driven through real pages in Debian's headless Chromium by Playwright.

Without Chromium (or Playwright) the tests skip and say why, except in CI (`CI` set), where they
fail: .ci/run installs Chromium. Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_KEY

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 30.0
SHOP = "demo-shop.sandbox"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last: they are the slowest, and the rest gives feedback sooner."""
    here = Path(__file__).parent
    items.sort(key=lambda item: Path(str(item.fspath)).is_relative_to(here))


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI runs the browser tests: {reason} (.ci/run installs it)")
    pytest.skip(reason)


@dataclass(frozen=True)
class DemoServer:
    """A running `connector demo`: its base URL and the environment it was started with."""

    base: str
    env: dict[str, str]
    data_dir: Path

    @property
    def store(self) -> str:
        """The demo store's page."""
        return f"{self.base}/demo/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"connector demo exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling for the server to start, the one wait these tests allow
    raise RuntimeError(f"connector demo did not answer at {base} within {START_TIMEOUT:.0f}s")


def start_demo(tmp: Path) -> tuple[DemoServer, subprocess.Popen[bytes]]:
    """Start `connector demo` on a free port with its own data directory."""
    port = _free_port()
    env = {
        **os.environ,
        "CONNECTOR_DATA_DIR": str(tmp / "data"),
        "CONNECTOR_ENCRYPTION_KEYS": TEST_KEY,
        "CONNECTOR_LOG_LEVEL": "WARNING",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    for name in ("SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "DATABASE_URL", "CONNECTOR_CONFIG"):
        env.pop(name, None)
    command = [sys.executable, "-m", "connector.cli", "demo", "--port", str(port)]
    log = (tmp / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
    except RuntimeError:
        process.kill()
        process.wait()
        raise RuntimeError((tmp / "server.log").read_text()[-4000:]) from None
    return DemoServer(base, env, tmp / "data"), process


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One demo server for the browser tests."""
    server, process = start_demo(tmp_path_factory.mktemp("demo"))
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from Debian, driven by Playwright.

    Per module, not per session: Playwright's sync API keeps an event loop running in this
    thread while it is open, and the suite's async tests need the thread to themselves.
    """
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        _missing(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile: no cookies, no storage (a private window)."""
    made = browser.new_context(viewport={"width": 1200, "height": 900}, locale="es-ES")
    yield made
    made.close()
