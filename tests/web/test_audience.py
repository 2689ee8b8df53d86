"""Audience counts in the web UI: a rule checked as typed also says who matches it now, and the
workflow form says how many profiles the chosen segment holds."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.profiles import Profile
from flowline.core.models.segments import SegmentMembership
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.segments.crud import create_segment
from flowline.core.services.sql import insert_rows, table_of
from flowline.core.services.workflows.crud import create_workflow
from flowline.core.timestamps import utcnow
from tests.web.client import csrf_of, signed_in, web_client


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as web:
        await signed_in(web)
        yield web


def _profiles(engine: Engine, cities: list[str]) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        insert_rows(
            session,
            table_of(Profile),
            [
                {"id": f"p{n:02d}", "properties": {"city": c}, "created_at": now, "updated_at": now}
                for n, c in enumerate(cities)
            ],
        )


async def _check(client: httpx.AsyncClient, rule: str) -> dict[str, object]:
    page = await client.get("/segments/new")
    response = await client.post(
        "/segments/check",
        data={"rule": rule},
        headers={"X-Requested-With": "fetch", "X-CSRF-Token": csrf_of(page)},
    )
    assert response.status_code == 200
    return dict(response.json())


async def test_a_valid_rule_is_answered_with_who_matches_it_now(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    _profiles(engine, ["Utrecht"] * 12 + ["Amsterdam"] * 3)
    answer = await _check(client, '{"property": "city", "op": "eq", "value": "Utrecht"}')
    assert answer["valid"] is True
    assert answer["words"]
    assert answer["count"] == 12
    assert answer["sample"] == [f"p{n:02d}" for n in range(10)]
    answer = await _check(client, '{"property": "city", "op": "eq", "value": "Amsterdam"}')
    assert (answer["count"], answer["sample"]) == (3, ["p12", "p13", "p14"])


async def test_an_invalid_rule_gets_its_messages_and_no_count(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    _profiles(engine, ["Utrecht"])
    answer = await _check(client, '{"property": "city", "op": "bigger", "value": 1}')
    assert answer["valid"] is False
    assert answer["errors"]
    assert "count" not in answer


async def test_the_workflow_form_says_how_many_profiles_the_chosen_segment_holds(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    _profiles(engine, ["Utrecht"] * 7)
    now = utcnow()
    with session_scope(engine) as session:
        trigger = create_segment(session, "Utrechters", {"property": "city", "op": "exists"})
        goal = create_segment(session, "Buyers", {"event": "purchase"})
        insert_rows(
            session,
            table_of(SegmentMembership),
            [{"segment_id": trigger.id, "profile_id": f"p{n:02d}", "since": now} for n in range(7)]
            + [{"segment_id": goal.id, "profile_id": "p00", "since": now}],
        )
        workflow = create_workflow(
            session,
            WorkflowCreate.model_validate(
                {
                    "name": "Welcome Utrechters",
                    "trigger": {"type": "segment_entered", "segment_id": trigger.id},
                    "goal": {"segment_entered": goal.id},
                    "steps": [{"type": "wait", "duration": "P1D"}],
                }
            ),
        )
    page = await client.get(f"/workflows/{workflow.id}/edit")
    assert page.status_code == 200
    assert 'data-audience-for="trigger.segment_id"' in page.text
    assert "7 profiles in this segment now" in page.text
    assert "1 profile in this segment now" in page.text
    empty = await client.get("/workflows/new")
    assert "in this segment now" not in empty.text  # no segment chosen yet
