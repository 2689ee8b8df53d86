"""`GET /u/{token}` (a confirmation page) and `POST /u/{token}` (RFC 8058 one-click).

No API key: the signed token is the authority. A forged or altered token answers 404.
"""

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from flowline.api.deps import SessionDep, SettingsDep
from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.errors import NotFound
from flowline.core.services.unsubscribe import (
    MAX_TOKEN,
    Unsubscription,
    read_token,
    unsubscribe,
)

router = api_router(tags=["unsubscribe"])
templates = Jinja2Templates(directory=FilePath(__file__).parent.parent / "templates")
PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "A page."},
    **error_responses(404),
}
Token = Annotated[
    str, Path(min_length=1, max_length=MAX_TOKEN, description="The link's signed token.")
]


def _read(settings: SettingsDep, token: str) -> Unsubscription:
    what = read_token(settings.secret_keys(), token)
    if what is None:
        raise NotFound("unknown unsubscribe link")
    return what


@router.get("/u/{token}", response_class=HTMLResponse, responses=PAGE)
def confirm_page(token: Token, request: Request, settings: SettingsDep) -> HTMLResponse:
    """The confirmation page behind an email's unsubscribe link."""
    _read(settings, token)
    return templates.TemplateResponse(
        request, "unsubscribe.html", {"title": "Unsubscribe", "done": False}
    )


@router.post("/u/{token}", response_class=HTMLResponse, responses=PAGE)
def one_click(
    token: Token, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Unsubscribe (RFC 8058 one-click: the body `List-Unsubscribe=One-Click` is optional)."""
    unsubscribe(session, _read(settings, token))
    return templates.TemplateResponse(
        request, "unsubscribe.html", {"title": "You are unsubscribed", "done": True}
    )
