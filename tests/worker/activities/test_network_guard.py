"""The SSRF guard refuses every address that is, or leads to, a non-public one."""

import pytest

from flowline.worker.activities.network_guard import TargetRefused, is_public, resolve_target

# Each embeds 169.254.169.254 (cloud metadata) or another non-public IPv4 address.
EMBEDDING_NON_PUBLIC = [
    "::ffff:169.254.169.254",  # IPv4-mapped
    "::ffff:127.0.0.1",
    "64:ff9b::a9fe:a9fe",  # NAT64 well-known prefix
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b:1::a9fe:a9fe",  # NAT64 local-use prefix: never public
    "2002:a9fe:a9fe::",  # 6to4
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2001:0:a9fe:a9fe::1",  # Teredo, server 169.254.169.254
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "::a9fe:a9fe",  # IPv4-compatible
    "::7f00:1",
]
NON_GLOBAL = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",
    "224.0.0.1",  # multicast
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "ff02::1",
]
PUBLIC = ["8.8.8.8", "2001:4860:4860::8888", "64:ff9b::808:808", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", EMBEDDING_NON_PUBLIC + NON_GLOBAL)
def test_non_public_and_embedding_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_public(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize("address", EMBEDDING_NON_PUBLIC)
async def test_resolving_an_embedding_address_is_refused(address: str) -> None:
    # A literal address resolves to itself: no DNS involved.
    with pytest.raises(TargetRefused, match="non-public address"):
        await resolve_target(address, 80, allow_private=False)


async def test_the_operator_may_allow_private_networks() -> None:
    assert await resolve_target("64:ff9b::a9fe:a9fe", 80, allow_private=True) == (
        "64:ff9b::a9fe:a9fe"
    )


def _no_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(self: object, *args: object, **kwargs: object) -> object:
        raise AssertionError("an address literal went through the resolver")

    monkeypatch.setattr("asyncio.base_events.BaseEventLoop.getaddrinfo", refuse)


@pytest.mark.parametrize("address", ["127.0.0.1", "::ffff:169.254.169.254", "fe80::1"])
async def test_an_address_literal_is_checked_without_the_resolver(
    address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_resolver(monkeypatch)
    with pytest.raises(TargetRefused, match="non-public address"):
        await resolve_target(address, 80, allow_private=False)
    assert await resolve_target("8.8.8.8", 80, allow_private=False) == "8.8.8.8"
    assert await resolve_target(address, 80, allow_private=True) == str(address)


async def test_a_name_still_goes_through_the_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_resolver(monkeypatch)
    with pytest.raises(AssertionError, match="resolver"):
        await resolve_target("localhost", 80, allow_private=False)
