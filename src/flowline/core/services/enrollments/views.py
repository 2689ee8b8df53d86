"""Reading enrollments back: pages of them, one with its steps, its Temporal Web UI link."""

from collections.abc import Sequence
from urllib.parse import quote

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from flowline.core.errors import NotFound
from flowline.core.models.enrollments import (
    DELIVERY_TYPES,
    Delivery,
    Enrollment,
    EnrollmentDetail,
    EnrollmentPublic,
)
from flowline.core.services.enrollments.timeline import build_timeline
from flowline.core.services.workflows.versions import definition_of
from flowline.core.settings import Settings


def temporal_ui_url(settings: Settings, enrollment: Enrollment) -> str:
    return (
        f"{settings.temporal_ui_url.rstrip('/')}/namespaces/"
        f"{quote(settings.temporal_namespace, safe='')}/workflows/"
        f"{quote(enrollment.temporal_workflow_id, safe='')}/"
        f"{quote(enrollment.temporal_run_id, safe='')}/history"
    )


def to_public(settings: Settings, enrollment: Enrollment) -> EnrollmentPublic:
    return EnrollmentPublic.model_validate(
        {
            **enrollment.model_dump(),
            "converted": enrollment.converted_at is not None,
            "group": enrollment.cohort,
            "temporal_ui_url": temporal_ui_url(settings, enrollment),
        }
    )


def get_enrollment(session: Session, enrollment_id: int) -> Enrollment:
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound(f"enrollment {enrollment_id} does not exist")
    return enrollment


def to_detail(
    session: Session,
    settings: Settings,
    enrollment: Enrollment,
    *,
    live_details: str | None = None,
) -> EnrollmentDetail:
    """The enrollment with its steps and its timeline (`live_details`: what an active one
    waits for now, from the engine)."""
    deliveries = list(
        session.exec(
            select(Delivery)
            .where(Delivery.enrollment_id == enrollment.id)
            .order_by(col(Delivery.step_index), col(Delivery.id))
        )
    )
    definition = definition_of(session, enrollment.workflow_id, enrollment.version)
    timeline = build_timeline(enrollment, definition, deliveries, live_details=live_details)
    records = [d.model_dump(exclude={"facts"}) for d in deliveries]
    return EnrollmentDetail.model_validate(
        {
            **to_public(settings, enrollment).model_dump(),
            # A delivery is the record of an action step (email, HTTP); `steps` has every step
            # that ran, waits and branches included.
            "deliveries": [r for r in records if r["type"] in DELIVERY_TYPES],
            "steps": records,
            "timeline": timeline,
        }
    )


def page_enrollments(
    session: Session,
    *,
    workflow_id: int | None = None,
    profile_id: str | None = None,
    status: str | None = None,
    has_failures: bool | None = None,
    where: Sequence[ColumnElement[bool]] = (),
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Enrollment], int]:
    """Newest first, with the total that matches the filters (`where`: more of them)."""
    conditions = list(where)
    if workflow_id is not None:
        conditions.append(col(Enrollment.workflow_id) == workflow_id)
    if profile_id is not None:
        conditions.append(col(Enrollment.profile_id) == profile_id)
    if status is not None:
        conditions.append(col(Enrollment.status) == status)
    if has_failures is not None:
        conditions.append(col(Enrollment.has_failures).is_(has_failures))
    total = session.exec(select(func.count()).select_from(Enrollment).where(*conditions)).one()
    query = select(Enrollment).where(*conditions).order_by(col(Enrollment.id).desc())
    return list(session.exec(query.offset(offset).limit(limit))), total
