"""The journey map on the workflow page: the steps as a diagram, each with its words and its
counts (reached and failed equal to the stats funnel, waiting here now), a text alternative that
lists every node, and each count linking to exactly those enrollments.

The enrollments are written as the worker writes them: a step's record when it ran, waits
recorded with the next record, progress moved by emails and HTTP calls only.
"""

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.campaigns import CampaignCreate
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.models.workflows import Workflow
from flowline.core.services.campaigns.crud import create_campaign
from flowline.core.services.workflows.crud import create_workflow, update_workflow
from flowline.definitions.step_tree import top_index
from tests.web.client import ADMIN_KEY, signed_in, web_client


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as web:
        await signed_in(web)
        yield web


def _words(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment))).strip()


def _figure(page: httpx.Response) -> str:
    found = re.search(r'<figure[^>]*aria-labelledby="journey-title".*?</figure>', page.text, re.S)
    assert found, "the page has no journey map"
    return found.group(0)


def _node_counts(figure: str) -> dict[str, dict[str, int]]:
    """`{path: {reached, waiting, failed}}` as the nodes show them."""
    counts: dict[str, dict[str, int]] = {}
    for card in re.finditer(r'data-journey-node="([^"]+)".*?</div>', figure, re.S):
        shown = re.findall(r'data-count="(\w+)"[^>]*>\w+ <strong>(\d+)</strong>', card.group(0))
        counts[card.group(1)] = {name: int(value) for name, value in shown}
    return counts


def _listed_profiles(page: httpx.Response) -> list[str]:
    table = re.search(r'<table class="enrollments">.*?</table>', page.text, re.S)
    if table is None:
        return []
    return [
        html.unescape(p)
        for p in re.findall(r'data-label="Profile"><a [^>]*>([^<]+)</a>', table.group(0))
    ]


STEPS: list[dict[str, Any]] = [
    {"type": "send_email", "campaign_id": 0, "email_property": "email"},
    {"type": "wait", "duration": "P2D"},
    {
        "type": "branch",
        "condition": {"property": "plan", "op": "eq", "value": "pro"},
        "then": [{"type": "http_call", "method": "POST", "url": "https://crm.example/hook"}],
        "else": [{"type": "wait", "duration": "P1D"}],
    },
    {"type": "http_call", "method": "GET", "url": "https://crm.example/done"},
]
TYPES = {
    "0": "email",
    "1": "wait",
    "2": "branch",
    "2.then.0": "http",
    "2.else.0": "wait",
    "3": "http",
}


def _journeys(engine: Engine) -> int:
    """Version 2 of a workflow with a branch, and enrollments all over it (see each below)."""
    with session_scope(engine) as session:
        campaign = create_campaign(
            session,
            CampaignCreate(name="Welcome", subject="Hello", html="<p>Hi</p>", status="active"),
        )
        steps = [{**STEPS[0], "campaign_id": campaign.id}, *STEPS[1:]]
        body = WorkflowCreate.model_validate(
            {
                "name": "Onboarding",
                "trigger": {"type": "event", "event": "signed_up"},
                "steps": steps,
            }
        )
        workflow = create_workflow(session, body)
        assert workflow.id is not None
        # Someone still on version 1: not on the map (it draws version 2).
        _enrollment(session, workflow, "old-timer", "active", 1, {"0": "sent"}, version=1)
        update_workflow(session, workflow, body)
        _enrollment(  # all the way, its HTTP call in the `then` arm failed
            session,
            workflow,
            "ana",
            "completed",
            3,
            {"0": "sent", "1": "done", "2": "then", "2.then.0": "failed", "3": "sent"},
        )
        _enrollment(  # failed there too and stopped (on_failure would say exit)
            session,
            workflow,
            "eve",
            "exited",
            3,
            {"0": "sent", "1": "done", "2": "then", "2.then.0": "failed"},
        )
        # Waiting out the two days of step 2.
        _enrollment(session, workflow, "ben", "active", 1, {"0": "sent"})
        # Past the wait (recorded later) and down the `else` arm, waiting there.
        _enrollment(session, workflow, "cleo", "active", 1, {"0": "sent", "2": "else"})
        # Down the `then` arm, its HTTP call under way.
        _enrollment(session, workflow, "dan", "active", 1, {"0": "sent", "2": "then"})
        # A test enrollment is in no figure.
        _enrollment(session, workflow, "tess", "active", 1, {"0": "sent"}, test=True)
        return workflow.id


def _enrollment(
    session: Any,
    workflow: Workflow,
    profile_id: str,
    status: str,
    steps_completed: int,
    records: dict[str, str],
    *,
    version: int | None = None,
    test: bool = False,
    types: dict[str, str] = TYPES,
) -> None:
    version = version or workflow.version
    row = Enrollment(
        workflow_id=workflow.id,
        version=version,
        profile_id=profile_id,
        temporal_workflow_id=f"enroll:{workflow.id}:{profile_id}",
        temporal_run_id=f"run-{profile_id}",
        status=status,
        steps_completed=steps_completed,
        test=test,
        has_failures="failed" in records.values(),
    )
    session.add(row)
    session.flush()
    for path, outcome in records.items():
        arm = outcome in ("then", "else")
        session.add(
            Delivery(
                enrollment_id=row.id,
                workflow_id=row.workflow_id,
                version=version,
                test=test,
                step_path=path,
                step_index=top_index(path),
                type=types[path],
                status="done" if arm else outcome,
                detail=outcome if arm else "",
            )
        )


async def test_the_counts_on_the_nodes_equal_the_stats_funnel(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    workflow_id = _journeys(engine)
    page = await client.get(f"/workflows/{workflow_id}")
    stats = await client.get(
        f"/v1/workflows/{workflow_id}/stats", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert page.status_code == stats.status_code == 200
    shown = _node_counts(_figure(page))
    funnel = {step["path"]: step for step in stats.json()["steps"]}
    assert set(shown) == set(funnel) == set(TYPES)
    for path, step in funnel.items():
        assert shown[path]["reached"] == step["executed"], path
        if "failed" in shown[path]:
            assert shown[path]["failed"] == step["failed"], path
    assert {p: c["waiting"] for p, c in shown.items()} == {
        "0": 0,
        "1": 1,
        "2": 0,
        "2.then.0": 1,
        "2.else.0": 1,
        "3": 0,
    }
    # What the funnel says, by construction of the enrollments above.
    assert {p: c["reached"] for p, c in shown.items()} == {
        "0": 5,
        "1": 2,
        "2": 4,
        "2.then.0": 2,
        "2.else.0": 0,
        "3": 1,
    }
    assert shown["2.then.0"]["failed"] == 2
    # The enrollments list says the same of where each one is.
    text = _words(page.text)
    assert "cleo Active Step 3.else.1 · Wait 1 day · until" in text
    assert "dan Active Step 3.then.1 · POST https://crm.example/hook" in text
    assert "ben Active Step 2 · Wait 2 days · until" in text
    # A wait or a branch cannot fail: they show no failed count.
    assert "failed" not in shown["1"] and "failed" not in shown["2"]


async def test_the_figure_is_named_journey_map_and_its_text_lists_every_node(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    workflow_id = _journeys(engine)
    figure = _figure(await client.get(f"/workflows/{workflow_id}"))
    assert re.search(r'<h2 id="journey-title">Journey map</h2>', figure)
    text = _words(figure)
    expected = [
        "Step 1 · Send email: Send 'Welcome' — reached 5, waiting 0, failed 0",
        "Step 2 · Wait: Wait 2 days — reached 2, waiting 1",
        "Step 3 · Branch: If plan = 'pro' — reached 4, waiting 0",
        "Step 3.then.1 · HTTP call: POST https://crm.example/hook — reached 2, waiting 1, failed 2",
        "Step 3.else.1 · Wait: Wait 1 day — reached 0, waiting 1",
        "Step 4 · HTTP call: GET https://crm.example/done — reached 1, waiting 0, failed 0",
    ]
    positions = [text.find(line) for line in expected]
    assert all(p >= 0 for p in positions), [line for line in expected if line not in text]
    assert positions == sorted(positions), "the nodes read in the order a run meets them"
    # The arms are groups named after their branch, side by side on a wide screen.
    assert 'role="group" aria-label="Step 3 · Then"' in figure
    assert 'role="group" aria-label="Step 3 · Else"' in figure


@pytest.mark.parametrize(
    ("path", "state", "profiles"),
    [
        ("0", "reached", ["ana", "eve", "ben", "cleo", "dan"]),
        ("1", "reached", ["ana", "eve"]),
        ("1", "waiting", ["ben"]),
        ("2", "reached", ["ana", "eve", "cleo", "dan"]),
        ("2.then.0", "failed", ["ana", "eve"]),
        ("2.then.0", "waiting", ["dan"]),
        ("2.else.0", "waiting", ["cleo"]),
        ("2.else.0", "reached", []),
        ("3", "reached", ["ana"]),
    ],
)
async def test_each_count_links_to_exactly_those_enrollments(
    client: httpx.AsyncClient, engine: Engine, path: str, state: str, profiles: list[str]
) -> None:
    workflow_id = _journeys(engine)
    page = await client.get(f"/workflows/{workflow_id}")
    link = re.search(
        rf'data-journey-node="{re.escape(path)}".*?<a href="([^"]+)" data-count="{state}"',
        page.text,
        re.S,
    )
    assert link, f"no {state} link at {path}"
    listed = await client.get(html.unescape(link.group(1)))
    assert listed.status_code == 200
    # Newest first, as every enrollment list.
    order = ["ana", "eve", "ben", "cleo", "dan"]  # as they enrolled
    assert _listed_profiles(listed) == sorted(profiles, key=order.index, reverse=True)
    count = _node_counts(_figure(listed))[path][state]
    assert count == len(profiles)
    assert f"{count} enrollment{'' if count == 1 else 's'} of version 2" in _words(listed.text)
    # The figures refresh in place with the same filter.
    assert f'data-refresh="/workflows/{workflow_id}/figures?step=' in listed.text
    figures = await client.get(
        f"/workflows/{workflow_id}/figures", params={"step": path, "state": state}
    )
    assert _listed_profiles(figures) == _listed_profiles(listed)


async def test_a_step_or_count_that_is_not_there_answers_in_words(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    workflow_id = _journeys(engine)
    missing = await client.get(
        f"/workflows/{workflow_id}", params={"step": "9", "state": "reached"}
    )
    assert missing.status_code == 404
    assert "step &#39;9&#39; is not in version 2 of this workflow" in missing.text
    wrong = await client.get(f"/workflows/{workflow_id}", params={"step": "0", "state": "lost"})
    assert wrong.status_code == 404
    assert "is not a count of a step: reached, waiting or failed" in wrong.text


async def test_enrollments_deep_in_nested_branches_are_counted_and_listed_where_they_are(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    inner = {
        "type": "branch",
        "condition": {"property": "vip", "op": "exists"},
        "then": [{"type": "wait", "duration": "P1D"}],
        "else": [{"type": "update_profile", "properties": {"vip": False}}],
    }
    outer = {
        "type": "branch",
        "condition": {"property": "plan", "op": "eq", "value": "pro"},
        "then": [inner],
        "else": [],
    }
    with session_scope(engine) as session:
        body = {"name": "Nested", "trigger": {"type": "event", "event": "e"}, "steps": [outer]}
        workflow = create_workflow(session, WorkflowCreate.model_validate(body))
        types = {"0": "branch", "0.then.0": "branch", "0.then.0.else.0": "update_profile"}
        for profile, records in [
            ("new", {}),  # its condition being checked
            ("pro", {"0": "then"}),
            ("vip", {"0": "then", "0.then.0": "then"}),
            # Past its last step: finishing, at no step.
            ("done", {"0": "then", "0.then.0": "else", "0.then.0.else.0": "done"}),
        ]:
            _enrollment(session, workflow, profile, "active", 0, records, types=types)
        workflow_id = workflow.id
    page = await client.get(f"/workflows/{workflow_id}")
    waiting = {path: c["waiting"] for path, c in _node_counts(_figure(page)).items()}
    assert waiting == {"0": 1, "0.then.0": 1, "0.then.0.then.0": 1, "0.then.0.else.0": 0}
    for path, profile in [("0", "new"), ("0.then.0", "pro"), ("0.then.0.then.0", "vip")]:
        listed = await client.get(
            f"/workflows/{workflow_id}", params={"step": path, "state": "waiting"}
        )
        assert _listed_profiles(listed) == [profile], path
