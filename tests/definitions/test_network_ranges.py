"""The host of a URL, as written, is refused when it names this machine or a private network."""

import pytest

from flowline.definitions.network_ranges import refused_host


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LOCALHOST.",
        "api.localhost",
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "::1",
        "[::1]",
        "::ffff:169.254.169.254",
        "fe80::1%eth0",
        "0.0.0.0",
    ],
)
def test_local_and_private_hosts_are_refused(host: str) -> None:
    assert refused_host(host)


@pytest.mark.parametrize("host", ["crm.example", "8.8.8.8", "2001:4860:4860::8888", "x", ""])
def test_public_addresses_and_names_pass(host: str) -> None:
    # A name is checked again when called: the worker refuses what it resolves to.
    assert not refused_host(host)
