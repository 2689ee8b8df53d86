"""Find a profile by id: its properties, events, segments and enrollments."""

import json

from fastapi import APIRouter, Request, Response
from sqlmodel import col, select

from flowline.api.deps import SessionDep, SettingsDep
from flowline.core.models.profiles import Profile
from flowline.core.models.segments import Segment
from flowline.core.models.workflows import Workflow
from flowline.core.services import enrollment_views
from flowline.core.services.profiles import recent_events
from flowline.core.services.segments import segments_of
from flowline.web.pages import PageRoute, render
from flowline.web.signin import AdminSession

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/profiles")
def profiles_page(
    _: AdminSession, request: Request, session: SessionDep, settings: SettingsDep, id: str = ""
) -> Response:
    wanted = id.strip()[:255]
    context: dict[str, object] = {"wanted": wanted, "profile": None}
    profile = session.get(Profile, wanted) if wanted else None
    if profile is not None:
        segment_ids = segments_of(session, profile.id)
        segments = session.exec(select(Segment).where(col(Segment.id).in_(segment_ids))).all()
        rows, _total = enrollment_views.page_enrollments(session, profile_id=profile.id, limit=100)
        workflow_ids = {e.workflow_id for e in rows}
        names = {
            w.id: w.name
            for w in session.exec(select(Workflow).where(col(Workflow.id).in_(workflow_ids)))
        }
        context.update(
            profile=profile,
            properties=[(k, json.dumps(v)) for k, v in sorted(profile.properties.items())],
            events=[(e, json.dumps(e.properties)) for e in recent_events(session, profile.id)],
            segments=segments,
            enrollments=[enrollment_views.to_public(settings, e) for e in rows],
            workflow_names=names,
        )
    status = 404 if wanted and profile is None else 200
    return render(request, "profiles.html", context, status)
