"""Deleting a workflow (confirmed first) and duplicating one into a disabled copy."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session, func, select

from flowline.core.errors import WorkflowHasRunningEnrollments
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.workflows import Workflow
from flowline.core.services.audit import changes as audit
from flowline.core.services.workflows.crud import delete_workflow, disable_workflow
from flowline.core.services.workflows.duplicate import duplicate_workflow
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep, WorkflowDep
from flowline.web.deletion import Deletion, confirm_page, refused_page
from flowline.web.pages import PageRoute
from flowline.web.signin import CsrfChecked, EditorSession

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _deletion(workflow: Workflow) -> Deletion:
    return Deletion(
        kind="workflow",
        name=workflow.name,
        action=f"/workflows/{workflow.id}/delete",
        back=f"/workflows/{workflow.id}",
        consequence="Its versions, enrollments and figures are deleted with it.",
    )


@router.get("/workflows/{workflow_id}/delete")
def confirm_delete(
    _: EditorSession, request: Request, workflow: WorkflowDep, ending: str | None = None
) -> Response:
    deletion = _deletion(workflow)
    if ending:
        deletion.notice = (
            "Switched off: its running enrollments are being ended. "
            "Delete it once they have (a moment)."
        )
    return confirm_page(request, deletion)


@router.post("/workflows/{workflow_id}/delete")
def delete(
    _: EditorSession, __: CsrfChecked, request: Request, workflow: WorkflowDep, session: SessionDep
) -> Response:
    workflow_id, name = workflow.id, workflow.name
    try:
        delete_workflow(session, workflow)
        session.flush()
        audit.workflow_deleted(session, actor_of(request, session), workflow_id, name)
    except WorkflowHasRunningEnrollments:
        session.rollback()
        deletion = _deletion(workflow)
        deletion.refusal = _running_refusal(session, workflow)
        deletion.remedy = (f"/workflows/{workflow.id}/end-enrollments", "Switch off and end them")
        return refused_page(request, deletion)
    return RedirectResponse("/workflows?deleted=workflow", status_code=303)


def _running_refusal(session: Session, workflow: Workflow) -> str:
    running = session.exec(
        select(func.count())
        .select_from(Enrollment)
        .where(Enrollment.workflow_id == workflow.id, Enrollment.status == "active")
    ).one()
    people = "1 profile is" if running == 1 else f"{running} profiles are"
    return (
        f"“{workflow.name}” cannot be deleted while {people} still going through it. "
        "Switch it off and delete it once they have finished, or end them now."
    )


@router.post("/workflows/{workflow_id}/end-enrollments")
def end_enrollments(
    _: EditorSession, __: CsrfChecked, request: Request, workflow: WorkflowDep, session: SessionDep
) -> Response:
    """Switch off and end every running enrollment (`disable` with `in_flight: exit`)."""
    was_enabled = workflow.enabled
    disable_workflow(session, workflow, in_flight="exit")
    actor = actor_of(request, session)
    audit.workflow_switched(session, actor, workflow, was_enabled, "exit")
    return RedirectResponse(f"/workflows/{workflow.id}/delete?ending=1", status_code=303)


@router.post("/workflows/{workflow_id}/duplicate")
def duplicate(
    _: EditorSession, __: CsrfChecked, request: Request, workflow: WorkflowDep, session: SessionDep
) -> Response:
    """A disabled copy, opened at once: nothing enrolls in it until it is switched on."""
    actor = actor_of(request, session)
    copy = duplicate_workflow(session, workflow, saved_by=actor)
    audit.workflow_duplicated(session, actor, workflow, copy)
    return RedirectResponse(f"/workflows/{copy.id}?duplicated={workflow.id}", status_code=303)
