"""Fixtures of the notification tests: a real SMTP server, settings that point at it, a shop."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from connector.services.base.runtime import Runtime
from connector.settings import Settings, load_settings
from connector.store.models import Shop
from tests.conftest import make_env
from tests.shopify.factories import install_on_fake
from tests.support.fake_shopify import FakeShopify
from tests.support.mailbox import Mailbox, serve_mailbox

SENDER = "rewards@connector.example.com"
SHOP_NAME = "Casa Lumbre"
SHOP_URL = "https://casa-lumbre.example"


@pytest.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    """An SMTP server on a loopback port, keeping what it receives."""
    async for box in serve_mailbox():
        yield box


@pytest.fixture
def settings(tmp_path: Path, database_url: str, mailbox: Mailbox) -> Settings:
    """The test settings, sending mail to the in-process server (no TLS on loopback)."""
    url = f"smtp://127.0.0.1:{mailbox.port}?starttls=off"
    return load_settings(make_env(tmp_path, database_url, SMTP_URL=url, SMTP_FROM=SENDER))


@pytest.fixture
async def shop(runtime: Runtime, fake_shopify: FakeShopify) -> Shop:
    """A Shopify shop installed on the fake Admin API, named as shoppers know it."""
    made = await install_on_fake(runtime, fake_shopify)
    made.settings = {**made.settings, "storefront": {"name": SHOP_NAME, "url": SHOP_URL}}
    await made.save(update_fields=["settings"])
    return made


@dataclass(frozen=True)
class Ran:
    """How one `connector` process ended."""

    code: int  # negative: killed by that signal
    out: str
    err: str


class Connector:
    """Runs the `connector` command in its own process against this test's database and mail."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.pids: list[int] = []

    async def run(self, *args: str) -> Ran:
        """Run `connector ARGS...` to its end (or its death)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "connector.cli", *args, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self.pids.append(process.pid)
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode is not None
        return Ran(process.returncode, out.decode(), err.decode())


@pytest.fixture
def connector(tmp_path: Path, settings: Settings, mailbox: Mailbox) -> Connector:
    """The command line, configured as this test's runtime is."""
    env = {**os.environ, **make_env(tmp_path, settings.database_url)}
    env.update(SMTP_URL=f"smtp://127.0.0.1:{mailbox.port}?starttls=off", SMTP_FROM=SENDER)
    return Connector(env)
