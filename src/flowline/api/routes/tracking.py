"""`GET /c/{token}` (a tracked link: 302 to the address the mail had) and `GET /o/{token}` (the
open pixel: a 1×1 GIF). No API key: the signed token is the authority.

A forged, altered or unknown click token gets a page in words (404), never a redirect to
anything the request carried; a client that does not ask for HTML (no `text/html` in `Accept`:
a script, a scanner) gets the API's JSON error instead, as the OpenAPI document says. The pixel
is the same GIF whatever the token; only a valid one is recorded. Both record after answering
(`recording_jobs`), so a slow or failing database write never holds up the reader.
"""

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import BackgroundTasks, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.database import read_scope
from flowline.core.database_availability import DATABASE_FAILURES, means_unavailable
from flowline.core.errors import DatabaseUnavailable, FlowlineError, NotFound
from flowline.core.services.engagement.links import Engaged, clicked_link
from flowline.core.services.engagement.recording_jobs import record_click_job, record_open_job
from flowline.core.services.engagement.tokens import read_click_token, read_open_token
from flowline.core.settings import Settings
from flowline.core.timestamps import utcnow
from flowline.http.dependencies import EngineDep, SettingsDep
from flowline.http.unexpected_errors import log_unavailable

router = api_router(tags=["tracking"])
templates = Jinja2Templates(directory=FilePath(__file__).parent.parent / "templates")
# A transparent 1×1 GIF (43 bytes).
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_HTML = {"text/html": {"schema": {"type": "string"}}}


def _page_or_error(status: int, description: str) -> dict[str, Any]:
    """An error status answered as a page to a browser, or as the API's JSON error."""
    declared = error_responses(status)[status]
    return {"description": description, "content": {**_HTML, **declared["content"]}}


CLICK_RESPONSES: dict[int | str, dict[str, Any]] = {
    302: {
        "description": "To the address the link had in that email.",
        "headers": {"Location": {"schema": {"type": "string"}}},
    },
    404: _page_or_error(404, "The link is unknown, was altered, or is no longer kept."),
    503: _page_or_error(503, "The database cannot be reached now; try again shortly."),
}
OPEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/gif": {"schema": {"type": "string", "format": "binary"}}},
        "description": "A 1×1 transparent GIF, whatever the token.",
    },
}
# No upper limit here: any token that is not ours is a 404 page (or the pixel), never a 422.
Token = Annotated[str, Path(min_length=1, description="The signed token from the email.")]


def _keys(settings: Settings) -> list[bytes]:
    """Without a secret key no token can be ours (the API runs without one only for tests)."""
    return settings.secret_keys() if settings.has_secret_key else []


def _page(request: Request, error: FlowlineError, title: str, message: str) -> Response:
    headers = dict(NO_STORE)
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    if "text/html" not in request.headers.get("accept", ""):
        body = {"error": error.error, "detail": error.detail}
        return JSONResponse(body, status_code=error.status_code, headers=headers)
    return templates.TemplateResponse(
        request,
        "tracked_link.html",
        {"title": title, "message": message},
        status_code=error.status_code,
        headers={**headers, "Referrer-Policy": "no-referrer"},
    )


def _unknown(request: Request) -> Response:
    return _page(
        request,
        NotFound("unknown link"),
        "This link does not work",
        "The link is not one of ours, was changed on the way, or is no longer kept.",
    )


@router.get(
    "/c/{token:path}", status_code=302, response_class=RedirectResponse, responses=CLICK_RESPONSES
)
def follow_link(
    token: Token,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> Response:
    """A tracked link of an email: a redirect to the address that email had."""
    tracked = read_click_token(_keys(settings), token)
    if tracked is None:
        return _unknown(request)
    try:
        with read_scope(engine) as session:
            engaged: Engaged | None = clicked_link(session, tracked)
    except DATABASE_FAILURES as error:
        if not means_unavailable(error):
            raise
        log_unavailable(error, request.scope)
        return _page(
            request,
            DatabaseUnavailable(),
            "Try again in a moment",
            "This link cannot be followed right now.",
        )
    if engaged is None or engaged.url is None:
        return _unknown(request)
    user_agent = request.headers.get("user-agent")
    background.add_task(record_click_job, engine, engaged, user_agent, utcnow())
    return RedirectResponse(engaged.url, status_code=302, headers=NO_STORE)


@router.get("/o/{token:path}", response_class=Response, responses=OPEN_RESPONSES)
def open_pixel(
    token: Token,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> Response:
    """The open pixel of an email: a 1×1 GIF, never cached."""
    tracked = read_open_token(_keys(settings), token)
    if tracked is not None:
        user_agent = request.headers.get("user-agent")
        background.add_task(record_open_job, engine, tracked, user_agent, utcnow())
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)
