"""Browser tests: the real server (`connector demo` under uvicorn on a free loopback port, SQLite,
the sandbox store) driven through real pages in Debian's headless Chromium by Playwright.

Without Chromium (or Playwright) the tests skip and say why, except in CI (`CI` set), where they
fail: .ci/run installs Chromium. Playwright never downloads a browser here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connector.settings import REPO_ROOT
from tests.browser.servers import _free_port, launch, stop
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
    process = launch(command, env, tmp, port)
    return DemoServer(f"http://127.0.0.1:{port}", env, tmp / "data"), process


@contextlib.contextmanager
def seeded_demo(tmp: Path, seed_module: str) -> Iterator[DemoServer]:
    """A demo server of its own, its database seeded by `python -m seed_module DATA_DIR`."""
    server, process = start_demo(tmp)
    try:
        subprocess.run(
            [sys.executable, "-m", seed_module, str(server.data_dir)],
            env={**server.env, "PYTHONPATH": str(REPO_ROOT)}, cwd=REPO_ROOT, check=True,
            capture_output=True,
        )  # fmt: skip
        yield server
    finally:
        stop(process)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One demo server for the browser tests."""
    server, process = start_demo(tmp_path_factory.mktemp("demo"))
    yield server
    stop(process)


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


# The admin pages' seeded server, defined beside its hosts.
from tests.browser.admin_host import admin_server  # noqa: E402, F401
