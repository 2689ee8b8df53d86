"""One-time links: set a password (invitation, `flowline users create`), forgot password."""

import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, Response
from fastapi.responses import RedirectResponse

from flowline.core.errors import FlowlineError, ValidationFailed
from flowline.core.models.users import normalised_email
from flowline.core.services.users.account_mail import password_reset, send_account_mail
from flowline.core.services.users.accounts import find_user_by_email
from flowline.core.services.users.one_time_links import (
    RESETS_PER_HOUR,
    LinkNotUsable,
    issue_link,
    link_for,
    may_mail_reset,
    set_password_with_link,
    usable_link,
)
from flowline.core.services.users.passwords import MIN_PASSWORD, checked_new_password
from flowline.core.services.users.sign_in_lock import address_key, clear_failures
from flowline.core.settings import Settings
from flowline.http.dependencies import SessionDep, SettingsDep
from flowline.web.pages import PageRoute, render
from flowline.web.signin import CsrfChecked

router = APIRouter(route_class=PageRoute, include_in_schema=False)
logger = logging.getLogger(__name__)
Secret = Annotated[str, Form(max_length=4096)]
SENT = (
    "If {email} has an account, a link to choose a new password is on its way. "
    "It works once, for 1 hour."
)
PASSWORD_FIELDS = [
    ("password", "Password", "password", "new-password", f"At least {MIN_PASSWORD} characters."),
    ("password_repeat", "Repeat password", "password", "new-password", None),
]


def _set_password_page(
    request: Request, token: str, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    context = {
        "title": "Set your password",
        "action": f"/set-password/{token}",
        "fields": PASSWORD_FIELDS,
        "button": "Set password",
        "errors": errors or {},
    }
    return render(request, "password_form.html", context, status)


def _unusable(request: Request, error: LinkNotUsable) -> Response:
    context = {"title": "Set your password", "failure": error.detail, "fields": [], "errors": {}}
    return render(request, "password_form.html", context, error.status_code)


@router.get("/set-password/{token}")
def set_password_page(request: Request, token: str, session: SessionDep) -> Response:
    try:
        usable_link(session, token)
    except LinkNotUsable as error:
        return _unusable(request, error)
    return _set_password_page(request, token)


@router.post("/set-password/{token}")
def set_password_submit(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    _: CsrfChecked,
    password: Secret = "",
    password_repeat: Secret = "",
) -> Response:
    try:
        usable_link(session, token)
        checked_new_password(password, password_repeat)
        user = set_password_with_link(session, token, password)
    except LinkNotUsable as error:
        return _unusable(request, error)
    except ValidationFailed as failed:
        errors = {str(e["loc"][0]): str(e["msg"]) for e in failed.errors}
        return _set_password_page(request, token, errors, failed.status_code)
    # The mailbox answered: a lock set by someone guessing no longer keeps its owner out.
    clear_failures(session, address_key(settings.require_secret_key(), user.email))
    return RedirectResponse("/sign-in?done=password-set", status_code=303)


def _forgot_page(
    request: Request, email: str = "", notice: str | None = None, error: str | None = None
) -> Response:
    context = {
        "title": "Forgot password?",
        "action": "/forgot-password",
        "fields": [("email", "Email", "email", "username", "The address you sign in with.")],
        "button": "Send reset link",
        "errors": {"email": error} if error else {},
        "email": email,
        "notice": notice,
    }
    return render(request, "password_form.html", context, 422 if error else 200)


@router.get("/forgot-password")
def forgot_password_page(request: Request) -> Response:
    return _forgot_page(request)


@router.post("/forgot-password")
def forgot_password_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    _: CsrfChecked,
    email: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The same answer, at once, whether or not the address has an account (or has had its
    `RESETS_PER_HOUR` links this hour): the mail goes out after the answer (its failure is
    logged, without the address)."""
    try:
        address = normalised_email(email)
    except ValueError as error:
        return _forgot_page(request, email.strip()[:254], error=str(error))
    user = find_user_by_email(session, address)
    if user is not None and not user.disabled:
        if may_mail_reset(session, user):
            link = link_for(settings.resolved_public_url, issue_link(session, user, "reset"))
            background.add_task(_send_reset, settings, address, link)
        else:  # the same answer: whoever asks learns nothing about the account
            logger.info("password reset mail not sent: %d already sent this hour", RESETS_PER_HOUR)
    return _forgot_page(request, notice=SENT.format(email=address))


async def _send_reset(settings: Settings, address: str, link: str) -> None:
    try:
        await send_account_mail(settings, password_reset(settings, address, link))
    except FlowlineError as error:
        logger.warning("password reset mail not sent: %s", type(error).__name__)
