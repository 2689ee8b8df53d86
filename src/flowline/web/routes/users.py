"""Settings → Users: everyone sees who has access; admins invite (an email with a one-time
link), change roles, disable and remove."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.database import read_scope, session_scope
from flowline.core.errors import FlowlineError, pydantic_errors
from flowline.core.models.audit import Actor
from flowline.core.models.users import User, UserCreate, UserUpdate
from flowline.core.principals import Principal
from flowline.core.services.audit.user_changes import (
    user_before,
    user_created,
    user_removed,
    user_updated,
)
from flowline.core.services.campaigns.test_send import MailServerUnavailable
from flowline.core.services.users.account_mail import invitation, send_account_mail
from flowline.core.services.users.accounts import (
    EmailTaken,
    create_user,
    find_user_by_email,
    get_user,
    list_users,
    remove_user,
    update_user,
)
from flowline.core.services.users.one_time_links import issue_link, link_for, new_token
from flowline.http.actor import actor_from
from flowline.http.dependencies import EngineDep, SessionDep, SettingsDep
from flowline.http.parameters import IdInPath
from flowline.web.form_errors import FormErrors, place_errors
from flowline.web.pages import PageRoute, render
from flowline.web.signin import AdminSession, CsrfChecked, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = "/settings/users"
Short = Annotated[str, Form(max_length=300)]
ROLES = [
    ("viewer", "Viewer: sees everything, changes nothing"),
    ("editor", "Editor: workflows, campaigns, segments, profiles"),
    ("admin", "Admin: also settings, API keys, users, suppressions, erasure"),
]
NOTICES = {
    "role": "Role changed.",
    "disabled": "User disabled: their sessions have ended.",
    "enabled": "User enabled.",
    "removed": "User removed.",
}


def _page(
    request: Request,
    users: list[User],
    *,
    form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "users": users,
        "roles": ROLES,
        "form": form or {"email": "", "name": "", "role": "viewer"},
        "errors": errors or FormErrors(),
        "notice": notice,
    }
    return render(request, "users.html", context, status)


@router.get(PAGE)
def users_page(_: SignedIn, request: Request, session: SessionDep, done: str = "") -> Response:
    return _page(request, list_users(session), notice=NOTICES.get(done))


@router.post(PAGE)
async def invite(
    who: AdminSession,
    __: CsrfChecked,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    email: Short = "",
    name: Short = "",
    role: Short = "viewer",
) -> Response:
    """The mail goes first; the user and their link are written only once it was accepted, so
    a failed send leaves nothing behind."""
    form = {"email": email, "name": name, "role": role}
    try:
        data = UserCreate.model_validate({"email": email, "name": name, "role": role})
    except ValidationError as error:
        failed = pydantic_errors(error.errors())
        errors = place_errors(failed.errors, lambda loc: str(loc[0]) if loc else None)
        return _page(request, _users(engine), form=form, errors=errors, status=422)
    token = new_token()
    link = link_for(settings.resolved_public_url, token)
    try:
        _check_free(engine, data.email)
        await send_account_mail(settings, invitation(settings, data.email, link, who.name))
        _create(engine, data, token, actor_from(who))
    except (EmailTaken, MailServerUnavailable) as error:
        key = "email" if isinstance(error, EmailTaken) else None
        errors = FormErrors(
            fields={key: [error.detail]} if key else {}, summary=[(key, error.detail)]
        )
        return _page(request, _users(engine), form=form, errors=errors, status=error.status_code)
    notice = f"Invitation sent to {data.email}: the link works once, for 72 hours."
    return _page(request, _users(engine), notice=notice)


def _users(engine: Engine) -> list[User]:
    with read_scope(engine) as session:
        return list_users(session)


def _check_free(engine: Engine, email: str) -> None:
    with read_scope(engine) as session:
        if find_user_by_email(session, email) is not None:
            raise EmailTaken(f"there is already a user with the address {email}")


def _create(engine: Engine, data: UserCreate, token: str, actor: Actor) -> None:
    with session_scope(engine) as session:
        user = create_user(session, data)
        issue_link(session, user, "invite", token)
        user_created(session, actor, user, "invited")


def _change(session: Session, actor: Principal, user_id: int, change: UserUpdate) -> None:
    user = get_user(session, user_id)
    before = user_before(user)
    user_updated(session, actor_from(actor), update_user(session, user, change), before)


@router.post(PAGE + "/{user_id}/role")
def change_role(
    who: AdminSession, __: CsrfChecked, user_id: IdInPath, session: SessionDep, role: Short = ""
) -> Response:
    try:
        change = UserUpdate.model_validate({"role": role})
    except ValidationError as error:
        raise pydantic_errors(error.errors()) from None
    _change(session, who, user_id, change)
    return RedirectResponse(f"{PAGE}?done=role", status_code=303)


@router.post(PAGE + "/{user_id}/disabled")
def set_disabled(
    who: AdminSession,
    __: CsrfChecked,
    user_id: IdInPath,
    session: SessionDep,
    disabled: Short = "",
) -> Response:
    off = disabled == "yes"
    if off:
        _refuse_self(who, user_id, "disable")
    _change(session, who, user_id, UserUpdate(disabled=off))
    return RedirectResponse(f"{PAGE}?done={'disabled' if off else 'enabled'}", status_code=303)


@router.post(PAGE + "/{user_id}/remove")
def remove(who: AdminSession, __: CsrfChecked, user_id: IdInPath, session: SessionDep) -> Response:
    _refuse_self(who, user_id, "remove")
    user = get_user(session, user_id)
    remove_user(session, user)
    user_removed(session, actor_from(who), user)
    return RedirectResponse(f"{PAGE}?done=removed", status_code=303)


def _refuse_self(who: Principal, user_id: int, what: str) -> None:
    if who.kind == "user" and who.id == user_id:
        raise FlowlineError(f"you cannot {what} yourself: ask another admin")
