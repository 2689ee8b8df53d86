"""An HTTP step's request made from the live profile, and how much of the answer is kept."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from flowline.definitions.http_headers import refused_header
from flowline.definitions.steps import HttpCallStep
from flowline.definitions.template_budget import (
    TOO_EXPENSIVE,
    TemplateTooExpensive,
    render_budget,
)
from flowline.definitions.templates import render_headers, render_json, render_url

MAX_RESPONSE_BODY = 64 * 1024
# Control characters other than tab would break the header block (h11 refuses them).
_UNSENDABLE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


class RequestInvalid(Exception):
    """The request cannot be sent as rendered; retrying would render it the same way."""


@dataclass(frozen=True)
class RenderedRequest:
    url: httpx.URL
    headers: dict[bytes, bytes]
    body: Any


def render_request(step: HttpCallStep, values: Mapping[str, Any]) -> RenderedRequest:
    try:
        with render_budget():  # one budget for the whole request
            raw_url = render_url(step.url, values)
            headers = render_headers(step.headers, values)
            body = render_json(step.body, values)
    except TemplateTooExpensive as error:
        raise RequestInvalid(f"{TOO_EXPENSIVE}: {error}") from None
    except Exception as error:  # any failure of a template, e.g. {{ 1/0 }}
        raise RequestInvalid(f"template error: {error!r}") from None
    try:
        url = httpx.URL(raw_url)
    except (httpx.InvalidURL, ValueError) as error:  # IDNA errors are ValueErrors
        raise RequestInvalid(f"invalid URL: {error}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise RequestInvalid("invalid URL: not an absolute http(s) URL")
    return RenderedRequest(url, _sendable(headers), body)


def _sendable(headers: Mapping[str, str]) -> dict[bytes, bytes]:
    sendable: dict[bytes, bytes] = {}
    for name, value in headers.items():
        # Refused at save; a definition stored before a name was refused may still carry it.
        # Sent beside ours it could frame the body differently or forge our key: never sent.
        if (why := refused_header(name)) is not None:
            raise RequestInvalid(f"request not sent: {why}")
        # UTF-8 beyond ASCII is sent as is (RFC 9110 obs-text); httpx alone would refuse it.
        encoded = value.encode()
        if _UNSENDABLE.search(encoded):
            raise RequestInvalid(f"header {name} cannot be sent (control character)")
        sendable[name.encode()] = encoded
    return sendable


async def read_capped(response: httpx.Response, limit: int = MAX_RESPONSE_BODY) -> bytes:
    """The first `limit` bytes of a streamed answer; the rest is never read.

    Raw bytes (our requests ask for `identity`), so a compressed answer cannot expand in memory.
    """
    kept = bytearray()
    async for chunk in response.aiter_raw():
        kept += chunk[: limit - len(kept)]
        if len(kept) >= limit:
            break
    return bytes(kept)
