"""`GET /v1/workflows/{id}/experiment`: the contract's shape, exactly in OpenAPI, admin only."""

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine

from tests.api.error_shape import assert_error
from tests.support.experiment_rows import add_enrollments, experiment_definition, store_workflow

PATH = "/v1/workflows/{workflow_id}/experiment"


def _schema(app: FastAPI, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = app.openapi()["components"]["schemas"][name]
    return schema


async def test_experiment_answers_groups_lift_and_splits(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 1800, 540, cohort="treatment", path=("1", 0, "A"))
    add_enrollments(engine, wid, 1, 200, 40, cohort="holdout")

    response = await api.get(f"/v1/workflows/{wid}/experiment")

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"goal_window", "groups", "lift", "splits"}
    assert body["groups"]["holdout"] == {"enrolled": 200, "converted": 40, "rate": 0.2}
    assert set(body["lift"]) == {"absolute", "relative", "ci95", "anytime_ci95", "significant"}
    assert body["lift"]["absolute"] == 0.1 and body["lift"]["relative"] == 0.5
    assert len(body["lift"]["ci95"]) == 2 and len(body["lift"]["anytime_ci95"]) == 2
    (split,) = body["splits"]
    assert set(split) == {"path", "paths", "winner", "decided_at"}
    assert [set(p) for p in split["paths"]] == [
        {"name", "weight", "enrolled", "converted", "rate", "lift_vs_first"}
    ] * 2
    assert [p["enrolled"] for p in split["paths"]] == [1800, 0]
    assert split["paths"][1]["lift_vs_first"] is None  # B has fewer than 100


async def test_lift_is_null_below_one_hundred_per_group(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 5000, 1000, cohort="treatment")
    add_enrollments(engine, wid, 1, 99, 10, cohort="holdout")

    body = (await api.get(f"/v1/workflows/{wid}/experiment")).json()

    assert body["lift"] is None
    assert body["groups"]["holdout"]["enrolled"] == 99


async def test_unknown_workflow_is_404_and_a_bad_id_422(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/v1/workflows/987654/experiment"), 404)
    assert_error(await api.get("/v1/workflows/0/experiment"), 422, ["path", "workflow_id"])


async def test_experiment_needs_an_admin_key(api: httpx.AsyncClient, engine: Engine) -> None:
    wid = store_workflow(engine, experiment_definition())
    created = await api.post("/v1/api-keys", json={"name": "shop", "scope": "ingest"})
    ingest = {"Authorization": f"Bearer {created.json()['key']}"}

    assert_error(await api.get(f"/v1/workflows/{wid}/experiment", headers=ingest), 403)
    anonymous = {"Authorization": ""}
    assert_error(await api.get(f"/v1/workflows/{wid}/experiment", headers=anonymous), 401)
    assert_error(await api.get("/v1/workflows/987654/experiment", headers=anonymous), 401)


def test_openapi_declares_the_experiment_answer_and_its_statuses(api_app: FastAPI) -> None:
    operation = api_app.openapi()["paths"][PATH]["get"]
    assert set(operation["responses"]) == {"200", "401", "403", "404", "422", "503"}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/ExperimentPublic"}
    answer = _schema(api_app, "ExperimentPublic")
    assert set(answer["properties"]) == {"goal_window", "groups", "lift", "splits"}
    assert set(answer["required"]) == {"goal_window", "groups", "lift", "splits"}
    assert {"type": "null"} in answer["properties"]["lift"]["anyOf"]
    lift = _schema(api_app, "LiftPublic")
    assert set(lift["required"]) == {"absolute", "relative", "ci95", "anytime_ci95", "significant"}
    interval = lift["properties"]["anytime_ci95"]
    assert (interval["type"], interval["minItems"], interval["maxItems"]) == ("array", 2, 2)
    assert [item["type"] for item in interval["prefixItems"]] == ["number", "number"]
    path = _schema(api_app, "SplitPathFigures")
    assert set(path["required"]) == {
        "name",
        "weight",
        "enrolled",
        "converted",
        "rate",
        "lift_vs_first",
    }
    split = _schema(api_app, "SplitFigures")
    assert set(split["required"]) == {"path", "paths", "winner", "decided_at"}
    group = _schema(api_app, "GroupFigures")
    assert set(group["required"]) == {"enrolled", "converted", "rate"}
