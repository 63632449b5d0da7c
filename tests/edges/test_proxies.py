"""Proxy trust is explicit: X-Forwarded-For counts only from proxies the deployer names, and the
per-IP and per-shop limits hold whatever a client writes in it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest

from connector.app import create_app
from connector.errors import ConfigError
from connector.routes.clients import forwarded_client
from connector.services.base.runtime import Runtime
from connector.settings import Settings, load_settings
from tests.conftest import Clock, make_env
from tests.storefront.factories import SANDBOX, sandbox_shop, token_headers

CLAIM = "/storefront/api/claim?" + urlencode(SANDBOX)


def test_the_forwarded_header_counts_only_from_a_named_proxy() -> None:
    # Nobody named: the peer is the client, whatever the header says.
    assert forwarded_client("127.0.0.1", "6.6.6.6", ()) == "127.0.0.1"
    # The load balancer is named: the address it appended is the client's.
    assert forwarded_client("10.0.0.5", "6.6.6.6, 203.0.113.9", ("10.0.0.0/8",)) == "203.0.113.9"
    # A peer that is not the named proxy is the client itself.
    assert forwarded_client("198.51.100.1", "6.6.6.6", ("10.0.0.0/8",)) == "198.51.100.1"
    # Two named proxies in a row are both skipped.
    chain = "6.6.6.6, 203.0.113.9, 10.0.0.7"
    assert forwarded_client("10.0.0.5", chain, ("10.0.0.0/8",)) == "203.0.113.9"
    # "*": the connecting peer is believed for one hop.
    assert forwarded_client("192.0.2.1", "6.6.6.6, 203.0.113.9", ("*",)) == "203.0.113.9"


def test_a_trusted_proxy_that_is_no_address_is_a_configuration_error(tmp_path) -> None:
    env = make_env(tmp_path, "sqlite://x", CONNECTOR_TRUSTED_PROXIES="10.0.0.0/8, lb.internal")

    with pytest.raises(ConfigError, match=r"'lb\.internal' is not an IP address or network"):
        load_settings(env)


async def _client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=runtime, manage_db=False, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="https://c.example") as client:
            yield client


@pytest.fixture
async def trusting(settings: Settings, runtime: Runtime, clock: Clock) -> Runtime:
    """The runtime of a deployment behind a load balancer at 127.0.0.1."""
    return Runtime(
        dataclasses.replace(settings, trusted_proxies=("127.0.0.1",)), runtime.http, clock=clock
    )


async def _claims(client: httpx.AsyncClient, runtime: Runtime, count: int) -> list[int]:
    statuses = []
    for n in range(count):
        headers = {**token_headers(runtime), "X-Forwarded-For": f"203.0.{n // 250}.{n % 250}"}
        answer = await client.post(
            CLAIM, json={"ref": "NOPE", "email": "f@example.org"}, headers=headers
        )
        statuses.append(answer.status_code)
    return statuses


async def test_a_rotated_forwarded_header_does_not_escape_the_per_ip_limit(
    runtime: Runtime,
) -> None:
    await sandbox_shop(runtime)
    async for client in _client(runtime):
        statuses = await _claims(client, runtime, 11)

    assert statuses == [404] * 10 + [429]


async def test_behind_a_named_proxy_the_per_shop_limit_holds_across_many_addresses(
    trusting: Runtime,
) -> None:
    await sandbox_shop(trusting)
    async for client in _client(trusting):
        statuses = await _claims(client, trusting, 101)

    # Every address is new, so no per-IP limit is reached; the shop's limit (100) is.
    assert statuses == [404] * 100 + [429]
