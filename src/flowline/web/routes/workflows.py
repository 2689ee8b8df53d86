"""The workflows table and its in-place enabled switch."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session, col, select

from flowline.core.models.segments import Segment
from flowline.core.services.audit import changes as audit
from flowline.core.services.enrollments.failures import recent_failures_by_workflow
from flowline.core.services.workflows.crud import (
    current_definition,
    disable_workflow,
    enable_workflow,
    list_workflows,
)
from flowline.core.services.workflows.overview import WorkflowCounts, counts_by_workflow
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep, WorkflowDep
from flowline.web.pages import PageRoute, render, wants_json
from flowline.web.signin import CsrfChecked, EditorSession, SignedIn
from flowline.web.words import trigger_words

router = APIRouter(route_class=PageRoute, include_in_schema=False)
MAX_LISTED = 500


def segment_names(session: Session) -> dict[int, str]:
    return {s.id: s.name for s in session.exec(select(Segment).order_by(col(Segment.id))) if s.id}


@router.get("/workflows")
def workflows_page(_: SignedIn, request: Request, session: SessionDep) -> Response:
    counts = counts_by_workflow(session)
    failing = recent_failures_by_workflow(session)
    names = segment_names(session)
    rows: list[dict[str, Any]] = []
    for workflow in list_workflows(session, limit=MAX_LISTED):
        assert workflow.id is not None
        definition = current_definition(session, workflow)
        rows.append(
            {
                "id": workflow.id,
                "name": workflow.name,
                "enabled": workflow.enabled,
                "trigger": trigger_words(definition.trigger, names),
                "counts": counts.get(workflow.id, WorkflowCounts()),
                "recent_failures": failing.get(workflow.id, 0),
            }
        )
    return render(request, "workflows.html", {"rows": rows})


@router.post("/workflows/{workflow_id}/enabled")
def switch_workflow(
    _: EditorSession,
    __: CsrfChecked,
    request: Request,
    workflow: WorkflowDep,
    session: SessionDep,
    enabled: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Switch on or off; running enrollments finish (like `disable` with `in_flight: finish`)."""
    was_enabled = workflow.enabled
    if enabled == "on":
        allow_private = request.app.state.settings.http_allow_private_networks
        enable_workflow(session, workflow, allow_private_networks=allow_private)
    else:
        disable_workflow(session, workflow)
    audit.workflow_switched(session, actor_of(request, session), workflow, was_enabled)
    if wants_json(request):
        state = "on" if workflow.enabled else "off"
        return JSONResponse({"enabled": workflow.enabled, "message": f"{workflow.name} is {state}"})
    return RedirectResponse("/workflows", status_code=303)
