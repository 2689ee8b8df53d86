"""`GET /u/{token}` (a confirmation page) and `POST /u/{token}` (RFC 8058 one-click).

No API key: the signed token is the authority. A forged or altered token answers 404.
"""

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.errors import NotFound
from flowline.core.services.unsubscribe import (
    MAX_TOKEN,
    Unsubscription,
    read_token,
    unsubscribe,
)
from flowline.http.dependencies import SessionDep, SettingsDep

router = api_router(tags=["unsubscribe"])
templates = Jinja2Templates(directory=FilePath(__file__).parent.parent / "templates")
PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "A page."},
    **error_responses(404),
}
Token = Annotated[
    str, Path(min_length=1, max_length=MAX_TOKEN, description="The link's signed token.")
]


# The page holds a live token: no other site may frame it (a click on a hidden frame would
# unsubscribe), nothing but its own inline style runs, and its address never leaves as a referrer.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _page(request: Request, title: str, done: bool) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "unsubscribe.html", {"title": title, "done": done}, headers=PAGE_HEADERS
    )


def _read(settings: SettingsDep, token: str) -> Unsubscription:
    what = read_token(settings.secret_keys(), token)
    if what is None:
        raise NotFound("unknown unsubscribe link")
    return what


@router.get("/u/{token}", response_class=HTMLResponse, responses=PAGE)
def confirm_page(token: Token, request: Request, settings: SettingsDep) -> HTMLResponse:
    """The confirmation page behind an email's unsubscribe link."""
    _read(settings, token)
    return _page(request, "Unsubscribe", done=False)


@router.post("/u/{token}", response_class=HTMLResponse, responses=PAGE)
def one_click(
    token: Token, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Unsubscribe (RFC 8058 one-click: the body `List-Unsubscribe=One-Click` is optional)."""
    unsubscribe(session, _read(settings, token))
    return _page(request, "You are unsubscribed", done=True)
