"""Refuse URLs that point inside our own network (SSRF): resolve, then check every address.

A merchant types the store URL (WooCommerce) and the URLs our outbound webhooks post to, so
both are untrusted input that makes *us* send requests. A URL is refused when its host is, or resolves to, an address that is not a public unicast address:

    loopback      127.0.0.0/8, ::1
    private       10/8, 172.16/12, 192.168/16, fc00::/7 ...
    link-local    169.254/16, fe80::/10
    metadata      cloud instance-metadata endpoints (169.254.169.254, fd00:ec2::254, ...)
    reserved      everything else that is not global unicast: multicast, 0/8, 100.64/10,
                  documentation ranges, NAT64 ...

IPv6 forms that embed an IPv4 address (IPv4-mapped, 6to4, Teredo) are judged by that address.
Every address a name resolves to must pass, so a name with one public and one private record is
refused. Redirects are never followed blindly: `guarded_get` checks each hop before it is sent.
A development setting (`allow_private`) turns the address check off for a store on localhost.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urljoin, urlsplit

import httpx

from platforms.base import PlatformRejected
from platforms.retrying import RequestNotSent

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Instance-metadata endpoints: AWS/GCP/Azure/OpenStack, AWS over IPv6, ECS tasks, Alibaba Cloud.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
MAX_REDIRECTS = 5


class StoreURLRefused(PlatformRejected):
    """The URL is not one we may call; `reason` says why, `address` what it resolved to."""

    def __init__(
        self, url: str, reason: str, address: str | None = None, what: str = "store URL"
    ) -> None:
        where = f" ({address})" if address else ""
        super().__init__(f"refused {what} {url}: {reason}{where}", code="STORE_URL_REFUSED")
        self.url = url
        self.reason = reason
        self.address = address


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def refusal(ip: IPAddress) -> str | None:
    """Why we must not connect to `ip` (loopback, private, ...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return refusal(embedded)
    if ip in METADATA:
        return "metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    # Python counts multicast as global; a store is never multicast.
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "reserved"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver returns for host:port."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv6 sockaddr may carry a zone ("fe80::1%eth0"); the address is what we judge.
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


async def check_url(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> None:
    """Raise StoreURLRefused unless `url` is http(s) to a host with only public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise StoreURLRefused(url, "only http and https store URLs are allowed")
    if parts.username is not None or parts.password is not None:
        raise StoreURLRefused(url, "a store URL must not carry a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise StoreURLRefused(url, "the port is not a number between 0 and 65535") from exc
    host = parts.hostname
    if not host:
        raise StoreURLRefused(url, "the URL has no host")
    if allow_private:
        return
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            resolved = await resolve(host, port)
        except OSError as exc:
            raise RequestNotSent(f"could not resolve {host}: {exc}") from exc
        addresses = [ipaddress.ip_address(a) for a in resolved]
    if not addresses:
        raise RequestNotSent(f"{host} resolved to no address")
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            raise StoreURLRefused(url, f"{host} is a {reason} address", str(address))


async def guarded_get(
    http: httpx.AsyncClient,
    url: str,
    *,
    allow_private: bool,
    resolve: Resolver = system_resolver,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """GET `url`, following redirects one hop at a time and checking each target first."""
    for _ in range(MAX_REDIRECTS + 1):
        await check_url(url, allow_private=allow_private, resolve=resolve)
        response = await http.get(url, headers=headers, follow_redirects=False)
        location = response.headers.get("location")
        if not response.is_redirect or not location:
            return response
        url = urljoin(url, location)
    raise StoreURLRefused(url, f"more than {MAX_REDIRECTS} redirects")
