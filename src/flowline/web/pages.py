"""Rendering pages: templates, the security headers every page carries, errors as pages."""

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from flowline.core.database_availability import DATABASE_FAILURES, means_unavailable
from flowline.core.errors import DatabaseUnavailable, FlowlineError
from flowline.core.services.enrollments.timeline import status_label
from flowline.http.unexpected_errors import log_unavailable
from flowline.web.form_errors import field_title
from flowline.web.form_tree import engine_path_label, step_label
from flowline.web.signin import SignInRequired, csrf_token, may
from flowline.web.split_form import NEW_SPLIT_PATHS
from flowline.web.words import (
    action_name,
    campaign_options,
    consent_options,
    current_step,
    has_outcome,
    step_actions,
    step_arms,
)

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals.update(
    csrf_token=csrf_token,
    may=may,  # the page shows only what the signed-in role may do
    field_title=field_title,
    step_label=step_label,
    engine_path_label=engine_path_label,
    step_actions=step_actions,
    step_arms=step_arms,
    new_split_paths=NEW_SPLIT_PATHS,
    consent_options=consent_options,
    campaign_options=campaign_options,
    action_name=action_name,
    current_step=current_step,
    has_outcome=has_outcome,
    status_label=status_label,  # "Completed with errors": a failure never reads as success
)
# Scripts and styles come only from the app; previews of mail are framed from the app only.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'; frame-src 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
FETCH_HEADER = "x-requested-with"


def wants_json(request: Request) -> bool:
    """The page's own script asked (it sets X-Requested-With: fetch)."""
    return request.headers.get(FETCH_HEADER) == "fetch"


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    return TEMPLATES.TemplateResponse(request, template, context or {}, status_code=status)


def _error_page(request: Request, status: int, detail: str) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status)
    return render(request, "error.html", {"status": status, "detail": detail}, status)


class PageRoute(APIRoute):
    """UI routes: no session → the sign-in page; a FlowlineError → an error page (or JSON for
    the page's own fetches); every answer with the page headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired as error:
                if wants_json(request) or request.method != "GET":
                    response = _error_page(request, 401, error.detail)
                else:
                    target = quote(request.url.path, safe="/")
                    response = RedirectResponse(f"/sign-in?next={target}", status_code=303)
            except FlowlineError as error:
                response = _error_page(request, error.status_code, error.detail)
            except DATABASE_FAILURES as error:
                if not means_unavailable(error):
                    raise
                log_unavailable(error, request.scope)
                unavailable = DatabaseUnavailable()
                response = _error_page(request, unavailable.status_code, unavailable.detail)
                response.headers["Retry-After"] = str(unavailable.retry_after)
            except RequestValidationError:
                response = _error_page(request, 404, "there is no such page")
            for name, value in PAGE_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return route
