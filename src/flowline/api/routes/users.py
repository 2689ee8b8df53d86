"""`GET/POST /v1/users`, `PATCH/DELETE /v1/users/{id}` (admin): the people who sign in.

A user made here has no password yet: the answer carries their one-time link
(`set_password_url`, 72 hours) for the caller to hand over. The web UI's Invite mails it.
"""

from fastapi import Request, Response

from flowline.api.authentication import AdminKey
from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.models.users import User, UserCreate, UserInvited, UserPublic, UserUpdate
from flowline.core.services.audit.user_changes import (
    user_before,
    user_created,
    user_removed,
    user_updated,
)
from flowline.core.services.users.accounts import (
    create_user,
    get_user,
    list_users,
    remove_user,
    update_user,
)
from flowline.core.services.users.one_time_links import issue_link, link_for
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep, SettingsDep
from flowline.http.parameters import IdInPath

router = api_router("/v1/users", tags=["users"])


@router.get("", response_model=list[UserPublic])
def list_all(session: SessionDep, _: AdminKey) -> list[User]:
    """Every user, by email."""
    return list_users(session)


@router.post("", status_code=201, response_model=UserInvited, responses=error_responses(409))
def create(
    data: UserCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminKey,
) -> UserInvited:
    """Create a user (no password yet) and answer their one-time set-password link."""
    user = create_user(session, data)
    user_created(session, actor_of(request, session), user)
    link = link_for(settings.resolved_public_url, issue_link(session, user, "set_password"))
    return UserInvited.model_validate({**user.model_dump(), "set_password_url": link})


@router.patch("/{user_id}", response_model=UserPublic, responses=error_responses(404, 409))
def change(
    user_id: IdInPath, data: UserUpdate, request: Request, session: SessionDep, _: AdminKey
) -> User:
    """Change a user's name, role or disabled; the last admin cannot lose admin."""
    user = get_user(session, user_id)
    before = user_before(user)
    changed = update_user(session, user, data)
    user_updated(session, actor_of(request, session), changed, before)
    return changed


@router.delete(
    "/{user_id}", status_code=204, response_class=Response, responses=error_responses(404, 409)
)
def delete(user_id: IdInPath, request: Request, session: SessionDep, _: AdminKey) -> Response:
    """Remove a user: their sessions and links end with them."""
    user = get_user(session, user_id)
    remove_user(session, user)
    user_removed(session, actor_of(request, session), user)
    return Response(status_code=204)
