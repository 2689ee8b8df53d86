"""The SSRF guard: HTTP steps may only reach public addresses unless the operator allows more.

The check is made on the resolved address, and the request is then sent to that very address, so
a name that resolves differently a moment later (DNS rebinding) cannot slip through.
"""

import asyncio
import ipaddress
import socket

from flowline.definitions.network_ranges import embedded_ipv4, is_public

__all__ = ["TargetRefused", "embedded_ipv4", "is_public", "resolve_target"]


class TargetRefused(Exception):
    """The target resolves to an address HTTP steps may not reach."""


async def resolve_target(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to: the first one the name resolves to, if it may be reached.

    An address written as such (`203.0.113.5`, `::1`) is its own answer: resolving it would
    return it unchanged, after a trip through the resolver's thread pool.
    """
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:  # a name (or a form only the resolver reads, such as `127.1`)
        addresses = await _resolve(host, port)
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise TargetRefused(
                f"{host} resolves to a non-public address ({refused[0]}); "
                "set FLOWLINE_HTTP_ALLOW_PRIVATE_NETWORKS=true to allow it"
            )
    return addresses[0]


async def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except socket.gaierror as error:
        raise OSError(f"cannot resolve {host}: {error}") from None
    return [str(info[4][0]) for info in infos]
