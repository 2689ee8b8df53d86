"""Segment CRUD, members, and the rule language's 422s."""

from tests.support.flowline_harness import Flowline


async def test_segment_crud_and_live_member_count(flowline: Flowline) -> None:
    rule = {
        "all": [
            {"property": "city", "op": "eq", "value": "Utrecht"},
            {"event": "payment", "performed": False},
        ]
    }
    segment = await flowline.segment(rule, "Utrecht, not paid")
    assert segment["member_count"] == 0 and segment["time_window"] is False
    assert "Utrecht" in segment["rule_in_words"]

    await flowline.profile("p-1", city="Utrecht")
    await flowline.profile("p-2", city="Utrecht")
    await flowline.event("p-2", "payment")
    fetched = (await flowline.api.get(f"/v1/segments/{segment['id']}")).json()
    assert fetched["member_count"] == 1
    members = (await flowline.api.get(f"/v1/segments/{segment['id']}/members")).json()
    assert [m["profile_id"] for m in members["items"]] == ["p-1"]

    renamed = await flowline.api.put(
        f"/v1/segments/{segment['id']}",
        json={"name": "Renamed", "rule": {"event": "visit", "within": "P1D"}},
    )
    assert renamed.status_code == 200 and renamed.json()["time_window"] is True
    assert [s["name"] for s in (await flowline.api.get("/v1/segments")).json()] == ["Renamed"]
    assert (await flowline.api.delete(f"/v1/segments/{segment['id']}")).status_code == 204


async def test_invalid_rule_is_a_422_with_the_path(flowline: Flowline) -> None:
    response = await flowline.post(
        "/v1/segments",
        {
            "name": "Bad",
            "rule": {
                "all": [
                    {"property": "city", "op": "eq", "value": "A"},
                    {"property": "age", "op": "bigger", "value": 3},
                ]
            },
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:4] == ["rule", "all", 1, "op"]


async def test_workflow_naming_an_unknown_segment_is_a_422(flowline: Flowline) -> None:
    response = await flowline.post(
        "/v1/workflows",
        {
            "name": "W",
            "trigger": {"type": "segment_entered", "segment_id": 404},
            "goal": {"segment_entered": 405},
        },
    )
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["errors"]]
    assert ["trigger", "segment_id"] in locs and ["goal", "segment_entered"] in locs


async def test_segment_used_by_a_workflow_cannot_be_deleted(flowline: Flowline) -> None:
    segment = await flowline.segment({"property": "vip", "op": "exists"})
    await flowline.workflow(trigger={"type": "segment_left", "segment_id": segment["id"]})
    response = await flowline.api.delete(f"/v1/segments/{segment['id']}")
    assert response.status_code == 409 and response.json()["error"] == "SegmentInUse"
