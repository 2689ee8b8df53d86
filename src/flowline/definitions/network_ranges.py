"""Which IP addresses count as public: the one range check for the save-time check of an HTTP
step's URL and for the worker's guard on the address a host name resolves to."""

import ipaddress

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


def refused_host(host: str) -> bool:
    """Whether a URL's host is, as written, `localhost` or an IP literal outside public ranges.

    Host names are checked again when called (the worker resolves them); this only catches what
    the URL itself already says.
    """
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return not is_public(name.split("%", 1)[0])
    except ValueError:
        return False
