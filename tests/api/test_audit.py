"""The audit log through the API: each change recorded once, by the key that made it, in words;
`GET /v1/audit` filtered and paginated; nothing edits or deletes it."""

from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from flowline.api.routes import api_routers
from flowline.web.routes import ROUTERS as WEB_ROUTERS
from tests.api.error_shape import assert_error
from tests.api.steps import wait_step

CAMPAIGN = {
    "name": "Welcome",
    "subject": "Hello {{ first_name }}",
    "html": "<p>Hi {{ first_name }}</p>",
    "status": "active",
}


def workflow_body(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Onboarding",
        "trigger": {"type": "event", "event": "signed_up"},
        "steps": [wait_step("P1D")],
        **fields,
    }


async def named_key(api: httpx.AsyncClient, name: str) -> tuple[int, dict[str, str]]:
    created = await api.post("/v1/api-keys", json={"name": name, "scope": "admin"})
    assert created.status_code == 201, created.text
    return created.json()["id"], {"Authorization": f"Bearer {created.json()['key']}"}


async def log(api: httpx.AsyncClient, **filters: Any) -> list[dict[str, Any]]:
    answer = await api.get("/v1/audit", params={"limit": 500, **filters})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_every_api_change_is_recorded_once_by_the_key_that_made_it(
    api: httpx.AsyncClient,
) -> None:
    key_id, as_ops = await named_key(api, "ops robot")
    ops = {"type": "api_key", "id": str(key_id), "name": "ops robot"}

    campaign = (await api.post("/v1/campaigns", json=CAMPAIGN, headers=as_ops)).json()
    await api.put(
        f"/v1/campaigns/{campaign['id']}",
        json={**CAMPAIGN, "name": "Welcome v2", "html": "<p>Hey {{ first_name }}</p>"},
        headers=as_ops,
    )
    segment = (
        await api.post(
            "/v1/segments",
            json={"name": "Locals", "rule": {"property": "city", "op": "eq", "value": "Ghent"}},
            headers=as_ops,
        )
    ).json()
    await api.put(
        f"/v1/segments/{segment['id']}",
        json={"name": "Locals", "rule": {"property": "city", "op": "eq", "value": "Bruges"}},
        headers=as_ops,
    )
    workflow = (await api.post("/v1/workflows", json=workflow_body(), headers=as_ops)).json()
    wid = workflow["id"]
    saved = await api.put(
        f"/v1/workflows/{wid}",
        json=workflow_body(name="Onboarding 2", steps=[wait_step("P1D"), wait_step("P2D")]),
        headers=as_ops,
    )
    assert saved.status_code == 200, saved.text
    await api.post(f"/v1/workflows/{wid}/disable", json={"in_flight": "exit"}, headers=as_ops)
    await api.post(f"/v1/workflows/{wid}/enable", headers=as_ops)
    await api.put(
        "/v1/settings",
        json={"email_frequency_cap": {"max": 3, "per": "P7D"}},
        headers=as_ops,
    )
    await api.post("/v1/suppressions", json={"address": "ann@example.com"}, headers=as_ops)
    await api.post("/v1/suppressions", json={"address": "ANN@example.com"}, headers=as_ops)
    removed = await api.request(
        "DELETE", "/v1/suppressions", json={"address": "ann@example.com"}, headers=as_ops
    )
    assert removed.status_code == 204
    other = (
        await api.post("/v1/api-keys", json={"name": "crm", "scope": "ingest"}, headers=as_ops)
    ).json()
    await api.delete(f"/v1/api-keys/{other['id']}", headers=as_ops)
    await api.put("/v1/profiles/jan@example.com", json={"properties": {"city": "Ghent"}})
    await api.delete("/v1/profiles/jan@example.com", headers=as_ops)
    await api.delete(f"/v1/workflows/{wid}", headers=as_ops)
    await api.delete(f"/v1/segments/{segment['id']}", headers=as_ops)
    await api.delete(f"/v1/campaigns/{campaign['id']}", headers=as_ops)

    entries = list(reversed(await log(api, actor=f"api_key:{key_id}")))
    assert all(e["actor"] == ops for e in entries)
    assert [(e["action"], e["object"]["type"]) for e in entries] == [
        ("campaign.created", "campaign"),
        ("campaign.updated", "campaign"),
        ("segment.created", "segment"),
        ("segment.updated", "segment"),
        ("workflow.created", "workflow"),
        ("workflow.saved", "workflow"),
        ("workflow.disabled", "workflow"),
        ("workflow.enabled", "workflow"),
        ("settings.changed", "settings"),
        ("suppression.added", "suppression"),
        ("suppression.removed", "suppression"),
        ("api_key.created", "api_key"),
        ("api_key.revoked", "api_key"),
        ("profile.erased", "profile"),
        ("workflow.deleted", "workflow"),
        ("segment.deleted", "segment"),
        ("campaign.deleted", "campaign"),
    ]
    said = {e["action"]: e for e in entries}
    assert said["campaign.updated"]["summary"] == "name: 'Welcome' → 'Welcome v2'; HTML changed"
    assert said["campaign.updated"]["object"] == {
        "type": "campaign",
        "id": str(campaign["id"]),
        "name": "Welcome v2",
    }
    assert said["segment.updated"]["summary"] == "rule: city = 'Ghent' → city = 'Bruges'"
    assert said["workflow.created"]["summary"].startswith("version 1: 1 step(s)")
    assert said["workflow.saved"]["summary"] == (
        "version 2: name: 'Onboarding' → 'Onboarding 2'; steps: 1 → 2"
    )
    assert said["workflow.disabled"]["summary"] == "switched off; running enrollments end now"
    assert said["workflow.enabled"]["summary"] == "switched on"
    assert said["settings.changed"]["summary"] == "email frequency cap: off → 3 email(s) per 7 days"
    assert said["suppression.added"]["object"]["name"] == "a***@example.com"
    assert said["api_key.created"]["object"]["name"] == "crm"
    assert other["key"] not in str(entries)
    # The erasure names no profile: the log is never erased itself.
    assert "jan" not in str(said["profile.erased"])
    assert said["profile.erased"]["object"]["name"] == "an erased profile"


async def test_the_bootstrap_key_is_named_as_such(api: httpx.AsyncClient) -> None:
    await api.post("/v1/campaigns", json=CAMPAIGN)

    [entry] = await log(api)
    assert entry["actor"] == {"type": "api_key", "id": "bootstrap", "name": "bootstrap admin key"}


async def test_a_refused_change_leaves_no_entry(api: httpx.AsyncClient) -> None:
    campaign = (await api.post("/v1/campaigns", json=CAMPAIGN)).json()
    body = workflow_body(
        steps=[
            {
                "type": "send_email",
                "campaign_id": campaign["id"],
                "email_property": "email",
                "merge_tags": {"first_name": {"property": "first_name", "default": "there"}},
            }
        ]
    )
    assert (await api.post("/v1/workflows", json=body)).status_code == 201

    refused = await api.delete(f"/v1/campaigns/{campaign['id']}")

    assert refused.status_code == 409
    assert [e["action"] for e in await log(api)] == ["workflow.created", "campaign.created"]


async def test_versions_carry_who_saved_them(api: httpx.AsyncClient, api_app: FastAPI) -> None:
    _, as_ops = await named_key(api, "ops robot")
    workflow = (await api.post("/v1/workflows", json=workflow_body())).json()
    await api.put(f"/v1/workflows/{workflow['id']}", json=workflow_body(), headers=as_ops)

    from flowline.core.database import read_scope
    from flowline.core.services.workflows.versions import version_summaries

    with read_scope(api_app.state.engine) as session:
        versions = version_summaries(session, workflow["id"])
    assert [(v.version, v.saved_by) for v in versions] == [
        (2, "ops robot"),
        (1, "bootstrap admin key"),
    ]


async def test_filters_and_pages(api: httpx.AsyncClient) -> None:
    key_id, as_ops = await named_key(api, "ops robot")
    ids = []
    for n in range(5):
        made = await api.post("/v1/campaigns", json={**CAMPAIGN, "name": f"C{n}"}, headers=as_ops)
        ids.append(made.json()["id"])
    await api.put(f"/v1/campaigns/{ids[0]}", json={**CAMPAIGN, "name": "C0 again"})

    first = (await api.get("/v1/audit", params={"object_type": "campaign", "limit": 2})).json()
    second = (
        await api.get("/v1/audit", params={"object_type": "campaign", "limit": 2, "offset": 2})
    ).json()
    assert (first["total"], first["offset"], first["limit"]) == (6, 0, 2)
    assert [e["object"]["name"] for e in first["items"] + second["items"]] == [
        "C0 again",
        "C4",
        "C3",
        "C2",
    ]
    one = await log(api, object_type="campaign", object_id=str(ids[0]))
    assert [e["action"] for e in one] == ["campaign.updated", "campaign.created"]
    by_ops = await log(api, actor=f"api_key:{key_id}")
    assert len(by_ops) == 5
    by_bootstrap = await log(api, actor="api_key:bootstrap")
    assert [e["action"] for e in by_bootstrap] == ["campaign.updated", "api_key.created"]


async def test_bad_filters_are_422(api: httpx.AsyncClient) -> None:
    for params in (
        {"object_type": "planet"},
        {"actor": "robot"},
        {"actor": "user:\x00"},
        {"object_id": "x" * 65},
        {"limit": 0},
    ):
        assert_error(await api.get("/v1/audit", params=params), 422)


async def test_the_log_needs_an_admin_key(api: httpx.AsyncClient) -> None:
    created = await api.post("/v1/api-keys", json={"name": "crm", "scope": "ingest"})
    ingest = {"Authorization": f"Bearer {created.json()['key']}"}

    assert_error(await api.get("/v1/audit", headers={"Authorization": "Bearer nope"}), 401)
    assert_error(await api.get("/v1/audit", headers=ingest), 403)


async def test_no_route_changes_the_log(api: httpx.AsyncClient, api_app: FastAPI) -> None:
    changing = {"PUT", "PATCH", "DELETE", "POST"}
    routers = [*api_routers(api_app.state.settings), *WEB_ROUTERS]
    audit_routes = [
        (route.path, route.methods)
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and "audit" in route.path
    ]
    assert sorted(audit_routes) == [("/audit", {"GET"}), ("/v1/audit", {"GET"})]
    document = (await api.get("/openapi.json")).json()
    audit_operations = {
        (path, method)
        for path, item in document["paths"].items()
        if "audit" in path
        for method in item
    }
    assert audit_operations == {("/v1/audit", "get")}
    await api.post("/v1/campaigns", json=CAMPAIGN)
    for method in sorted(changing):
        answer = await api.request(method, "/v1/audit", json={})
        assert answer.status_code == 405, (method, answer.status_code)
        answer = await api.request(method, "/v1/audit/1", json={})
        assert answer.status_code in (404, 405), (method, answer.status_code)
    assert len(await log(api)) == 1


async def test_user_changes_are_recorded_by_the_key_without_the_full_address(
    api: httpx.AsyncClient,
) -> None:
    key_id, as_ops = await named_key(api, "people robot")
    ops = {"type": "api_key", "id": str(key_id), "name": "people robot"}

    body = {"email": "bea@example.com", "role": "viewer"}
    user = (await api.post("/v1/users", json=body, headers=as_ops)).json()
    await api.patch(f"/v1/users/{user['id']}", json={"role": "editor"}, headers=as_ops)
    await api.patch(f"/v1/users/{user['id']}", json={"role": "editor"}, headers=as_ops)  # no-op
    await api.delete(f"/v1/users/{user['id']}", headers=as_ops)

    entries = await log(api, object_type="user")
    found = [(e["action"], e["object"]["name"], e["summary"]) for e in reversed(entries)]
    assert found == [
        ("user.created", "b***@example.com", "created with role viewer"),
        ("user.updated", "b***@example.com", "role: 'viewer' → 'editor'"),
        ("user.removed", "b***@example.com", "removed (was editor)"),
    ]
    assert all(e["actor"] == ops for e in entries)
    assert "bea@example.com" not in str(entries)
