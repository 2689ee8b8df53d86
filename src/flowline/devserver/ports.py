"""Host/port parsing and "is something listening there?" checks."""

import socket
from urllib.parse import urlsplit

from flowline.devserver.errors import DevServerError


class PortInUseError(DevServerError):
    """A port `flowline dev` needs is taken, most likely by another `flowline dev`."""


def split_address(address: str) -> tuple[str, int]:
    """`host:port` (or `[v6]:port`) as a tuple."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"expected host:port, got {address!r}")
    return host.strip("[]"), int(port)


def split_url(url: str) -> tuple[str, int]:
    """The host and port a `http(s)://host:port/...` URL points at."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"expected an http(s) URL, got {url!r}")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def is_listening(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_free(host: str, port: int, setting: str) -> None:
    """Refuse to start next to whatever already listens there rather than fight over the port."""
    if is_listening(host, port):
        raise PortInUseError(
            f"something already listens on {host}:{port} ({setting}); stop it or set {setting} "
            "to a free port"
        )
