"""Profiles: upsert by external id with properties merged into what is stored."""

from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from flowline.core.errors import NotFound, ValidationFailed
from flowline.core.models.events import Event, EventCounter
from flowline.core.models.profiles import Profile
from flowline.core.models.segments import SegmentMembership
from flowline.core.services.ingestion import apply_changes
from flowline.core.services.outbox import EXIT, add_intents

MAX_PROFILE_ID = 255


def check_profile_id(profile_id: str) -> None:
    if not profile_id.strip() or len(profile_id) > MAX_PROFILE_ID:
        raise ValidationFailed.at(
            ("profile_id",), f"must be 1 to {MAX_PROFILE_ID} characters, not blank"
        )


def upsert_profile(session: Session, profile_id: str, properties: dict[str, Any]) -> Profile:
    """Merge `properties` into the profile (`null` removes one); segments are re-evaluated."""
    check_profile_id(profile_id)
    apply_changes(session, properties={profile_id: properties})
    return get_profile(session, profile_id)


def get_profile(session: Session, profile_id: str) -> Profile:
    profile = session.get(Profile, profile_id)
    if profile is None:
        raise NotFound(f"profile {profile_id!r} does not exist")
    return profile


def erase_profile(session: Session, profile_id: str) -> None:
    """GDPR erasure: properties, events, counters and memberships go; enrollments are exited.

    Enrollment and delivery records stay (they hold the id, no personal data) for the figures.
    """
    profile = get_profile(session, profile_id)
    for model in (Event, EventCounter, SegmentMembership):
        session.execute(delete(model).where(col(model.profile_id) == profile_id))
    session.delete(profile)
    add_intents(session, [(EXIT, {"profile_id": profile_id, "reason": "profile_deleted"})])


def recent_events(session: Session, profile_id: str, limit: int = 50) -> list[Event]:
    query = (
        select(Event)
        .where(Event.profile_id == profile_id)
        .order_by(col(Event.timestamp).desc(), col(Event.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))
