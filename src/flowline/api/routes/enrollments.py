from typing import Literal

from fastapi import APIRouter, Query, Response

from flowline.api.deps import AdminKey, EngineDep, SessionDep, SettingsDep, TemporalDep, WorkflowDep
from flowline.core.models.enrollments import EnrollmentDetail, EnrollmentPublic
from flowline.core.models.workflow_schemas import EnrollRequest
from flowline.core.services import enrollments as service
from flowline.core.services.pagination import Page

router = APIRouter(tags=["enrollments"])
StatusFilter = Literal["active", "completed", "converted", "exited", "failed"]


@router.post(
    "/v1/workflows/{workflow_id}/enrollments",
    status_code=201,
    response_model=EnrollmentPublic,
    responses={200: {"description": "already enrolled: the running enrollment"}},
)
async def enroll(
    workflow_id: int,
    data: EnrollRequest,
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
    if not result.created:
        response.status_code = 200
    return service.to_public(settings, result.enrollment)


@router.get("/v1/workflows/{workflow_id}/enrollments", response_model=Page[EnrollmentPublic])
def list_enrollments(
    workflow: WorkflowDep,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminKey,
    status: StatusFilter | None = None,
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
) -> Page[EnrollmentPublic]:
    """A workflow's enrollments, newest first, each with its Temporal Web UI link."""
    rows, total = service.page_enrollments(
        session, workflow_id=workflow.id, status=status, offset=offset, limit=limit
    )
    items = [service.to_public(settings, e) for e in rows]
    return Page(items=items, total=total, offset=offset, limit=limit)


@router.get("/v1/enrollments/{enrollment_id}", response_model=EnrollmentDetail)
def get_enrollment(
    enrollment_id: int, session: SessionDep, settings: SettingsDep, _: AdminKey
) -> EnrollmentDetail:
    """One enrollment with its deliveries."""
    return service.to_detail(session, settings, service.get_enrollment(session, enrollment_id))
