"""Profiles: upsert by external id with properties merged into what is stored."""

from typing import Any

from sqlmodel import Session, col, select

from flowline.core.errors import NotFound, ValidationFailed
from flowline.core.models.events import Event
from flowline.core.models.profiles import Profile
from flowline.core.services.ingestion.changes import apply_changes

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


def recent_events(session: Session, profile_id: str, limit: int = 50) -> list[Event]:
    query = (
        select(Event)
        .where(Event.profile_id == profile_id)
        .order_by(col(Event.timestamp).desc(), col(Event.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))
