"""Sign in (email and password, or an admin API key), sign out, sign out everywhere."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from flowline.core.services.users.accounts import count_users
from flowline.core.services.users.password_sign_in import password_sign_in
from flowline.core.services.users.sessions import revoke_sessions
from flowline.core.services.users.sign_in_lock import SignInLocked
from flowline.core.settings import Settings
from flowline.http.dependencies import SessionDep, SettingsDep
from flowline.web.pages import PageRoute, render
from flowline.web.signin import (
    CsrfChecked,
    SignedIn,
    sign_in,
    sign_in_user,
    sign_out,
    signed_in,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
WRONG_PASSWORD = "Wrong email or password."  # the same for an unknown address
NOTICES = {
    "password-set": "Your password is set: sign in with it.",
    "everywhere": "You are signed out on every device.",
}


def safe_next(target: str) -> str:
    # Only paths on this site: never an open redirect to another host.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/workflows"


def _sign_in_page(
    request: Request, session: Session, next: str, status: int = 200, **context: object
) -> Response:
    page: dict[str, object] = {
        "next": safe_next(next),
        "error": None,
        "user_error": None,
        "email": "",
        "notice": None,
        "sso": request.app.state.settings.sso_enabled,
    }
    page.update(context)
    page["has_users"] = count_users(session) > 0
    return render(request, "sign_in.html", page, status)


@router.get("/")
def home() -> Response:
    return RedirectResponse("/workflows", status_code=303)


@router.get("/sign-in")
def sign_in_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    next: str = "/workflows",
    done: str = "",
) -> Response:
    if signed_in(request, session, settings) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _sign_in_page(request, session, next, notice=NOTICES.get(done))


@router.post("/sign-in")
def sign_in_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: CsrfChecked,
    api_key: Annotated[str, Form(max_length=500)] = "",
    email: Annotated[str, Form(max_length=500)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/workflows",
) -> Response:
    if api_key or not (email or password):
        if not sign_in(request, session, settings, api_key):
            error = "That is not an admin API key."
            return _sign_in_page(request, session, next, 401, error=error)
        return RedirectResponse(safe_next(next), status_code=303)
    return _password_sign_in(request, session, settings, email, password, next)


def _password_sign_in(
    request: Request, session: Session, settings: Settings, email: str, password: str, next: str
) -> Response:
    shown = email.strip()[:254]  # the address comes back in the form; the password never does
    try:
        user = password_sign_in(session, settings.require_secret_key(), email, password)
    except SignInLocked as locked:
        page = _sign_in_page(request, session, next, 429, user_error=locked.detail, email=shown)
        page.headers["Retry-After"] = str(locked.retry_after)
        return page
    if user is None:
        return _sign_in_page(request, session, next, 401, user_error=WRONG_PASSWORD, email=shown)
    sign_in_user(request, session, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/sign-out")
def sign_out_submit(request: Request, session: SessionDep, _: CsrfChecked) -> Response:
    sign_out(request, session)
    return RedirectResponse("/sign-in", status_code=303)


@router.post("/sign-out-everywhere")
def sign_out_everywhere(
    who: SignedIn, _: CsrfChecked, request: Request, session: SessionDep
) -> Response:
    """Every session of this user ends, on this device and all others."""
    if who.kind == "user" and who.id is not None:
        revoke_sessions(session, who.id)
    sign_out(request, session)
    return RedirectResponse("/sign-in?done=everywhere", status_code=303)
