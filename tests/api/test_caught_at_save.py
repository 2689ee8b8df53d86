"""Saving refuses what would only fail when an enrollment runs (422 at the field, in words), and a
campaign an enabled workflow sends stays sendable (409 naming those workflows)."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from flowline.app import create_app
from flowline.core.settings import Settings
from tests.api.error_shape import assert_error
from tests.api.steps import email_step, http_step, wait_step
from tests.support.flowline_harness import ADMIN_KEY

CAMPAIGN = {"name": "Nudge", "subject": "Hi", "html": "<p>Hi</p>", "status": "active"}


def workflow(*steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "name": "Ticket nudges",
        "trigger": {"type": "event", "event": "registered"},
        "steps": list(steps) or [wait_step("P1D")],
        **fields,
    }


async def refused(api: httpx.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await api.post("/v1/workflows", json=body)
    assert response.status_code == 422, response.text
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


async def test_a_broken_merge_tag_in_the_body_is_refused_at_its_path(
    api: httpx.AsyncClient,
) -> None:
    step = http_step("https://crm.example/api", body={"profile": "{{ profile_id }"})
    assert await refused(api, workflow(step)) == [
        {
            "loc": ["steps", 0, "body", "profile"],
            "msg": "The body has a broken merge tag on line 1: '}' without '{{'.",
        }
    ]


async def test_every_template_of_an_http_step_is_parsed_at_any_depth(
    api: httpx.AsyncClient,
) -> None:
    call = http_step(
        "https://crm.example/{{ profile_id }}/x",
        headers={"X-Who": "{{ name"},
        body={"items": [{"deep": "ok"}, {"deep": "line one\n{% if x %}"}]},
    )
    branch = {
        "type": "branch",
        "condition": {"property": "plan", "op": "eq", "value": "pro"},
        "then": [call],
    }
    errors = await refused(api, workflow(branch))
    assert [(e["loc"], e["msg"]) for e in errors] == [
        (
            ["steps", 0, "then", 0, "headers", "X-Who"],
            "The header X-Who has a broken merge tag on line 1: '{{' without '}}'.",
        ),
        (
            ["steps", 0, "then", 0, "body", "items", 1, "deep"],
            "The body has a broken merge tag on line 2: '{% if %}' without '{% endif %}'.",
        ),
    ]


async def test_a_broken_merge_tag_in_the_url_is_refused_in_words(api: httpx.AsyncClient) -> None:
    errors = await refused(api, workflow(http_step("https://crm.example/{{ profile_id }/x")))
    assert errors == [
        {
            "loc": ["steps", 0, "url"],
            "msg": "The URL has a broken merge tag on line 1: '}' without '{{'.",
        }
    ]


async def test_update_profile_values_are_parsed_nested_too(api: httpx.AsyncClient) -> None:
    top = {"type": "update_profile", "properties": {"plan": "{{ plan }"}}
    errors = await refused(api, workflow(top))
    assert errors == [
        {
            "loc": ["steps", 0, "properties"],
            "msg": "The value of 'plan' has a broken merge tag on line 1: '}' without '{{'.",
        }
    ]
    nested = {"type": "update_profile", "properties": {"last": {"by": "{{ workflow_name"}}}
    errors = await refused(api, workflow(nested))
    assert errors == [
        {
            "loc": ["steps", 0, "properties", "last", "by"],
            "msg": "The value of 'last' has a broken merge tag on line 1: '{{' without '}}'.",
        }
    ]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:8080/hook",
        "https://api.localhost/hook",
        "http://127.0.0.1/hook",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
    ],
)
async def test_a_url_to_a_private_network_is_refused(api: httpx.AsyncClient, url: str) -> None:
    errors = await refused(api, workflow(http_step(url)))
    assert [e["loc"] for e in errors] == [["steps", 0, "url"]]
    assert "private address" in errors[0]["msg"]
    assert "FLOWLINE_HTTP_ALLOW_PRIVATE_NETWORKS=true" in errors[0]["msg"]


async def test_public_addresses_and_host_names_pass(api: httpx.AsyncClient) -> None:
    for url in ("https://8.8.8.8/x", "https://crm.example/{{ profile_id }}", "https://{{ host }}/"):
        response = await api.post("/v1/workflows", json=workflow(http_step(url)))
        assert response.status_code == 201, (url, response.text)


@pytest.fixture
async def allowing(engine: Engine, tmp_path: Path) -> Any:
    settings = Settings(
        data_dir=tmp_path,
        database_url=engine.url.render_as_string(hide_password=False),
        temporal_address="127.0.0.1:9",
        bootstrap_admin_key=ADMIN_KEY,
        secret_key="test-secret-key",
        http_allow_private_networks=True,
    )
    app: FastAPI = create_app(settings, engine=engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://flowline.test",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    ) as client:
        yield client


async def test_the_operator_may_allow_private_networks(allowing: httpx.AsyncClient) -> None:
    body = workflow(http_step("http://169.254.169.254/x"), http_step("http://localhost:9/x"))
    created = await allowing.post("/v1/workflows", json=body)
    assert created.status_code == 201, created.text
    again = await allowing.put(f"/v1/workflows/{created.json()['id']}", json=body)
    assert again.status_code == 200, again.text


async def test_exit_on_goal_needs_a_goal(api: httpx.AsyncClient) -> None:
    errors = await refused(api, workflow(exit_on_goal=True))
    assert [e["loc"] for e in errors] == [["exit_on_goal"]]
    assert errors[0]["msg"].startswith("Choose a goal, or untick")
    with_goal = workflow(exit_on_goal=True, goal={"event": "ticket_purchased"})
    assert (await api.post("/v1/workflows", json=with_goal)).status_code == 201


async def test_a_workflow_needs_a_step(api: httpx.AsyncClient) -> None:
    body = {**workflow(), "steps": []}
    errors = await refused(api, body)
    assert errors == [
        {"loc": ["steps"], "msg": "Add at least one step: a workflow without steps does nothing."}
    ]


async def test_saving_an_update_is_checked_the_same_way(api: httpx.AsyncClient) -> None:
    created = (await api.post("/v1/workflows", json=workflow())).json()
    response = await api.put(f"/v1/workflows/{created['id']}", json={**workflow(), "steps": []})
    assert_error(response, 422, ["steps"])


async def _sent_by(api: httpx.AsyncClient, enabled: bool = True, name: str = "Nudges") -> Any:
    campaign = (await api.post("/v1/campaigns", json=CAMPAIGN)).json()
    step = email_step(campaign["id"], merge_tags={})
    created = await api.post("/v1/workflows", json=workflow(step, name=name, enabled=enabled))
    assert created.status_code == 201, created.text
    return campaign, created.json()


@pytest.mark.parametrize(
    ("change", "words"),
    [({"status": "draft"}, "made a draft"), ({"type": "broadcast"}, "not triggered")],
)
async def test_a_campaign_an_enabled_workflow_sends_stays_triggered_and_active(
    api: httpx.AsyncClient, change: dict[str, str], words: str
) -> None:
    campaign, sender = await _sent_by(api)
    response = await api.put(f"/v1/campaigns/{campaign['id']}", json={**CAMPAIGN, **change})
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert response.json()["error"] == "CampaignInUse"
    assert f"“Nudges” (id {sender['id']})" in detail and words in detail
    unchanged = (await api.get(f"/v1/campaigns/{campaign['id']}")).json()
    assert (unchanged["status"], unchanged["type"]) == ("active", "triggered")


async def test_a_campaign_only_disabled_workflows_send_may_become_a_draft(
    api: httpx.AsyncClient,
) -> None:
    campaign, _ = await _sent_by(api, enabled=False)
    response = await api.put(
        f"/v1/campaigns/{campaign['id']}", json={**CAMPAIGN, "status": "draft"}
    )
    assert response.status_code == 200, response.text


async def test_deleting_a_sent_campaign_names_every_workflow_that_sends_it(
    api: httpx.AsyncClient,
) -> None:
    campaign, first = await _sent_by(api, name="First")
    step = email_step(campaign["id"], merge_tags={})
    second = (await api.post("/v1/workflows", json=workflow(step, name="Second"))).json()
    response = await api.delete(f"/v1/campaigns/{campaign['id']}")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"The workflows “First” (id {first['id']}), “Second” (id {second['id']}) send this "
        "campaign, so it cannot be deleted: delete those workflows, or send another campaign "
        "there, first."
    )
