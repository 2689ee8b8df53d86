from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse

from flowline.api.authentication import AdminKey
from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.models.workflow_schemas import (
    DisableRequest,
    DryRunAnswer,
    DryRunRequest,
    WorkflowCreate,
    WorkflowPublic,
    WorkflowStats,
)
from flowline.core.services.audit import changes as audit
from flowline.core.services.workflows import crud as service
from flowline.core.services.workflows.dry_run import dry_run_request
from flowline.core.services.workflows.stats import workflow_stats
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep, SettingsDep, WorkflowDep
from flowline.http.parameters import Offset

router = api_router("/v1/workflows", tags=["workflows"])
NOT_FOUND = error_responses(404)
OTHER_METHODS = ["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


@router.post("", status_code=201, response_model=WorkflowPublic)
def create_workflow(
    data: WorkflowCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminKey,
) -> WorkflowPublic:
    """Save a workflow; it is live at once unless `enabled` is false."""
    allow_private = settings.http_allow_private_networks
    actor = actor_of(request, session)
    created = service.create_workflow(
        session, data, allow_private_networks=allow_private, saved_by=actor
    )
    audit.workflow_saved(session, actor, created)
    return service.to_public(session, created)


@router.post("/dry-run", response_model=DryRunAnswer, responses=NOT_FOUND)
def dry_run_workflow(
    data: DryRunRequest, session: SessionDep, settings: SettingsDep, _: AdminKey
) -> DryRunAnswer:
    """What a workflow would have done with the stored events of the last days; nothing sent."""
    allow_private = settings.http_allow_private_networks
    return dry_run_request(session, data, allow_private_networks=allow_private)


@router.api_route("/dry-run", methods=OTHER_METHODS, include_in_schema=False)
def dry_run_other_methods() -> JSONResponse:
    # Without it `/{workflow_id}` would take the path and answer 422 about the id. Every other
    # method is listed, so the 405 handler (whose `Allow` lists the methods of every route at
    # a path) never answers here.
    return JSONResponse(
        {"error": "MethodNotAllowed", "detail": "Method Not Allowed"},
        status_code=405,
        headers={"Allow": "POST"},
    )


@router.get("", response_model=list[WorkflowPublic])
def list_workflows(
    session: SessionDep,
    _: AdminKey,
    offset: Offset = 0,
    limit: int = Query(100, ge=1, le=500),
) -> list[WorkflowPublic]:
    """List workflows."""
    rows = service.list_workflows(session, offset=offset, limit=limit)
    return [service.to_public(session, w) for w in rows]


@router.get("/{workflow_id}", response_model=WorkflowPublic, responses=NOT_FOUND)
def get_workflow(workflow: WorkflowDep, session: SessionDep, _: AdminKey) -> WorkflowPublic:
    """One workflow, as of its current version."""
    return service.to_public(session, workflow)


@router.put("/{workflow_id}", response_model=WorkflowPublic, responses=NOT_FOUND)
def update_workflow(
    data: WorkflowCreate,
    request: Request,
    workflow: WorkflowDep,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminKey,
) -> WorkflowPublic:
    """Save a new version; running enrollments finish on the version they started with."""
    allow_private = settings.http_allow_private_networks
    actor = actor_of(request, session)
    before = audit.workflow_before(session, workflow)
    saved = service.update_workflow(
        session, workflow, data, allow_private_networks=allow_private, saved_by=actor
    )
    audit.workflow_saved(session, actor, saved, before)
    return service.to_public(session, saved)


@router.delete("/{workflow_id}", status_code=204, responses=error_responses(404, 409))
def delete_workflow(
    request: Request, workflow: WorkflowDep, session: SessionDep, _: AdminKey
) -> Response:
    """Delete a workflow without running enrollments."""
    workflow_id, name = workflow.id, workflow.name
    service.delete_workflow(session, workflow)
    audit.workflow_deleted(session, actor_of(request, session), workflow_id, name)
    return Response(status_code=204)


@router.post("/{workflow_id}/enable", response_model=WorkflowPublic, responses=NOT_FOUND)
def enable_workflow(
    request: Request,
    workflow: WorkflowDep,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminKey,
) -> WorkflowPublic:
    """Switch a workflow on; only activity from now on enrolls (no backfill)."""
    allow_private = settings.http_allow_private_networks
    was_enabled = workflow.enabled
    enabled = service.enable_workflow(session, workflow, allow_private_networks=allow_private)
    audit.workflow_switched(session, actor_of(request, session), enabled, was_enabled)
    return service.to_public(session, enabled)


@router.post("/{workflow_id}/disable", response_model=WorkflowPublic, responses=NOT_FOUND)
def disable_workflow(
    request: Request,
    workflow: WorkflowDep,
    session: SessionDep,
    _: AdminKey,
    data: DisableRequest | None = None,
) -> WorkflowPublic:
    """Switch a workflow off; `in_flight: "exit"` also ends its running enrollments now."""
    in_flight = data.in_flight if data else "finish"
    was_enabled = workflow.enabled
    disabled = service.disable_workflow(session, workflow, in_flight)
    audit.workflow_switched(session, actor_of(request, session), disabled, was_enabled, in_flight)
    return service.to_public(session, disabled)


@router.get("/{workflow_id}/stats", response_model=WorkflowStats, responses=NOT_FOUND)
def get_stats(workflow: WorkflowDep, session: SessionDep, _: AdminKey) -> WorkflowStats:
    """Enrollment counts, conversion rate and the per-step funnel."""
    return workflow_stats(session, workflow, service.current_definition(session, workflow))
