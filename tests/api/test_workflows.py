"""Workflow CRUD: versions, the enable switch, and a clear 422 for every invalid body."""

from typing import Any

import pytest

from tests.api.steps import email_step, http_step, wait_step
from tests.support.flowline_harness import A_MOMENT, Flowline


async def test_saving_makes_it_live_and_put_creates_a_new_version(flowline: Flowline) -> None:
    created = await flowline.workflow(steps=[wait_step("P1D")])
    assert (created["enabled"], created["version"]) == (True, 1)
    assert created["steps"][0]["duration"] == "PT86400S"
    assert created["trigger_in_words"] == "event 'registered'"

    body = {
        "name": "Renamed",
        "trigger": {"type": "event", "event": "registered"},
        "enabled": False,
        "steps": [A_MOMENT],
    }
    updated = (await flowline.api.put(f"/v1/workflows/{created['id']}", json=body)).json()

    assert (updated["name"], updated["version"], updated["enabled"]) == ("Renamed", 2, False)
    enabled = await flowline.post(f"/v1/workflows/{created['id']}/enable")
    assert enabled.json()["enabled"] is True
    listed = (await flowline.api.get("/v1/workflows")).json()
    assert [w["id"] for w in listed] == [created["id"]]


async def test_consent_dash_means_not_taken_into_account(flowline: Flowline) -> None:
    created = await flowline.workflow(consent_property="-")
    assert created["consent_property"] is None


async def test_unknown_workflow_is_404(flowline: Flowline) -> None:
    response = await flowline.api.get("/v1/workflows/999")
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "detail": "workflow 999 does not exist"}


def invalid_bodies(campaigns: dict[str, int], url: str) -> list[tuple[dict[str, Any], list[Any]]]:
    base: dict[str, Any] = {"name": "W", "trigger": {"type": "event", "event": "registered"}}
    return [
        ({**base, "steps": [{"type": "teleport"}]}, ["steps", 0]),
        ({**base, "steps": [email_step(campaigns["missing"])]}, ["steps", 0, "campaign_id"]),
        ({**base, "steps": [email_step(campaigns["broadcast"])]}, ["steps", 0, "campaign_id"]),
        ({**base, "steps": [email_step(campaigns["draft"])]}, ["steps", 0, "campaign_id"]),
        (
            {**base, "steps": [{**email_step(campaigns["active"]), "merge_tags": {}}]},
            ["steps", 0, "merge_tags", "city"],
        ),
        ({**base, "steps": [wait_step(0)]}, ["steps", 0, "duration"]),
        ({**base, "steps": [wait_step("-PT5M")]}, ["steps", 0, "duration"]),
        ({**base, "steps": [http_step("ftp://x/")]}, ["steps", 0, "url"]),
        ({**base, "steps": [http_step("not a url")]}, ["steps", 0, "url"]),
        ({**base, "steps": [http_step(url, method="FETCH")]}, ["steps", 0, "method"]),
        ({**base, "trigger": {"type": "event", "event": ""}}, ["trigger", "event"]),
        ({**base, "goal": {"event": " "}}, ["goal", "event"]),
        ({**base, "trigger": {"type": "sometimes"}}, ["trigger"]),
        ({"trigger": base["trigger"]}, ["name"]),
    ]


async def test_every_invalid_body_gets_a_422_with_the_path(flowline: Flowline) -> None:
    active = await flowline.campaign()
    draft = await flowline.campaign(status="draft")
    broadcast = await flowline.campaign(type="broadcast")
    campaigns = {
        "active": active["id"],
        "draft": draft["id"],
        "broadcast": broadcast["id"],
        "missing": 9999,
    }

    for body, path in invalid_bodies(campaigns, flowline.http_target.url("/x")):
        response = await flowline.post("/v1/workflows", body)
        assert response.status_code == 422, (body, response.text)
        payload = response.json()
        assert payload["error"] == "ValidationError"
        assert path in [e["loc"][: len(path)] for e in payload["errors"]], (path, payload)
        assert ".".join(map(str, path)) in payload["detail"]

    assert (await flowline.api.get("/v1/workflows")).json() == []  # nothing half-written


@pytest.mark.parametrize("raw", ["{not json", "[]", '{"name": 5}'])
async def test_malformed_json_is_a_422_not_a_500(flowline: Flowline, raw: str) -> None:
    response = await flowline.api.post(
        "/v1/workflows", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"


async def test_enable_refuses_a_workflow_whose_campaign_is_no_longer_active(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(enabled=False, steps=[email_step(campaign["id"])])
    await flowline.api.put(f"/v1/campaigns/{campaign['id']}", json={**campaign, "status": "draft"})

    response = await flowline.post(f"/v1/workflows/{workflow['id']}/enable")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["steps", 0, "campaign_id"]
