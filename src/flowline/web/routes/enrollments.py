"""One enrollment's page: who, which workflow, its status and its timeline."""

from fastapi import APIRouter, Request, Response

from flowline.core.database import read_scope
from flowline.core.services.enrollments.detail_jobs import enrollment_detail
from flowline.core.services.enrollments.timeline import status_label
from flowline.core.services.workflows.crud import get_workflow
from flowline.http.dependencies import EngineDep, SettingsDep
from flowline.http.parameters import IdInPath
from flowline.web.pages import PageRoute, render
from flowline.web.signin import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/enrollments/{enrollment_id}")
async def enrollment_page(
    _: SignedIn,
    request: Request,
    enrollment_id: IdInPath,
    engine: EngineDep,
    settings: SettingsDep,
) -> Response:
    detail = await enrollment_detail(
        engine, request.app.state.temporal.client, settings, enrollment_id
    )
    with read_scope(engine) as session:
        workflow_name = get_workflow(session, detail.workflow_id).name
    context = {
        "enrollment": detail,
        "workflow_name": workflow_name,
        "status": status_label(detail.status, detail.has_failures),
    }
    return render(request, "enrollment.html", context)
