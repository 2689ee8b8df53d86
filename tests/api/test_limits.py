"""Input at the edges gets a clear 422 (or 413), never a 500 and never a record that breaks later.

Each case is a finding of the fuzzer or the review (issue 6): before the limits, these answered
500, or were stored and made `GET /v1/profiles/{id}` answer 500 for good.
"""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.api.error_shape import assert_error

HUGE = 10_000_000_000_000_000_000  # above 2**63 - 1: no database column can bind it
BEYOND_INTEGER = 2**63 - 2  # binds, but no PostgreSQL INTEGER column holds it


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"/v1/workflows/{HUGE}/enable"),
        ("GET", f"/v1/workflows/{HUGE}"),
        ("PUT", f"/v1/workflows/{2**63}"),
        ("DELETE", f"/v1/api-keys/{BEYOND_INTEGER}"),
        ("GET", f"/v1/segments/{2**31}"),
        ("GET", f"/v1/campaigns/{HUGE}"),
        ("DELETE", f"/v1/segments/{HUGE}"),
        ("GET", f"/v1/segments/{HUGE}/members"),
        ("GET", f"/v1/enrollments/{HUGE}"),
        ("DELETE", f"/v1/api-keys/{HUGE}"),
        ("GET", "/v1/workflows/0"),
        ("GET", "/v1/campaigns/-1"),
    ],
)
async def test_ids_in_paths_beyond_what_the_id_columns_hold_are_422(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    id_in_path = path.split("/")[3]
    body = {"name": "w", "trigger": {"type": "event", "event": "e"}} if method == "PUT" else None
    response = await api.request(method, path, json=body)
    assert_error(response, 422)
    [error] = response.json()["errors"]
    assert error["loc"][0] == "path", (id_in_path, error)


@pytest.mark.parametrize("offset", [str(HUGE), "10000001", "-1"])
async def test_page_offset_beyond_ten_million_is_422(api: httpx.AsyncClient, offset: str) -> None:
    for collection in ("campaigns", "workflows", "segments"):
        response = await api.get(f"/v1/{collection}", params={"offset": offset})
        assert_error(response, 422, ["query", "offset"])


async def test_page_offset_of_ten_million_is_served(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/campaigns", params={"offset": 10_000_000})
    assert response.status_code == 200 and response.json() == []


async def test_ids_in_bodies_beyond_what_the_id_columns_hold_are_422(
    api: httpx.AsyncClient,
) -> None:
    workflow = {
        "name": "Huge",
        "trigger": {"type": "segment_entered", "segment_id": 3 * 10**37},
        "goal": {"segment_entered": 2**64},
        "steps": [
            {"type": "send_email", "campaign_id": 2**63},
            {"type": "send_email", "campaign_id": BEYOND_INTEGER},
        ],
    }
    response = await api.post("/v1/workflows", json=workflow)
    assert_error(
        response,
        422,
        ["trigger", "segment_id"],
        ["goal", "segment_entered"],
        ["steps", 0, "campaign_id"],
        ["steps", 1, "campaign_id"],
    )

    rule = {"event": "purchase", "min_count": HUGE}
    response = await api.post("/v1/segments", json={"name": "Many", "rule": rule})
    assert_error(response, 422)


async def test_ids_in_bodies_are_json_integers_not_text(api: httpx.AsyncClient) -> None:
    rule = {"property": "plan", "op": "exists"}
    segment_id = (await api.post("/v1/segments", json={"name": "S", "rule": rule})).json()["id"]
    for text_id in (str(segment_id), True):
        workflow = {"name": "Text id", "trigger": {"type": "segment_left", "segment_id": text_id}}
        response = await api.post("/v1/workflows", json=workflow)
        assert_error(response, 422, ["trigger", "segment_id"])
    # 1.0 is an integer to JSON Schema, hence to the API.
    workflow = {
        "name": "Float id",
        "trigger": {"type": "segment_left", "segment_id": 1.0 * segment_id},
    }
    assert (await api.post("/v1/workflows", json=workflow)).status_code == 201


@pytest.mark.parametrize(
    ("field", "value"), [("enabled", 0), ("enabled", "false"), ("exit_on_goal", 1)]
)
async def test_booleans_are_json_booleans(api: httpx.AsyncClient, field: str, value: Any) -> None:
    workflow = {"name": "Flags", "trigger": {"type": "event", "event": "e"}, field: value}
    assert_error(await api.post("/v1/workflows", json=workflow), 422, [field])


@pytest.mark.parametrize(
    "timestamp",
    [
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+01:00",
        "1969-12-31T23:59:59Z",
        (datetime.now(UTC) + timedelta(hours=25)).isoformat(),
        1_700_000_000,
    ],
)
async def test_event_timestamps_out_of_range_are_422(
    api: httpx.AsyncClient, timestamp: Any
) -> None:
    event = {"profile_id": "p-time", "name": "visit", "timestamp": timestamp}
    assert_error(await api.post("/v1/events", json=event), 422, ["timestamp"])
    assert (await api.get("/v1/profiles/p-time")).status_code == 404  # nothing half-written


@pytest.mark.parametrize(
    "timestamp",
    ["1970-01-01T00:00:00Z", "2020-02-29T23:30:00-14:00", "2026-01-01T00:00:00"],
)
async def test_event_timestamps_in_range_are_accepted(
    api: httpx.AsyncClient, timestamp: str
) -> None:
    event = {"profile_id": "p-time", "name": "visit", "timestamp": timestamp}
    response = await api.post("/v1/events", json=event)
    assert response.status_code == 202, response.text
    [stored] = (await api.get("/v1/profiles/p-time")).json()["events"]
    sent = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    assert datetime.fromisoformat(stored["timestamp"]) == (
        sent.tzinfo and sent or sent.replace(tzinfo=UTC)
    )


def nested(depth: int) -> dict[str, Any]:
    """A property bag `depth` objects deep (the bag itself counted)."""
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"next": value}
    return value


async def test_properties_nested_deeper_than_ten_levels_are_422(api: httpx.AsyncClient) -> None:
    event = {"profile_id": "p-deep", "name": "visit", "properties": nested(11)}
    assert_error(await api.post("/v1/events", json=event), 422, ["properties"])
    upsert = await api.put("/v1/profiles/p-deep", json={"properties": nested(11)})
    assert_error(upsert, 422, ["properties"])
    # 300 deep is past what any body may nest (64): refused as the JSON is read.
    event = {"profile_id": "p-deep", "name": "visit", "properties": nested(300)}
    assert_error(await api.post("/v1/events", json=event), 422, [])
    assert (await api.get("/v1/profiles/p-deep")).status_code == 404

    event = {"profile_id": "p-deep", "name": "visit", "properties": nested(10)}
    assert (await api.post("/v1/events", json=event)).status_code == 202
    profile = await api.get("/v1/profiles/p-deep")
    assert profile.status_code == 200 and profile.json()["events"][0]["properties"] == nested(10)


async def test_properties_over_500_keys_or_with_long_names_are_422(api: httpx.AsyncClient) -> None:
    many = {f"k{i}": i for i in range(501)}
    assert_error(await api.put("/v1/profiles/p-keys", json={"properties": many}), 422)
    long_name = {"n" * 256: 1}
    assert_error(await api.put("/v1/profiles/p-keys", json={"properties": long_name}), 422)
    nested_many = {"inner": {f"k{i}": i for i in range(501)}}
    assert_error(await api.put("/v1/profiles/p-keys", json={"properties": nested_many}), 422)


async def test_property_strings_over_64_kib_are_422(api: httpx.AsyncClient) -> None:
    event = {"profile_id": "p-long", "name": "visit", "properties": {"note": "x" * 65_537}}
    assert_error(await api.post("/v1/events", json=event), 422, ["properties"])
    event["properties"] = {"note": "x" * 65_536}
    assert (await api.post("/v1/events", json=event)).status_code == 202


async def test_a_30_mb_string_property_is_413(api: httpx.AsyncClient) -> None:
    event = {"profile_id": "p-huge", "name": "visit", "properties": {"blob": "x" * 30_000_000}}
    response = await api.post("/v1/events", json=event)
    assert response.status_code == 413 and response.json()["error"] == "PayloadTooLarge"
    assert (await api.get("/v1/profiles/p-huge")).status_code == 404


LONE_SURROGATES = [
    '{"profile_id": "p-lone", "name": "visit", "properties": {"v": "\\ud800"}}',
    '{"profile_id": "p-lone", "name": "visit", "properties": {"\\udfff": 1}}',
    '{"profile_id": "p-lone\\udbff", "name": "visit"}',
    '{"profile_id": "p-lone", "name": "visit", "properties": {"v": ["a\\ud800b"]}}',
    '{"profile_id": "p-lone", "name": "visit", "properties": {"v": "\\u0000"}}',
]


@pytest.mark.parametrize("body", LONE_SURROGATES)
async def test_lone_surrogates_and_nul_anywhere_are_422(api: httpx.AsyncClient, body: str) -> None:
    headers = {"Content-Type": "application/json"}
    response = await api.post("/v1/events", content=body.encode(), headers=headers)
    assert_error(response, 422)
    assert "invalid JSON" in response.json()["detail"]
    assert (await api.get("/v1/profiles/p-lone")).status_code == 404


async def test_a_surrogate_pair_is_a_character_like_any_other(api: httpx.AsyncClient) -> None:
    body = '{"profile_id": "p-emoji", "name": "visit", "properties": {"mood": "\\ud83d\\ude00"}}'
    headers = {"Content-Type": "application/json"}
    assert (await api.post("/v1/events", content=body, headers=headers)).status_code == 202
    profile = await api.get("/v1/profiles/p-emoji")
    assert profile.json()["events"][0]["properties"] == {"mood": "\N{GRINNING FACE}"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"profile_id": "p-nan", "name": "visit", "properties": {"v": NaN}}',
        b'{"profile_id": "p-nan", "name": "visit", "properties": {"v": 1e999}}',
        '{"profile_id": "p-nan", "name": "visit"}'.encode("utf-16"),
        b"[" * 100_000,
    ],
)
async def test_what_json_cannot_carry_is_422(api: httpx.AsyncClient, body: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    response = await api.post("/v1/events", content=body, headers=headers)
    assert_error(response, 422)
    assert (await api.get("/v1/profiles/p-nan")).status_code == 404


@pytest.mark.parametrize(
    "profile_id",
    ["p\u0000x", "tab\there", "line\nbreak", "bell\u0007", "c1\u0085", "   ", "x" * 256],
)
async def test_profile_ids_with_control_characters_or_too_long_are_422(
    api: httpx.AsyncClient, profile_id: str
) -> None:
    event = {"profile_id": profile_id, "name": "visit"}
    assert_error(await api.post("/v1/events", json=event), 422)
    path = f"/v1/profiles/{quote(profile_id, safe='')}"
    assert_error(await api.put(path, json={}), 422, ["path", "profile_id"])


@pytest.mark.parametrize("name", ["a\u0000", "new\nline", "\u009f", "", "e" * 201])
async def test_event_names_with_control_characters_or_too_long_are_422(
    api: httpx.AsyncClient, name: str
) -> None:
    event = {"profile_id": "p-name", "name": name}
    assert_error(await api.post("/v1/events", json=event), 422)
