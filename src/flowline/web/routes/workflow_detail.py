"""A workflow's figures, its recent enrollments, and enrolling a profile by hand."""

import asyncio
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.database import read_scope
from flowline.core.errors import FlowlineError, ValidationFailed
from flowline.core.models.workflows import Workflow
from flowline.core.services.audit import changes as audit
from flowline.core.services.enrollments import start_jobs as enrollments
from flowline.core.services.enrollments import views as enrollment_views
from flowline.core.services.enrollments.positions import active_positions
from flowline.core.services.enrollments.step_filters import enrollments_at_step
from flowline.core.services.workflows.crud import current_definition, get_workflow
from flowline.core.services.workflows.overview import conversion_by_day
from flowline.core.services.workflows.stats import workflow_stats
from flowline.core.services.workflows.versions import version_summaries
from flowline.core.settings import Settings
from flowline.http.actor import record_alone
from flowline.http.dependencies import EngineDep, SessionDep, SettingsDep, TemporalDep, WorkflowDep
from flowline.http.parameters import IdInPath
from flowline.web.experiment_panel import experiment_panel
from flowline.web.form_tree import engine_path_label
from flowline.web.journey_map import journey_map
from flowline.web.pages import PageRoute, render
from flowline.web.profile_ids import meant_profile_id
from flowline.web.routes.workflows import segment_names
from flowline.web.signin import CsrfChecked, EditorSession, SignedIn
from flowline.web.words import trigger_words
from flowline.web.workflow_story import steps_in_words, story, whereabouts

router = APIRouter(route_class=PageRoute, include_in_schema=False)
RECENT = 20


def _figures(
    session: Session,
    settings: Settings,
    workflow: Workflow,
    failures_only: bool = False,
    step: str | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    """`failures_only`: the enrollments table lists only those with a failed step; `step` and
    `state`: only those behind one count of the journey map."""
    assert workflow.id is not None
    definition = current_definition(session, workflow)
    at_step = None
    if step is not None or state is not None:
        rows, total = enrollments_at_step(
            session, workflow, definition, step or "", state or "", limit=RECENT
        )
        at_step = {"label": engine_path_label(step or ""), "state": state, "total": total}
    else:
        rows, _total = enrollment_views.page_enrollments(
            session,
            workflow_id=workflow.id,
            has_failures=True if failures_only else None,
            limit=RECENT,
        )
    names = segment_names(session)
    enrollments = [enrollment_views.to_public(settings, e) for e in rows]
    stats = workflow_stats(session, workflow, definition)
    positions = active_positions(session, workflow, definition)
    query = {"has_failures": "true"} if failures_only else {}
    if at_step is not None:
        query = {"step": step or "", "state": state or ""}
    return {
        "workflow": workflow,
        "trigger": trigger_words(definition.trigger, names),
        "story": story(definition, names),
        "step_words": steps_in_words(session, definition),
        "stats": stats,
        "journey": journey_map(session, workflow, definition, stats, positions),
        "days": conversion_by_day(session, workflow.id, since=workflow.created_at),
        "enrollments": enrollments,
        "whereabouts": whereabouts(session, workflow.id, enrollments),
        "failures_only": failures_only,
        "at_step": at_step,
        # The figures refresh in place with the same filter.
        "figures_query": f"?{urlencode(query)}" if query else "",
    }


@router.get("/workflows/{workflow_id}")
def workflow_page(
    _: SignedIn,
    request: Request,
    workflow: WorkflowDep,
    session: SessionDep,
    settings: SettingsDep,
    enrolled: str | None = None,
    has_failures: bool = False,
    step: str | None = None,
    state: str | None = None,
) -> Response:
    context = _figures(session, settings, workflow, has_failures, step, state)
    context["notice"] = f"Enrolled profile {enrolled}." if enrolled else None
    assert workflow.id is not None
    context["versions"] = version_summaries(session, workflow.id)
    context["experiment"] = experiment_panel(session, workflow)
    return render(request, "workflow_detail.html", context)


@router.get("/workflows/{workflow_id}/figures")
def workflow_figures(
    _: SignedIn,
    request: Request,
    workflow: WorkflowDep,
    session: SessionDep,
    settings: SettingsDep,
    has_failures: bool = False,
    step: str | None = None,
    state: str | None = None,
) -> Response:
    """The figures alone: the page refreshes them in place."""
    context = _figures(session, settings, workflow, has_failures, step, state)
    return render(request, "_workflow_figures.html", context)


@router.post("/workflows/{workflow_id}/enroll")
async def enroll_profile(
    _: EditorSession,
    __: CsrfChecked,
    request: Request,
    workflow_id: IdInPath,
    engine: EngineDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    profile_id: Annotated[str, Form()] = "",
) -> Response:
    """Enroll by hand; a disabled workflow enrolls in test mode."""
    enabled = await _enabled(engine, workflow_id)
    meant = await asyncio.to_thread(_meant_profile_id, engine, profile_id)
    try:
        if meant is None:
            raise ValidationFailed.at(
                ("profile_id",), f"profile {profile_id.strip()!r} does not exist"
            )
        result = await enrollments.start_enrollment(
            engine, temporal, settings, workflow_id, meant, test=not enabled
        )
        if result.created:
            write = partial(audit.enrollment_started, enrollment=result.enrollment)
            await asyncio.to_thread(record_alone, engine, request, write)
    except FlowlineError as error:
        context = await asyncio.to_thread(_read_figures, engine, settings, workflow_id)
        context.update(notice=None, enroll_profile=profile_id, enroll_error=error.detail)
        return render(request, "workflow_detail.html", context, error.status_code)
    target = f"/workflows/{workflow_id}?enrolled={quote(meant, safe='')}"
    return RedirectResponse(target, status_code=303)


def _meant_profile_id(engine: Engine, typed: str) -> str | None:
    with read_scope(engine) as session:
        return meant_profile_id(session, typed)


async def _enabled(engine: Engine, workflow_id: int) -> bool:
    def read() -> bool:
        with read_scope(engine) as session:
            return get_workflow(session, workflow_id).enabled

    return await asyncio.to_thread(read)


def _read_figures(engine: Engine, settings: Settings, workflow_id: int) -> dict[str, Any]:
    with read_scope(engine) as session:
        workflow = get_workflow(session, workflow_id)
        context = _figures(session, settings, workflow)
        context["versions"] = version_summaries(session, workflow_id)
        context["experiment"] = experiment_panel(session, workflow)
        return context
