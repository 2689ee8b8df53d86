"""Header names an HTTP step may not set, in any case and with "_" for "-"."""

import pytest

from flowline.definitions.http_headers import refused_header


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Idempotency-Key", "Idempotency-Key is set by Flowline and cannot be overridden"),
        ("HOST", "HOST is set by Flowline and cannot be overridden"),
        (
            "Idempotency_Key",
            "Idempotency_Key is set by Flowline (servers read it as Idempotency-Key) "
            "and cannot be overridden",
        ),
        (
            "content_length",
            "content_length is set by Flowline (servers read it as Content-Length) "
            "and cannot be overridden",
        ),
    ],
)
def test_names_flowline_sets_are_refused_in_any_spelling(name: str, message: str) -> None:
    assert refused_header(name) == message


@pytest.mark.parametrize(
    "name",
    [
        "Transfer-Encoding",
        "transfer_encoding",
        "Connection",
        "TE",
        "te",
        "Upgrade",
        "Keep-Alive",
        "Keep_Alive",
        "Trailer",
        "Proxy-Authorization",
        "proxy_connection",
        "Proxy-",
    ],
)
def test_hop_by_hop_and_framing_headers_are_refused(name: str) -> None:
    why = refused_header(name)
    assert why is not None
    assert why.startswith(f"{name} cannot be set on an HTTP step: it controls how the request")


@pytest.mark.parametrize(
    "name", ["Authorization", "X-Idempotency-Key", "Hosts", "Proxy", "Accept-Encoding", "TEA"]
)
def test_other_headers_may_be_set(name: str) -> None:
    assert refused_header(name) is None
