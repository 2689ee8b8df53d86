"""Input at the edges gets a clear 422 (or 413), never a 500 and never a record that breaks later.

Each case is a finding of the fuzzer or of a review: before the limits, these answered
500, or were stored and made `GET /v1/profiles/{id}` answer 500 for good.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models import (
    Campaign,
    EmailSend,
    Enrollment,
    Profile,
    Segment,
    SegmentMembership,
    Workflow,
    WorkflowVersion,
)
from flowline.core.services.enrollments.records import record_delivery
from flowline.definitions.workflows import WorkflowDefinition
from tests.api.error_shape import assert_error

HUGE = 10_000_000_000_000_000_000  # above 2**63 - 1: no database column can bind it
MAX_ID = 2**63 - 1  # the largest id: positive 64-bit integers, as the BIGINT id columns hold
BIG = 2**40  # beyond 32 bits: an INTEGER column on PostgreSQL could not hold it
WORKFLOW = {
    "name": "w",
    "trigger": {"type": "event", "event": "e"},
    "steps": [{"type": "wait", "duration": "P1D"}],
}
CAMPAIGN = {"name": "c", "subject": "Hi", "html": "<p>Hi</p>"}


def body_for(method: str, path: str) -> dict[str, Any] | None:
    if method != "PUT":
        return None
    return CAMPAIGN if path.startswith("/v1/campaigns/") else WORKFLOW


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"/v1/workflows/{HUGE}/enable"),
        ("GET", f"/v1/workflows/{HUGE}"),
        ("PUT", f"/v1/workflows/{2**63}"),
        ("DELETE", f"/v1/api-keys/{2**63}"),
        ("GET", f"/v1/segments/{2**63}"),
        ("GET", f"/v1/campaigns/{HUGE}"),
        ("DELETE", f"/v1/segments/{HUGE}"),
        ("GET", f"/v1/segments/{HUGE}/members"),
        ("GET", f"/v1/enrollments/{2**63}"),
        ("DELETE", f"/v1/api-keys/{HUGE}"),
        ("GET", "/v1/workflows/0"),
        ("GET", "/v1/campaigns/-1"),
    ],
)
async def test_ids_in_paths_beyond_64_bits_or_not_positive_are_422(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    id_in_path = path.split("/")[3]
    response = await api.request(method, path, json=body_for(method, path))
    assert_error(response, 422)
    [error] = response.json()["errors"]
    assert error["loc"][0] == "path", (id_in_path, error)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/v1/workflows/{MAX_ID}"),
        ("PUT", f"/v1/workflows/{MAX_ID}"),
        ("DELETE", f"/v1/workflows/{MAX_ID}"),
        ("POST", f"/v1/workflows/{MAX_ID}/enable"),
        ("POST", f"/v1/workflows/{MAX_ID}/disable"),
        ("GET", f"/v1/workflows/{MAX_ID}/stats"),
        ("GET", f"/v1/workflows/{MAX_ID}/enrollments"),
        ("GET", f"/v1/campaigns/{MAX_ID}"),
        ("PUT", f"/v1/campaigns/{MAX_ID}"),
        ("DELETE", f"/v1/campaigns/{MAX_ID}"),
        ("GET", f"/v1/segments/{2**31}"),
        ("GET", f"/v1/segments/{MAX_ID}"),
        ("DELETE", f"/v1/segments/{MAX_ID}"),
        ("GET", f"/v1/segments/{MAX_ID}/members"),
        ("GET", f"/v1/enrollments/{MAX_ID}"),
        ("DELETE", f"/v1/api-keys/{MAX_ID}"),
    ],
)
async def test_ids_up_to_64_bits_in_paths_are_looked_up(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await api.request(method, path, json=body_for(method, path))
    assert_error(response, 404)
    assert response.json()["detail"].endswith(f"{path.split('/')[3]} does not exist")


@pytest.mark.parametrize("offset", [str(HUGE), "10000001", "-1"])
async def test_page_offset_beyond_ten_million_is_422(api: httpx.AsyncClient, offset: str) -> None:
    for collection in ("campaigns", "workflows", "segments"):
        response = await api.get(f"/v1/{collection}", params={"offset": offset})
        assert_error(response, 422, ["query", "offset"])


async def test_page_offset_of_ten_million_is_served(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/campaigns", params={"offset": 10_000_000})
    assert response.status_code == 200 and response.json() == []


async def test_ids_in_bodies_beyond_64_bits_or_not_positive_are_422(
    api: httpx.AsyncClient,
) -> None:
    workflow = {
        "name": "Huge",
        "trigger": {"type": "segment_entered", "segment_id": 3 * 10**37},
        "goal": {"segment_entered": 2**64},
        "steps": [
            {"type": "send_email", "campaign_id": 2**63},
            {"type": "send_email", "campaign_id": 0},
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


async def test_ids_up_to_64_bits_in_bodies_are_looked_up(api: httpx.AsyncClient) -> None:
    workflow = {
        "name": "Largest",
        "trigger": {"type": "segment_entered", "segment_id": MAX_ID},
        "goal": {"segment_entered": MAX_ID - 1},
    }
    response = await api.post("/v1/workflows", json=workflow)
    assert_error(response, 422, ["trigger", "segment_id"], ["goal", "segment_entered"])
    assert [e["msg"] for e in response.json()["errors"]] == [
        f"segment {MAX_ID} does not exist",
        f"segment {MAX_ID - 1} does not exist",
    ]
    workflow = {**WORKFLOW, "steps": [{"type": "send_email", "campaign_id": MAX_ID}]}
    response = await api.post("/v1/workflows", json=workflow)
    assert_error(response, 422, ["steps", 0, "campaign_id"])
    assert response.json()["errors"][0]["msg"] == (
        f"Choose a campaign: campaign {MAX_ID} does not exist"
    )


async def test_rows_with_ids_beyond_32_bits_are_stored_and_served(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    """Ids that large come from the sequences of a long-lived installation; given here."""
    segment_id, campaign_id, workflow_id, enrollment_id = BIG, BIG + 1, BIG + 2, BIG + 3
    definition = WorkflowDefinition.model_validate(
        {
            "name": "Big ids",
            "trigger": {"type": "segment_entered", "segment_id": segment_id},
            "goal": {"segment_entered": segment_id},
            "steps": [{"type": "send_email", "campaign_id": campaign_id}],
        }
    )
    with session_scope(engine) as session:
        session.add(Segment(id=segment_id, name="Big", rule={"property": "plan", "op": "exists"}))
        session.add(Campaign(id=campaign_id, status="active", **CAMPAIGN))
        session.add(Profile(id="p-big", properties={"plan": "pro"}))
        session.add(Workflow(id=workflow_id, name="Big ids"))
        session.flush()
        session.add(SegmentMembership(segment_id=segment_id, profile_id="p-big"))
        session.add(
            WorkflowVersion(
                workflow_id=workflow_id, version=1, definition=definition.model_dump(mode="json")
            )
        )
        session.add(
            Enrollment(
                id=enrollment_id,
                workflow_id=workflow_id,
                version=1,
                profile_id="p-big",
                temporal_workflow_id=f"enroll:{workflow_id}:p-big",
                temporal_run_id="run-big",
            )
        )
        session.flush()
        record_delivery(
            session, enrollment_id, "0", type="email", status="sent", detail="", attempts=1
        )
        session.add(EmailSend(profile_id="p-big", enrollment_id=enrollment_id, step_path="0"))

    assert (await api.get(f"/v1/segments/{segment_id}")).json()["id"] == segment_id
    members = (await api.get(f"/v1/segments/{segment_id}/members")).json()
    assert [m["profile_id"] for m in members["items"]] == ["p-big"], members
    assert (await api.get(f"/v1/campaigns/{campaign_id}")).json()["id"] == campaign_id
    shown = (await api.get(f"/v1/workflows/{workflow_id}")).json()
    assert shown["id"] == workflow_id and shown["trigger"]["segment_id"] == segment_id
    enrollment = (await api.get(f"/v1/enrollments/{enrollment_id}")).json()
    assert (enrollment["id"], enrollment["workflow_id"]) == (enrollment_id, workflow_id)
    assert [d["status"] for d in enrollment["deliveries"]] == ["sent"]
    listing = (await api.get(f"/v1/workflows/{workflow_id}/enrollments")).json()
    assert [e["id"] for e in listing["items"]] == [enrollment_id]
    stats = await api.get(f"/v1/workflows/{workflow_id}/stats")
    assert stats.status_code == 200, stats.text
    profile = (await api.get("/v1/profiles/p-big")).json()
    assert profile["segments"] == [segment_id]
    assert [e["id"] for e in profile["enrollments"]] == [enrollment_id]
    # A new version and a new workflow refer to the large ids too.
    body = definition.model_dump(mode="json")
    updated = await api.put(f"/v1/workflows/{workflow_id}", json=body)
    assert updated.status_code == 200 and updated.json()["version"] == 2, updated.text
    created = await api.post("/v1/workflows", json=body)
    assert created.status_code == 201, created.text
    assert (await api.delete(f"/v1/workflows/{created.json()['id']}")).status_code == 204


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
        "steps": [{"type": "wait", "duration": "P1D"}],
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
    ],
    # Named, not shown: the parallel workers must collect the same test ids.
    ids=["year-9999", "year-1", "before-1970", "tomorrow-plus-an-hour"],
)
async def test_event_timestamps_out_of_range_are_422(
    api: httpx.AsyncClient, timestamp: Any
) -> None:
    event = {"profile_id": "p-time", "name": "visit", "timestamp": timestamp}
    assert_error(await api.post("/v1/events", json=event), 422, ["timestamp"])
    assert (await api.get("/v1/profiles/p-time")).status_code == 404  # nothing half-written


@pytest.mark.parametrize(
    "timestamp",
    [1_700_000_000, 1_700_000_000.5, "1700000000", "+1700000000", "-1", "0", "1700000000.5", True],
)
async def test_event_timestamps_as_unix_time_numbers_or_digit_strings_are_422(
    api: httpx.AsyncClient, timestamp: Any
) -> None:
    event = {"profile_id": "p-time", "name": "visit", "timestamp": timestamp}
    response = await api.post("/v1/events", json=event)
    assert_error(response, 422, ["timestamp"])
    assert "must be an ISO-8601 date-time string" in response.json()["detail"]
    assert (await api.get("/v1/profiles/p-time")).status_code == 404


@pytest.mark.parametrize(
    "timestamp",
    [
        "1970-01-01T00:00:00Z",
        "2020-02-29T23:30:00-14:00",
        "2026-01-01T00:00:00",
        "2026-01-01 00:00:00z",
        "2026-01-01t00:00:00.123456+01:00",
    ],
)
async def test_event_timestamps_in_range_are_accepted(
    api: httpx.AsyncClient, timestamp: str
) -> None:
    event = {"profile_id": "p-time", "name": "visit", "timestamp": timestamp}
    response = await api.post("/v1/events", json=event)
    assert response.status_code == 202, response.text
    [stored] = (await api.get("/v1/profiles/p-time")).json()["events"]
    sent = datetime.fromisoformat(timestamp.upper().replace("Z", "+00:00"))
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


@pytest.mark.parametrize("name", ["a\u0000", "new\nline", "\u009f", "", "e" * 256])
async def test_event_names_with_control_characters_or_too_long_are_422(
    api: httpx.AsyncClient, name: str
) -> None:
    event = {"profile_id": "p-name", "name": name}
    assert_error(await api.post("/v1/events", json=event), 422)


async def test_event_names_of_255_characters_are_stored_and_named_everywhere(
    api: httpx.AsyncClient,
) -> None:
    name = "n" * 254 + "!"
    # The segment first: its counted condition stores the name, and ingestion counts for it.
    rule = {"event": name, "where": {"property": "plan", "op": "eq", "value": "pro"}}
    segment = await api.post("/v1/segments", json={"name": "Long names", "rule": rule})
    assert segment.status_code == 201, segment.text
    event = {"profile_id": "p-name", "name": name, "properties": {"plan": "pro"}}
    assert (await api.post("/v1/events", json=event)).status_code == 202
    batch = await api.post("/v1/events/batch", json={"events": [event]})
    assert batch.status_code == 202 and batch.json()["accepted"] == 1, batch.text
    profile = (await api.get("/v1/profiles/p-name")).json()
    assert [e["name"] for e in profile["events"]] == [name, name]
    assert profile["segments"] == [segment.json()["id"]]

    workflow = {
        "name": "Long names",
        "trigger": {"type": "event", "event": name},
        "goal": {"event": name},
        "steps": [
            {"type": "wait_for_event", "event": name, "timeout": "P1D"},
            {"type": "branch", "condition": {"event": name, "min_count": 2}},
        ],
    }
    response = await api.post("/v1/workflows", json=workflow)
    assert response.status_code == 201, response.text
    longer = json.loads(json.dumps(workflow).replace(name, name + "n"))
    response = await api.post("/v1/workflows", json=longer)
    assert_error(
        response,
        422,
        ["trigger", "event"],
        ["goal", "event"],
        ["steps", 0, "event"],
        ["steps", 1, "condition"],
    )
    rule = {"event": name + "n"}
    assert_error(await api.post("/v1/segments", json={"name": "Longer", "rule": rule}), 422)
