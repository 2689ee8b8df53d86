"""Dry run from the web UI: on the form's current, unsaved content, or on a saved workflow.

Nothing is saved: the form is read and checked as Save reads and checks it, and its problems
come back next to their fields the same way. The page's script swaps the answer into the
region named "Dry run"; without the script, a saved workflow's dry run is a page of its own.
"""

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from flowline.core.errors import ValidationFailed, pydantic_errors
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.models.workflows import Workflow
from flowline.core.services.workflows.crud import check_references, current_definition
from flowline.core.services.workflows.dry_run import answer, dry_run
from flowline.definitions.dry_run import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS
from flowline.definitions.workflows import WorkflowDefinition
from flowline.http.dependencies import SessionDep, WorkflowDep
from flowline.web.form_errors import FormErrors, errors_of, place_errors
from flowline.web.form_tree import FormTree
from flowline.web.pages import PageRoute, render, wants_json
from flowline.web.routes.workflow_edit import SubmittedForm
from flowline.web.signin import CsrfChecked, SignedIn
from flowline.web.workflow_editing import load_choices
from flowline.web.workflow_form import payload_from_form
from flowline.web.workflow_story import steps_in_words

router = APIRouter(route_class=PageRoute, include_in_schema=False)
DAYS_FIELD = "dry_run_days"
DAYS_PROBLEM = f"Enter a number of days from {MIN_DAYS} to {MAX_DAYS}."
PART_HEADER = "X-Flowline-Part"
"""Set on an answer that is the "Dry run" region, so the script tells it from the form."""


def days_from(text: object) -> int | None:
    value = text.strip() if isinstance(text, str) else ""
    if not value.isdigit() or not MIN_DAYS <= int(value) <= MAX_DAYS:
        return None
    return int(value)


def _result(
    session: Session, definition: WorkflowDefinition, days: int | None, text: str
) -> dict[str, Any]:
    """What the region shows: the answer and each step's words, or the days problem."""
    if days is None:
        return {"days": text, "problem": DAYS_PROBLEM}
    report = answer(dry_run(session, definition, days=days))
    return {"days": days, "answer": report, "words": steps_in_words(session, definition)}


def _region(request: Request, result: dict[str, Any], url: str) -> Response:
    status = 422 if "problem" in result else 200
    response = render(request, "_dry_run.html", {"dry_run": result, "dry_run_url": url}, status)
    response.headers[PART_HEADER] = "dry-run"
    return response


@router.get("/workflows/{workflow_id}/dry-run")
def dry_run_saved(
    _: SignedIn,
    request: Request,
    workflow: WorkflowDep,
    session: SessionDep,
    dry_run_days: str = str(DEFAULT_DAYS),
) -> Response:
    """The saved workflow's dry run: the region for the page's script, else a page."""
    days = dry_run_days
    result = _result(session, current_definition(session, workflow), days_from(days), days)
    url = f"/workflows/{workflow.id}/dry-run"
    if wants_json(request):
        return _region(request, result, url)
    status = 422 if "problem" in result else 200
    context = {"workflow": workflow, "dry_run": result, "dry_run_url": url}
    return render(request, "workflow_dry_run.html", context, status)


@router.post("/workflows/dry-run")
def dry_run_new_form(
    _: SignedIn, __: CsrfChecked, request: Request, session: SessionDep, form: SubmittedForm
) -> Response:
    return _from_form(request, session, form, None)


@router.post("/workflows/{workflow_id}/dry-run")
def dry_run_edit_form(
    _: SignedIn,
    __: CsrfChecked,
    request: Request,
    workflow: WorkflowDep,
    session: SessionDep,
    form: SubmittedForm,
) -> Response:
    return _from_form(request, session, form, workflow)


def _from_form(
    request: Request, session: Session, form: FormTree, workflow: Workflow | None
) -> Response:
    """The form's content, unsaved: its problems as Save shows them, else the region."""
    url = f"/workflows/{workflow.id}/dry-run" if workflow else "/workflows/dry-run"
    allow_private = request.app.state.settings.http_allow_private_networks
    try:
        definition = definition_from_form(session, form, allow_private_networks=allow_private)
    except ValidationFailed as failed:
        context = {
            "form": form,
            "workflow": workflow,
            "errors": place_errors(failed.errors),
            "no_errors": FormErrors(),
            "choices": load_choices(session, form),
            "action": f"/workflows/{workflow.id}/edit" if workflow else "/workflows/new",
        }
        return render(request, "_workflow_form_body.html", context, 422)
    text = form.get(DAYS_FIELD)
    result = _result(session, definition, days_from(text), text if isinstance(text, str) else "")
    return _region(request, result, url)


def definition_from_form(
    session: Session, form: FormTree, *, allow_private_networks: bool = False
) -> WorkflowDefinition:
    """The workflow the form describes, checked like Save checks it; nothing is written.
    `ValidationFailed` lists every problem at once, with the API's paths."""
    body, problems = payload_from_form(form)
    errors: list[tuple[list[str | int], str]] = [(list(loc), msg) for loc, msg in problems]
    data: WorkflowCreate | None = None
    try:
        data = WorkflowCreate.model_validate(body)
    except ValidationError as error:
        errors += errors_of(pydantic_errors(error.errors()))
    if data is not None:
        try:
            check_references(session, data, allow_private_networks=allow_private_networks)
        except ValidationFailed as failed:
            errors += errors_of(failed)
    if errors or data is None:
        raise ValidationFailed(errors)
    return WorkflowDefinition.model_validate(data.model_dump(exclude={"enabled"}))
