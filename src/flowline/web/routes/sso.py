"""Sign in with SSO: to the identity provider and back (only when FLOWLINE_OIDC_* are set)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from flowline.core.database import session_scope
from flowline.core.errors import FlowlineError, NotFound
from flowline.core.settings import Settings
from flowline.http.dependencies import EngineDep, SettingsDep
from flowline.web import sso, sso_accounts
from flowline.web.pages import PageRoute, render
from flowline.web.routes.auth import safe_next

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NEXT = "sso_next"


def _configured(settings: Settings) -> None:
    if not settings.sso_enabled:
        raise NotFound("single sign-on is not set up")


def _refused(request: Request, error: FlowlineError, next: str) -> Response:
    context: dict[str, Any] = {"next": next, "error": None, "sso": True, "sso_error": error.detail}
    return render(request, "sign_in.html", context, error.status_code)


@router.get("/sign-in/sso")
async def sso_start(
    request: Request,
    settings: SettingsDep,
    next: Annotated[str, Query(max_length=2000)] = "/workflows",
) -> Response:
    """To the identity provider; it sends the browser back to the callback below."""
    _configured(settings)
    try:
        redirect: Response = await sso.start(request)
    except FlowlineError as error:
        return _refused(request, error, safe_next(next))
    request.session[NEXT] = safe_next(next)
    return redirect


@router.get(sso.CALLBACK_PATH)
async def sso_callback(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    """Back from the identity provider: verify its answer, then sign the person in."""
    _configured(settings)
    next = request.session.pop(NEXT, "/workflows")
    next = safe_next(next if isinstance(next, str) else "/workflows")
    try:
        claims = await sso.verified_claims(request)
        await run_in_threadpool(_sign_in, request, engine, claims)
    except FlowlineError as error:
        return _refused(request, error, next)
    return RedirectResponse(next, status_code=303)


def _sign_in(request: Request, engine: Engine, claims: sso.VerifiedClaims) -> None:
    # A unit of work of its own, after the provider has answered: no database transaction
    # (on SQLite, the write lock) is held while the provider is called.
    with session_scope(engine) as session:
        sso_accounts.sign_in_with_sso(request, session, claims.email, claims.name)
