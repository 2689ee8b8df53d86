import asyncio
from functools import partial
from typing import Literal

from fastapi import Query, Request, Response

from flowline.api.authentication import AdminKey
from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.models.enrollments import EnrollmentDetail, EnrollmentPublic
from flowline.core.models.pages import Page
from flowline.core.models.workflow_schemas import EnrollRequest
from flowline.core.services.audit import changes as audit
from flowline.core.services.enrollments import start_jobs as service
from flowline.core.services.enrollments import views as enrollment_views
from flowline.core.services.enrollments.detail_jobs import enrollment_detail
from flowline.http.actor import record_alone
from flowline.http.dependencies import EngineDep, SessionDep, SettingsDep, TemporalDep, WorkflowDep
from flowline.http.parameters import IdInPath, Offset

router = api_router(tags=["enrollments"])
StatusFilter = Literal["active", "completed", "converted", "exited", "failed"]


@router.post(
    "/v1/workflows/{workflow_id}/enrollments",
    status_code=201,
    response_model=EnrollmentPublic,
    responses={
        200: {
            "description": "Already enrolled: the running enrollment.",
            "model": EnrollmentPublic,
        },
        **error_responses(404, 409, 503),
    },
)
async def enroll(
    workflow_id: IdInPath,
    data: EnrollRequest,
    request: Request,
    response: Response,
    engine: EngineDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    _: AdminKey,
) -> EnrollmentPublic:
    """Enroll one profile by hand; consent and re-entry rules apply."""
    result = await service.start_enrollment(
        engine, temporal, settings, workflow_id, data.profile_id, test=data.test
    )
    if result.created:
        write = partial(audit.enrollment_started, enrollment=result.enrollment)
        await asyncio.to_thread(record_alone, engine, request, write)
    else:
        response.status_code = 200
    return enrollment_views.to_public(settings, result.enrollment)


@router.get(
    "/v1/workflows/{workflow_id}/enrollments",
    response_model=Page[EnrollmentPublic],
    responses=error_responses(404),
)
def list_enrollments(
    workflow: WorkflowDep,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminKey,
    status: StatusFilter | None = None,
    has_failures: bool | None = Query(
        None, description="true: only the enrollments with a failed step; false: without"
    ),
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=500),
) -> Page[EnrollmentPublic]:
    """A workflow's enrollments, newest first, each with its Temporal Web UI link."""
    rows, total = enrollment_views.page_enrollments(
        session,
        workflow_id=workflow.id,
        status=status,
        has_failures=has_failures,
        offset=offset,
        limit=limit,
    )
    items = [enrollment_views.to_public(settings, e) for e in rows]
    return Page(items=items, total=total, offset=offset, limit=limit)


@router.get(
    "/v1/enrollments/{enrollment_id}",
    response_model=EnrollmentDetail,
    responses=error_responses(404),
)
async def get_enrollment(
    enrollment_id: IdInPath,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    _: AdminKey,
) -> EnrollmentDetail:
    """One enrollment with its deliveries and its timeline (an active one's last entry says
    what it waits for now)."""
    client = request.app.state.temporal.client
    return await enrollment_detail(engine, client, settings, enrollment_id)
