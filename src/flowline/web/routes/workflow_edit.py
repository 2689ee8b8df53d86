"""Add and edit a workflow through the form; saved by the API's own services."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session

from flowline.core.errors import ValidationFailed
from flowline.core.models.workflows import Workflow
from flowline.core.services.segments.vocabulary import rule_vocabulary
from flowline.core.services.workflows.crud import current_definition
from flowline.core.services.workflows.versions import running_by_version
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep, WorkflowDep
from flowline.web.form_errors import FormErrors, place_errors
from flowline.web.form_tree import FormTree, parse_form
from flowline.web.pages import PageRoute, render, wants_json
from flowline.web.signin import MAX_FORM_FIELDS, CsrfChecked, EditorSession, SignedIn
from flowline.web.workflow_editing import load_choices, save_from_form
from flowline.web.workflow_form_fill import form_from_definition

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NEW_WORKFLOW: FormTree = {
    "trigger": {"type": "event"},
    "enabled": "on",
    "reentry": "after_completion",
    "steps": [],
}


def _page(
    request: Request,
    session: Session,
    form: FormTree,
    workflow: Workflow | None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "form": form,
        "workflow": workflow,
        "errors": errors or FormErrors(),
        "no_errors": FormErrors(),
        "choices": load_choices(session, form),
        "action": f"/workflows/{workflow.id}/edit" if workflow else "/workflows/new",
        "rule_vocabulary": rule_vocabulary(session),
        "live_notice": _live_notice(session, workflow),
    }
    # The page's script asked: only the form's inside, to swap in without a reload.
    template = "_workflow_form_body.html" if wants_json(request) else "workflow_form.html"
    return render(request, template, context, status)


def _live_notice(session: Session, workflow: Workflow | None) -> str | None:
    """What saving does to the people in the workflow now; None when nobody is in it."""
    if workflow is None or workflow.id is None:
        return None
    return running_words(running_by_version(session, workflow.id))


def running_words(running: dict[int, int]) -> str | None:
    """ "3 people are in this workflow; they finish on version 2. New enrollments use the new
    version." from `{version: active enrollments}`."""
    people = sum(running.values())
    if not people:
        return None
    who = "1 person is" if people == 1 else f"{people} people are"
    versions = [str(v) for v in sorted(v for v, n in running.items() if n)]
    on = (
        f"version {versions[0]}"
        if len(versions) == 1
        else f"versions {', '.join(versions[:-1])} and {versions[-1]}"
    )
    return f"{who} in this workflow; they finish on {on}. New enrollments use the new version."


async def _submitted_form(request: Request) -> FormTree:
    # Read here, in the event loop; the handlers then run in a thread (they use the database).
    submitted = await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)
    return parse_form((k, v) for k, v in submitted.multi_items() if isinstance(v, str))


SubmittedForm = Annotated[FormTree, Depends(_submitted_form)]


def _save(
    request: Request, session: Session, form: FormTree, workflow: Workflow | None
) -> Response:
    try:
        allow_private = request.app.state.settings.http_allow_private_networks
        saved = save_from_form(
            session,
            form,
            workflow,
            allow_private_networks=allow_private,
            saved_by=actor_of(request, session),
        )
    except ValidationFailed as failed:
        session.rollback()
        return _page(request, session, form, workflow, place_errors(failed.errors), 422)
    location = f"/workflows/{saved.id}"
    if wants_json(request):
        return JSONResponse({"location": location})
    return RedirectResponse(location, status_code=303)


@router.get("/workflows/new")
def new_workflow(_: EditorSession, request: Request, session: SessionDep) -> Response:
    return _page(request, session, NEW_WORKFLOW, None)


@router.post("/workflows/new")
def create_from_form(
    _: EditorSession, __: CsrfChecked, request: Request, session: SessionDep, form: SubmittedForm
) -> Response:
    return _save(request, session, form, None)


@router.get("/workflows/{workflow_id}/edit")
def edit_workflow(
    _: SignedIn, request: Request, workflow: WorkflowDep, session: SessionDep
) -> Response:
    form = form_from_definition(current_definition(session, workflow), workflow.enabled)
    return _page(request, session, form, workflow)


@router.post("/workflows/{workflow_id}/edit")
def update_from_form(
    _: EditorSession,
    __: CsrfChecked,
    request: Request,
    workflow: WorkflowDep,
    session: SessionDep,
    form: SubmittedForm,
) -> Response:
    return _save(request, session, form, workflow)
