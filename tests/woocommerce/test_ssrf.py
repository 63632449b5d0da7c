"""Store URLs that lead into our own network are refused before any request is sent."""

from __future__ import annotations

import ipaddress

import httpx
import pytest
import respx

from platforms.base import PlatformRejected
from platforms.ssrf import (
    Resolver,
    StoreURLRefused,
    check_url,
    guarded_get,
    refusal,
    system_resolver,
)
from tests.support.fake_woocommerce import PUBLIC_ADDRESS


def resolver_to(*addresses: str) -> Resolver:
    """A resolver that answers every name with these addresses."""

    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.20", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("0.0.0.0", "private"),
        ("100.64.0.1", "reserved"),
        ("224.0.0.251", "reserved"),
        ("ff02::1", "reserved"),
        ("192.0.2.10", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "metadata"),
        ("2002:0a00:0001::", "private"),  # 6to4 around 10.0.0.1
        ("64:ff9b::7f00:1", "reserved"),  # NAT64 around 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", [PUBLIC_ADDRESS, "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080", "127.0.0.1 is a loopback address"),
        ("http://[::1]/shop", "::1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a metadata address"),
        ("http://localhost:8080", "localhost is a loopback address"),
        # Numeric spellings the resolver turns into 127.0.0.1.
        ("http://2130706433/", "2130706433 is a loopback address"),
        ("http://0x7f.1/", "0x7f.1 is a loopback address"),
    ],
)
async def test_urls_to_loopback_or_metadata_are_refused(url: str, reason: str) -> None:
    # The system resolver answers these from the literal or /etc/hosts: no network needed.
    with pytest.raises(StoreURLRefused) as raised:
        await check_url(url, allow_private=False, resolve=system_resolver)

    assert raised.value.reason == reason
    assert raised.value.code == "STORE_URL_REFUSED"


async def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    with pytest.raises(StoreURLRefused) as raised:
        await check_url(
            "https://shop.internal.example", allow_private=False, resolve=resolver_to("10.0.0.5")
        )

    assert (raised.value.reason, raised.value.address) == (
        "shop.internal.example is a private address",
        "10.0.0.5",
    )


async def test_one_private_record_among_public_ones_is_enough_to_refuse() -> None:
    with pytest.raises(StoreURLRefused):
        await check_url(
            "https://shop.example",
            allow_private=False,
            resolve=resolver_to(PUBLIC_ADDRESS, "192.168.0.2"),
        )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://shop.example", "only http and https store URLs are allowed"),
        ("file:///etc/passwd", "only http and https store URLs are allowed"),
        ("https://user:pw@shop.example", "a store URL must not carry a user name or password"),
        ("https://shop.example:99999", "the port is not a number between 0 and 65535"),
    ],
)
async def test_malformed_store_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(StoreURLRefused) as raised:
        await check_url(url, allow_private=False, resolve=resolver_to(PUBLIC_ADDRESS))

    assert raised.value.reason == reason


async def test_the_development_setting_allows_a_local_store() -> None:
    await check_url("http://127.0.0.1:8080", allow_private=True, resolve=system_resolver)


async def test_a_redirect_to_a_private_address_is_not_followed() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["10.0.0.7"] if host == "admin.internal" else [PUBLIC_ADDRESS]

    with respx.mock(assert_all_called=False) as router:
        first = router.get("https://shop.example/wp-json/").respond(
            302, headers={"Location": "http://admin.internal/secrets"}
        )
        inner = router.get("http://admin.internal/secrets").respond(200, json={})
        async with httpx.AsyncClient() as http:
            with pytest.raises(StoreURLRefused) as raised:
                await guarded_get(
                    http, "https://shop.example/wp-json/", allow_private=False, resolve=resolve
                )

    assert raised.value.address == "10.0.0.7"
    assert (first.call_count, inner.call_count) == (1, 0)


async def test_a_redirect_to_a_public_address_is_followed_and_checked() -> None:
    checked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        checked.append(host)
        return [PUBLIC_ADDRESS]

    with respx.mock(assert_all_called=True) as router:
        router.get("http://shop.example/wp-json/").respond(
            301, headers={"Location": "https://www.shop.example/wp-json/"}
        )
        router.get("https://www.shop.example/wp-json/").respond(200, json={"home": "x"})
        async with httpx.AsyncClient() as http:
            response = await guarded_get(
                http, "http://shop.example/wp-json/", allow_private=False, resolve=resolve
            )

    assert response.json() == {"home": "x"}
    assert checked == ["shop.example", "www.shop.example"]


async def test_endless_redirects_stop() -> None:
    with respx.mock() as router:
        router.get("https://shop.example/a").respond(302, headers={"Location": "/a"})
        async with httpx.AsyncClient() as http:
            with pytest.raises(PlatformRejected, match="more than 5 redirects"):
                await guarded_get(
                    http,
                    "https://shop.example/a",
                    allow_private=False,
                    resolve=resolver_to(PUBLIC_ADDRESS),
                )
