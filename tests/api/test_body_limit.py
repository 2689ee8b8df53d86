"""Bodies over 1 MiB are refused with 413 before they are read, let alone parsed."""

import json
from collections.abc import Iterator

import httpx
from fastapi import FastAPI

from tests.api.error_shape import assert_error
from tests.api.raw_asgi import call

MIB = 1024 * 1024
CHUNK = 64 * 1024


def batch_of(events: int) -> bytes:
    one = {"profile_id": "p-batch", "name": "visit", "properties": {"page": "/home"}}
    return json.dumps({"events": [one] * events}).encode()


def chunks(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


async def test_a_200000_event_batch_with_its_length_is_refused_without_reading_a_byte(
    api_app: FastAPI,
) -> None:
    body = batch_of(200_000)
    assert len(body) > 10 * MIB

    exchange = await call(
        api_app, "POST", "/v1/events/batch", chunks(body), content_length=len(body)
    )

    assert exchange.status == 413
    assert json.loads(exchange.body)["error"] == "PayloadTooLarge"
    assert exchange.bytes_read == 0


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_1_mib(api_app: FastAPI) -> None:
    body = batch_of(200_000)

    exchange = await call(api_app, "POST", "/v1/events/batch", chunks(body))

    assert exchange.status == 413
    assert exchange.bytes_read <= MIB + CHUNK  # not one chunk more than needed to know


async def test_a_body_just_under_1_mib_is_read(api_app: FastAPI) -> None:
    properties = {f"note{i}": "x" * 60_000 for i in range(17)}
    body = json.dumps({"profile_id": "p-big", "name": "visit", "properties": properties}).encode()
    assert MIB - CHUNK < len(body) <= MIB

    exchange = await call(api_app, "POST", "/v1/events", chunks(body))

    assert exchange.status == 202, exchange.body
    assert exchange.bytes_read == len(body)


async def test_a_batch_of_1001_events_is_413_before_any_event_is_validated(
    api: httpx.AsyncClient,
) -> None:
    invalid = {"profile_id": "", "name": ""}  # each would be a 422 of its own
    response = await api.post("/v1/events/batch", json={"events": [invalid] * 1001})
    assert_error(response, 413)
    assert "at most 1000" in response.json()["detail"]
