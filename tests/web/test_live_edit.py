"""Editing a live workflow says what happens: the form states how many people are in it and on
which version they finish, Save carries the same words to confirm, and the workflow page lists
its versions with when they were saved and their enrollments (in all and still active)."""

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.models.workflows import Workflow, WorkflowVersion
from flowline.core.services.workflows.crud import create_workflow, update_workflow
from flowline.web.routes.workflow_edit import running_words
from tests.web.client import csrf_of, signed_in, web_client

BODY = {
    "name": "Win back",
    "trigger": {"type": "event", "event": "churned"},
    "steps": [{"type": "wait", "duration": "P3D"}],
}
NOTICE = re.compile(r'<p class="notice" id="live-notice" data-live-notice>([^<]*)</p>')


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as web:
        await signed_in(web)
        yield web


def _workflow(engine: Engine) -> int:
    with session_scope(engine) as session:
        workflow = create_workflow(session, WorkflowCreate.model_validate(BODY))
        assert workflow.id is not None
        return workflow.id


def _save_again(engine: Engine, workflow_id: int) -> None:
    with session_scope(engine) as session:
        workflow = session.get(Workflow, workflow_id)
        assert workflow is not None
        update_workflow(session, workflow, WorkflowCreate.model_validate(BODY))


def _enroll(engine: Engine, workflow_id: int, *people: tuple[str, str], test: bool = False) -> None:
    """`(profile id, status)` each, on the workflow's current version."""
    with session_scope(engine) as session:
        workflow = session.get(Workflow, workflow_id)
        assert workflow is not None
        for profile_id, status in people:
            session.add(_row(workflow, profile_id, status, test))


def _row(workflow: Workflow, profile_id: str, status: str, test: bool) -> Enrollment:
    run = f"{workflow.version}-{profile_id}-{'test' if test else 'live'}"
    return Enrollment(
        workflow_id=workflow.id,
        version=workflow.version,
        profile_id=profile_id,
        temporal_workflow_id=f"enroll:{workflow.id}:{profile_id}",
        temporal_run_id=run,
        status=status,
        test=test,
    )


async def _notice(client: httpx.AsyncClient, workflow_id: int) -> str | None:
    form = await client.get(f"/workflows/{workflow_id}/edit")
    assert form.status_code == 200
    found = NOTICE.search(form.text)
    if found is None:
        assert "data-confirm-save" not in form.text
        return None
    words = html.unescape(found.group(1))
    # Save asks to confirm the very same words.
    confirm = re.search(r'<form [^>]*data-workflow-form[^>]*data-confirm-save="([^"]*)"', form.text)
    assert confirm and html.unescape(confirm.group(1)) == words
    return words


async def test_nobody_in_the_workflow_means_no_notice_and_no_confirmation(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    workflow_id = _workflow(engine)
    _enroll(engine, workflow_id, ("ana", "completed"), ("ben", "exited"))
    _enroll(engine, workflow_id, ("tess", "active"), test=True)  # a test is in no figure
    assert await _notice(client, workflow_id) is None
    assert (await client.get("/workflows/new")).text.count("data-live-notice") == 0


async def test_one_person_in_the_workflow_is_told_in_the_singular(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    workflow_id = _workflow(engine)
    _enroll(engine, workflow_id, ("ana", "active"), ("ben", "completed"))
    assert await _notice(client, workflow_id) == (
        "1 person is in this workflow; they finish on version 1. "
        "New enrollments use the new version."
    )


async def test_many_people_finish_on_the_version_they_started_on(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    workflow_id = _workflow(engine)
    _save_again(engine, workflow_id)
    _enroll(engine, workflow_id, ("ana", "active"), ("ben", "active"), ("cleo", "active"))
    _enroll(engine, workflow_id, ("dan", "converted"))
    assert await _notice(client, workflow_id) == (
        "3 people are in this workflow; they finish on version 2. "
        "New enrollments use the new version."
    )
    _save_again(engine, workflow_id)  # version 3: those three are still on version 2
    _enroll(engine, workflow_id, ("eve", "active"))
    assert await _notice(client, workflow_id) == (
        "4 people are in this workflow; they finish on versions 2 and 3. "
        "New enrollments use the new version."
    )


def test_the_sentence_names_every_version_still_running() -> None:
    assert running_words({}) is None
    assert running_words({4: 0}) is None
    assert running_words({1: 2, 2: 0, 3: 1, 5: 7}) == (
        "10 people are in this workflow; they finish on versions 1, 3 and 5. "
        "New enrollments use the new version."
    )


async def test_the_form_keeps_the_notice_after_saving_fails_and_saving_makes_a_new_version(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    workflow_id = _workflow(engine)
    _enroll(engine, workflow_id, ("ana", "active"))
    form = await client.get(f"/workflows/{workflow_id}/edit")
    fields: dict[str, Any] = {
        "csrf_token": csrf_of(form),
        "name": "",
        "trigger.type": "event",
        "trigger.event": "churned",
        "enabled": "on",
        "consent_property": "-",
        "reentry": "after_completion",
        "steps.0.type": "wait",
        "steps.0.duration": "4 days",
    }
    refused = await client.post(f"/workflows/{workflow_id}/edit", data=fields)
    assert refused.status_code == 422
    assert "1 person is in this workflow; they finish on version 1." in refused.text
    saved = await client.post(f"/workflows/{workflow_id}/edit", data={**fields, "name": "Win back"})
    assert saved.status_code == 303, re.findall(r'<p class="error"[^>]*>([^<]*)', saved.text)
    # Ana goes on with version 1; the form now says so for the next save as well.
    assert await _notice(client, workflow_id) == (
        "1 person is in this workflow; they finish on version 1. "
        "New enrollments use the new version."
    )


def _versions_rows(page: httpx.Response) -> list[list[str]]:
    section = re.search(r'<section class="card versions".*?</section>', page.text, re.S)
    assert section, "the workflow page has no Versions section"
    assert '<h2 id="versions-title">Versions</h2>' in section.group(0)
    rows = re.findall(r"<tr[^>]*>\s*(<td.*?)</tr>", section.group(0), re.S)
    return [
        [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell))).strip() for cell in cells]
        for cells in (re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows)
    ]


async def test_the_workflow_page_lists_versions_with_their_dates_and_enrollments(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    workflow_id = _workflow(engine)
    _enroll(engine, workflow_id, ("ana", "active"), ("ben", "completed"))
    _save_again(engine, workflow_id)
    _enroll(engine, workflow_id, ("cleo", "active"), ("dan", "active"), ("eve", "exited"))
    _enroll(engine, workflow_id, ("tess", "active"), test=True)
    _save_again(engine, workflow_id)
    with Session(engine) as session:
        saved = dict(
            session.exec(
                select(WorkflowVersion.version, WorkflowVersion.created_at).where(
                    WorkflowVersion.workflow_id == workflow_id
                )
            ).all()
        )
    page = await client.get(f"/workflows/{workflow_id}")
    assert page.status_code == 200
    assert _versions_rows(page) == [
        # Saved by the services directly: no one to name ("—").
        ["3 current", f"{saved[3]:%Y-%m-%d %H:%M} UTC", "—", "0", "0"],
        ["2", f"{saved[2]:%Y-%m-%d %H:%M} UTC", "—", "3", "2"],
        ["1", f"{saved[1]:%Y-%m-%d %H:%M} UTC", "—", "2", "1"],
    ]
