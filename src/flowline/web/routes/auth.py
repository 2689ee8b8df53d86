"""Sign in with an admin API key, sign out."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from flowline.http.dependencies import SessionDep, SettingsDep
from flowline.web.pages import PageRoute, render
from flowline.web.signin import CsrfChecked, sign_in, sign_out, signed_in

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def safe_next(target: str) -> str:
    # Only paths on this site: never an open redirect to another host.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/workflows"


@router.get("/")
def home() -> Response:
    return RedirectResponse("/workflows", status_code=303)


@router.get("/sign-in")
def sign_in_page(
    request: Request, session: SessionDep, settings: SettingsDep, next: str = "/workflows"
) -> Response:
    if signed_in(request, session, settings) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    context = {"next": safe_next(next), "error": None, "sso": settings.sso_enabled}
    return render(request, "sign_in.html", context)


@router.post("/sign-in")
def sign_in_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: CsrfChecked,
    api_key: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/workflows",
) -> Response:
    if not sign_in(request, session, settings, api_key):
        error = "That is not an admin API key."
        context = {"next": safe_next(next), "error": error, "sso": settings.sso_enabled}
        return render(request, "sign_in.html", context, 401)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/sign-out")
def sign_out_submit(request: Request, _: CsrfChecked) -> Response:
    sign_out(request)
    return RedirectResponse("/sign-in", status_code=303)
