"""Mail captured by `flowline dev`: a list, and each message rendered safely."""

import re

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from flowline.core.errors import NotFound
from flowline.devserver.smtp_capture import OutboxMessage, read_message, read_outbox
from flowline.http.dependencies import SettingsDep
from flowline.web.mail_frames import FRAME_HEADERS
from flowline.web.pages import PageRoute, render
from flowline.web.signin import AdminSession

router = APIRouter(route_class=PageRoute, include_in_schema=False)
LISTED = 200
# The capture's own file names: nothing else (no path) reaches the file system.
_MESSAGE_ID = re.compile(r"^\d{1,20}-[0-9a-f]{32}$")


def _message(settings: SettingsDep, message_id: str) -> OutboxMessage:
    found = read_message(settings.outbox_dir, message_id) if _MESSAGE_ID.match(message_id) else None
    if found is None:
        raise NotFound("no such message in the outbox")
    return found


@router.get("/outbox")
def outbox_page(_: AdminSession, request: Request, settings: SettingsDep) -> Response:
    messages = read_outbox(settings.outbox_dir, limit=LISTED)
    return render(request, "outbox.html", {"messages": messages, "outbox_dir": settings.outbox_dir})


@router.get("/outbox/{message_id}")
def message_page(
    _: AdminSession, request: Request, message_id: str, settings: SettingsDep
) -> Response:
    return render(request, "outbox_message.html", {"message": _message(settings, message_id)})


@router.get("/outbox/{message_id}/html")
def message_html(_: AdminSession, message_id: str, settings: SettingsDep) -> Response:
    """The HTML part alone, for a sandboxed frame: it never runs in the app's origin."""
    html = _message(settings, message_id)["html"] or ""
    return HTMLResponse(html, headers=FRAME_HEADERS)
