"""The SSRF guard: HTTP steps may only reach public addresses unless the operator allows more.

The check is made on the resolved address, and the request is then sent to that very address, so
a name that resolves differently a moment later (DNS rebinding) cannot slip through.
"""

import asyncio
import ipaddress
import socket


class TargetRefused(Exception):
    """The target resolves to an address HTTP steps may not reach."""


# IPv6 ranges that carry an IPv4 address in their last 32 bits: the NAT64 well-known prefix
# (RFC 6052) and the deprecated IPv4-compatible addresses (::a.b.c.d).
_IPV4_IN_LAST_32_BITS = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("::/96"),
)
# Local-use NAT64 (RFC 8215): the IPv4 address may sit anywhere, and the range is never global.
# Python's own tables differ by version, so the ranges that matter are named here.
_NEVER_PUBLIC = (ipaddress.IPv6Network("64:ff9b:1::/48"),)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: mapped, NAT64, 6to4, Teredo, compatible."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client)
    if any(ip in network for network in _IPV4_IN_LAST_32_BITS):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public(address: str) -> bool:
    """Global unicast, and every IPv4 address it embeds is global unicast too."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in _NEVER_PUBLIC):
            return False
        if not all(_global_unicast(v4) for v4 in embedded_ipv4(ip)):
            return False
    return _global_unicast(ip)


def _global_unicast(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast


async def resolve_target(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to: the first one the name resolves to, if it may be reached."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except socket.gaierror as error:
        raise OSError(f"cannot resolve {host}: {error}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise TargetRefused(
                f"{host} resolves to a non-public address ({refused[0]}); "
                "set FLOWLINE_HTTP_ALLOW_PRIVATE_NETWORKS=true to allow it"
            )
    return addresses[0]
