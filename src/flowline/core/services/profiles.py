"""Profiles: upsert by external id with properties merged into what is stored."""

from typing import Any

from sqlmodel import Session

from flowline.core.errors import NotFound, ValidationFailed
from flowline.core.models.profiles import Profile
from flowline.core.timestamps import utcnow

MAX_PROFILE_ID = 255


def check_profile_id(profile_id: str) -> None:
    if not profile_id.strip() or len(profile_id) > MAX_PROFILE_ID:
        raise ValidationFailed.at(
            ("profile_id",), f"must be 1 to {MAX_PROFILE_ID} characters, not blank"
        )


def upsert_profile(session: Session, profile_id: str, properties: dict[str, Any]) -> Profile:
    """Merge `properties` into the profile; a `null` value removes that property."""
    check_profile_id(profile_id)
    profile = session.get(Profile, profile_id, with_for_update=True)
    if profile is None:
        profile = Profile(id=profile_id, properties={})
    merged = {**profile.properties, **properties}
    profile.properties = {k: v for k, v in merged.items() if v is not None}
    profile.updated_at = utcnow()
    session.add(profile)
    session.flush()
    return profile


def get_profile(session: Session, profile_id: str) -> Profile:
    profile = session.get(Profile, profile_id)
    if profile is None:
        raise NotFound(f"profile {profile_id!r} does not exist")
    return profile
