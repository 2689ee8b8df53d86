from fastapi import Query, Request, Response
from sqlmodel import Session

from flowline.api.authentication import AdminKey
from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.models.pages import Page
from flowline.core.models.segment_schemas import (
    MemberPublic,
    SegmentCreate,
    SegmentPreviewPublic,
    SegmentPreviewRequest,
    SegmentPublic,
)
from flowline.core.models.segments import Segment
from flowline.core.services.audit import changes as audit
from flowline.core.services.segments import crud as service
from flowline.core.services.segments.preview import preview
from flowline.definitions.segments import SegmentRule, describe_rule
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep
from flowline.http.parameters import IdInPath, Offset

router = api_router("/v1/segments", tags=["segments"])


def _public(session: Session, segment: Segment) -> SegmentPublic:
    assert segment.id is not None
    return SegmentPublic(
        id=segment.id,
        name=segment.name,
        rule=segment.rule,
        rule_in_words=describe_rule(SegmentRule.model_validate(segment.rule)),
        time_window=segment.time_window,
        member_count=service.member_count(session, segment.id),
        created_at=segment.created_at,
        updated_at=segment.updated_at,
    )


@router.post("", status_code=201, response_model=SegmentPublic)
def create_segment(
    data: SegmentCreate, request: Request, session: SessionDep, _: AdminKey
) -> SegmentPublic:
    """Create a segment; profiles join as their new activity is evaluated."""
    segment = service.create_segment(session, data.name, data.rule)
    audit.segment_created(session, actor_of(request, session), segment)
    return _public(session, segment)


@router.post("/preview", response_model=SegmentPreviewPublic)
def preview_segment(
    data: SegmentPreviewRequest, session: SessionDep, _: AdminKey
) -> SegmentPreviewPublic:
    """Who matches a rule now, across every profile, before it is saved: how many, and the
    first ten profile ids. Saved, the segment starts empty and fills as activity arrives."""
    found = preview(session, data.rule)
    return SegmentPreviewPublic(count=found.count, sample=found.sample)


@router.get("", response_model=list[SegmentPublic])
def list_segments(
    session: SessionDep,
    _: AdminKey,
    offset: Offset = 0,
    limit: int = Query(100, ge=1, le=500),
) -> list[SegmentPublic]:
    """List segments with their member counts."""
    return [_public(session, s) for s in service.list_segments(session, offset=offset, limit=limit)]


@router.get("/{segment_id:int}", response_model=SegmentPublic, responses=error_responses(404))
def get_segment(segment_id: IdInPath, session: SessionDep, _: AdminKey) -> SegmentPublic:
    """One segment."""
    return _public(session, service.get_segment(session, segment_id))


@router.put("/{segment_id:int}", response_model=SegmentPublic, responses=error_responses(404))
def update_segment(
    segment_id: IdInPath,
    data: SegmentCreate,
    request: Request,
    session: SessionDep,
    _: AdminKey,
) -> SegmentPublic:
    """Change a segment's rule; members are re-evaluated as their activity arrives."""
    segment = service.get_segment(session, segment_id)
    before = audit.segment_before(segment)
    updated = service.update_segment(session, segment, data.name, data.rule)
    audit.segment_updated(session, actor_of(request, session), updated, before)
    return _public(session, updated)


@router.delete("/{segment_id:int}", status_code=204, responses=error_responses(404, 409))
def delete_segment(
    segment_id: IdInPath, request: Request, session: SessionDep, _: AdminKey
) -> Response:
    """Delete a segment no workflow uses."""
    segment = service.get_segment(session, segment_id)
    name = segment.name
    service.delete_segment(session, segment)
    audit.segment_deleted(session, actor_of(request, session), segment_id, name)
    return Response(status_code=204)


@router.get(
    "/{segment_id:int}/members", response_model=Page[MemberPublic], responses=error_responses(404)
)
def list_members(
    segment_id: IdInPath,
    session: SessionDep,
    _: AdminKey,
    offset: Offset = 0,
    limit: int = Query(100, ge=1, le=1000),
) -> Page[MemberPublic]:
    """The profiles in the segment now."""
    service.get_segment(session, segment_id)
    rows = service.members(session, segment_id, offset=offset, limit=limit)
    return Page(
        items=[MemberPublic(profile_id=m.profile_id, since=m.since) for m in rows],
        total=service.member_count(session, segment_id),
        offset=offset,
        limit=limit,
    )
