"""Who is calling: the client's address, reading X-Forwarded-For only from proxies we were told of.

Rate limits count per address, so the address must be one a client cannot choose. The header is
believed only when the connecting peer is a proxy the deployer named (CONNECTOR_TRUSTED_PROXIES):
read from the right, each named proxy's hop is skipped and the first address that is not one of
them is the client. With no proxies named, the peer's own address is the client, whatever the
header says. `*` believes the connecting peer (whatever its address) for one hop: the address it
appended, for a server that only its proxy can reach.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

from connector.services.base.runtime import Runtime

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(named: Sequence[str]) -> list[Network]:
    return [ipaddress.ip_network(n, strict=False) for n in named if n != "*"]


def _is_trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(peer: str, forwarded: str, trusted: Sequence[str]) -> str:
    """The client's address given the peer, its X-Forwarded-For, and the named proxies."""
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    if not trusted or not hops:
        return peer
    if "*" in trusted:
        return hops[-1]
    networks = _networks(trusted)
    if not _is_trusted(peer, networks):
        return peer
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    return hops[0]


def client_ip(request: Request) -> str:
    """The calling client's address (see the module's docstring for when a header counts)."""
    runtime: Runtime = request.app.state.runtime
    peer = request.client.host if request.client else "unknown"
    forwarded = ", ".join(request.headers.getlist("x-forwarded-for"))
    return forwarded_client(peer, forwarded, runtime.settings.trusted_proxies)
