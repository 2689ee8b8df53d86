"""The workflow form's experiment fields and random split: to the API body, back, and errors."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.workflows.crud import create_workflow
from flowline.web.form_errors import field_for, field_title
from flowline.web.form_tree import parse_form
from flowline.web.workflow_form import payload_from_form
from flowline.web.workflow_form_fill import form_from_definition
from tests.web.client import signed_in, web_client

SPLIT_FORM = [
    ("name", "Offer test"),
    ("enabled", "on"),
    ("trigger.type", "event"),
    ("trigger.event", "signed_up"),
    ("consent_property", "-"),
    ("goal.kind", "event"),
    ("goal.event", "purchase"),
    ("goal_window", "7 days"),
    ("holdout_percent", "10"),
    ("steps.0.type", "split"),
    ("steps.0.auto_winner", "on"),
    ("steps.0.paths.0.name", "Discount"),
    ("steps.0.paths.0.weight", "60"),
    ("steps.0.paths.0.steps.0.type", "wait"),
    ("steps.0.paths.0.steps.0.duration", "2 hours"),
    ("steps.0.paths.1.name", "Free shipping"),
    ("steps.0.paths.1.weight", "40"),
]


def test_a_split_form_becomes_the_api_body_and_validates() -> None:
    body, problems = payload_from_form(parse_form(SPLIT_FORM))
    assert problems == []
    workflow = WorkflowCreate.model_validate(body)
    assert (workflow.holdout_percent, workflow.goal_window) == (10, timedelta(days=7))
    dumped = workflow.model_dump(mode="json")["steps"][0]
    assert dumped == {
        "type": "split",
        "auto_winner": True,
        "paths": [
            {"name": "Discount", "weight": 60, "steps": [{"type": "wait", "duration": "PT7200S"}]},
            {"name": "Free shipping", "weight": 40, "steps": []},
        ],
    }


def test_a_saved_split_shows_in_the_form_and_saves_back_unchanged() -> None:
    body, _ = payload_from_form(parse_form(SPLIT_FORM))
    workflow = WorkflowCreate.model_validate(body)
    form = form_from_definition(workflow, enabled=True)
    assert (form["holdout_percent"], form["goal_window"]) == ("10", "7 days")
    assert form["steps"][0]["paths"][1] == {"name": "Free shipping", "weight": "40", "steps": []}
    again, problems = payload_from_form(form)
    assert problems == []
    assert WorkflowCreate.model_validate(again) == workflow


def test_blank_experiment_fields_mean_no_holdout_and_30_days() -> None:
    form = [(k, v) for k, v in SPLIT_FORM if k not in ("goal_window", "holdout_percent")]
    body, _ = payload_from_form(parse_form(form + [("holdout_percent", " ")]))
    workflow = WorkflowCreate.model_validate(body)
    assert (workflow.holdout_percent, workflow.goal_window) == (0, timedelta(days=30))


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (["holdout_percent"], "holdout_percent"),
        (["goal_window"], "goal_window"),
        (["steps", 1, "paths"], "steps.1.paths.0.weight"),
        (["steps", 1, "paths", 1, "name"], "steps.1.paths.1.name"),
        (["steps", 1, "paths", 0, "steps", 2, "duration"], "steps.1.paths.0.steps.2.duration"),
        (
            ["steps", 1, "paths", 0, "steps", 2, "then", 0, "url"],
            "steps.1.paths.0.steps.2.then.0.url",
        ),
    ],
)
def test_split_error_paths_name_the_form_field_they_are_shown_next_to(
    loc: list[str | int], field: str
) -> None:
    assert field_for(loc) == field


def test_a_field_inside_a_split_path_is_titled_by_its_step() -> None:
    assert field_title("steps.1.paths.0.steps.2.duration") == "Step 2.paths.1.3 · duration"


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as web:
        await signed_in(web)
        yield web


async def test_the_form_offers_the_experiment_fields_and_a_random_split(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    page = await client.get("/workflows/new")
    assert ">Holdout (%)</label>" in page.text
    assert ">Goal window</label>" in page.text
    assert ">Random split</option>" in page.text
    body, _ = payload_from_form(parse_form(SPLIT_FORM))
    with session_scope(engine) as session:
        workflow = create_workflow(session, WorkflowCreate.model_validate(body))
    edit = await client.get(f"/workflows/{workflow.id}/edit")
    assert ">Name of path 2</label>" in edit.text
    assert 'name="steps.0.paths.1.weight"' in edit.text and 'value="40"' in edit.text
    assert 'data-list="paths.0.steps"' in edit.text
