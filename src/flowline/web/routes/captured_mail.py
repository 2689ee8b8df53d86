"""Mail captured by `flowline dev` (the UI's "Outbox" page): a list, and each message rendered
safely."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from flowline.core.captured_mail import (
    CapturedMessage,
    read_captured_mail,
    read_captured_message,
)
from flowline.core.errors import NotFound
from flowline.http.dependencies import SettingsDep
from flowline.web.mail_frames import FRAME_HEADERS
from flowline.web.pages import PageRoute, render
from flowline.web.signin import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
LISTED = 200


def _message(settings: SettingsDep, message_id: str) -> CapturedMessage:
    found = read_captured_message(settings.captured_mail_dir, message_id)
    if found is None:
        raise NotFound("no such message in the outbox")
    return found


@router.get("/outbox")
def captured_mail_page(_: SignedIn, request: Request, settings: SettingsDep) -> Response:
    mail_dir = settings.captured_mail_dir
    messages = read_captured_mail(mail_dir, limit=LISTED)
    # The template's names are the page's ("Outbox").
    return render(request, "outbox.html", {"messages": messages, "outbox_dir": mail_dir})


@router.get("/outbox/{message_id}")
def message_page(_: SignedIn, request: Request, message_id: str, settings: SettingsDep) -> Response:
    return render(request, "outbox_message.html", {"message": _message(settings, message_id)})


@router.get("/outbox/{message_id}/html")
def message_html(_: SignedIn, message_id: str, settings: SettingsDep) -> Response:
    """The HTML part alone, for a sandboxed frame: it never runs in the app's origin."""
    html = _message(settings, message_id)["html"] or ""
    return HTMLResponse(html, headers=FRAME_HEADERS)
