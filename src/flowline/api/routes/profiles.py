from fastapi import Query, Request, Response
from sqlmodel import Session

from flowline.api.authentication import AdminKey, IngestKey
from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.errors import ValidationFailed
from flowline.core.models.pages import Page
from flowline.core.models.profile_schemas import (
    EventPublic,
    ProfilePublic,
    ProfileSummary,
    ProfileUpdated,
    ProfileUpsert,
)
from flowline.core.models.profiles import Profile
from flowline.core.services.audit import changes as audit
from flowline.core.services.enrollments import views as enrollment_views
from flowline.core.services.profiles.crud import get_profile, recent_events, upsert_profile
from flowline.core.services.profiles.erasure import erase_profile
from flowline.core.services.profiles.search import MAX_SEARCH_TEXT, ProfileSearch, search_profiles
from flowline.core.services.segments.crud import segments_of
from flowline.core.settings import Settings
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep, SettingsDep
from flowline.http.parameters import Offset, ProfileIdInPath

router = api_router("/v1/profiles", tags=["profiles"])


def _public(session: Session, settings: Settings, profile: Profile) -> ProfilePublic:
    rows, _ = enrollment_views.page_enrollments(session, profile_id=profile.id, limit=100)
    return ProfilePublic(
        id=profile.id,
        properties=profile.properties,
        segments=segments_of(session, profile.id),
        events=[
            EventPublic.model_validate(e.model_dump()) for e in recent_events(session, profile.id)
        ],
        enrollments=[enrollment_views.to_public(settings, e) for e in rows],
        created_at=profile.created_at,
        updated_at=profile.updated_at,
    )


_NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"
_NO_NUL = r"^[^\x00]*$"


@router.get("", response_model=Page[ProfileSummary])
def list_profiles(
    session: SessionDep,
    _: AdminKey,
    prefix: str = Query(
        "",
        max_length=MAX_SEARCH_TEXT,
        pattern=_NO_CONTROL_CHARACTERS,
        description="Only profiles whose id starts with this text (case-sensitive).",
    ),
    property: str | None = Query(
        None,
        min_length=1,
        max_length=MAX_SEARCH_TEXT,
        pattern=_NO_NUL,
        description="Only profiles with this property set to `value`.",
    ),
    value: str | None = Query(
        None,
        max_length=MAX_SEARCH_TEXT,
        pattern=_NO_NUL,
        description=(
            "The value `property` has, as text: a string as itself, `true` or `false`, a number "
            "(`3` finds 3 and 3.0). Objects, arrays and strings over 255 characters are not "
            "searchable. Goes with `property`."
        ),
    ),
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=500, description="Profiles per page."),
) -> Page[ProfileSummary]:
    """Profiles ordered by id: all of them, those whose id starts with `prefix`, those whose
    `property` has `value`, or both filters at once."""
    if (property is None) != (value is None):
        missing = "value" if value is None else "property"
        raise ValidationFailed.at(
            ("query", missing), "property and value go together: give both or neither"
        )
    search = ProfileSearch(prefix=prefix, property=property, value=value)
    rows, total = search_profiles(session, search, offset=offset, limit=limit)
    return Page(
        items=[ProfileSummary.model_validate(p.model_dump()) for p in rows],
        total=total,
        offset=offset,
        limit=limit,
    )


@router.put("/{profile_id:any_text}", response_model=ProfileUpdated)
def put_profile(
    profile_id: ProfileIdInPath, data: ProfileUpsert, session: SessionDep, _: IngestKey
) -> ProfileUpdated:
    """Create or update a profile; properties merge into the stored ones (`null` removes)."""
    profile = upsert_profile(session, profile_id, data.properties)
    return ProfileUpdated(id=profile.id, updated_at=profile.updated_at)


@router.get("/{profile_id:any_text}", response_model=ProfilePublic, responses=error_responses(404))
def read_profile(
    profile_id: ProfileIdInPath, session: SessionDep, settings: SettingsDep, _: AdminKey
) -> ProfilePublic:
    """A profile's properties, segments, recent events and enrollments."""
    return _public(session, settings, get_profile(session, profile_id))


@router.delete("/{profile_id:any_text}", status_code=204)
def delete_profile(
    profile_id: ProfileIdInPath,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminKey,
) -> Response:
    """Erase a profile (GDPR), also from Temporal's histories; idempotent, 204 for any id."""
    erase_profile(session, profile_id)
    secret = settings.secret_keys()[0] if settings.has_secret_key else None
    audit.profile_erased(session, actor_of(request, session), secret, profile_id)
    return Response(status_code=204)
