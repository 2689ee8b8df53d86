"""`flowline dev`'s SMTP capture: every message it receives becomes an .eml file in the outbox."""

import logging
import os
import time
import uuid
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

OutboxMessage = dict[str, str | None]


class OutboxHandler:
    """aiosmtpd handler: one `{time_ns}-{uuid}.eml` per message, so names sort by arrival."""

    def __init__(self, outbox_dir: Path) -> None:
        self.outbox_dir = outbox_dir

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        # The envelope can differ from the headers (Bcc): keep it the way a mailbox would.
        delivered = (
            f"Return-Path: <{envelope.mail_from}>\r\n"
            f"X-Original-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode() + envelope.original_content
        name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
        partial = self.outbox_dir / f".{name}.partial"
        partial.write_bytes(delivered)
        os.replace(partial, self.outbox_dir / name)  # readers never see half a message
        return "250 Message accepted for delivery"


def start_capture(outbox_dir: Path, port: int, host: str = "127.0.0.1") -> Controller:
    """Start the capture server in its own thread; call `.stop()` on the result to end it."""
    # aiosmtpd logs every SMTP command at INFO: too loud next to the worker's and API's logs.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(OutboxHandler(outbox_dir), hostname=host, port=port)
    controller.start()
    return controller


def read_outbox(outbox_dir: Path, limit: int | None = None) -> list[OutboxMessage]:
    """Captured messages, newest first: id, from, to, subject, date (ISO 8601), text, html."""
    if not outbox_dir.is_dir():
        return []
    paths = sorted(outbox_dir.glob("*.eml"), key=lambda p: p.name, reverse=True)
    return [_read_message(path) for path in paths[:limit]]


def read_message(outbox_dir: Path, message_id: str) -> OutboxMessage | None:
    """One captured message by its id (the file's stem), or None."""
    path = outbox_dir / f"{message_id}.eml"
    if "/" in message_id or message_id.startswith(".") or not path.is_file():
        return None
    return _read_message(path)


def _read_message(path: Path) -> OutboxMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return {
        "id": path.stem,
        "from": _header(message, "From"),
        "to": _header(message, "To") or _header(message, "X-Original-To"),
        "subject": _header(message, "Subject"),
        "date": _date(message, path).isoformat(),
        "text": _body(message, "plain"),
        "html": _body(message, "html"),
    }


def _header(message: EmailMessage, name: str) -> str:
    value = message.get(name)
    return str(value) if value is not None else ""


def _date(message: EmailMessage, path: Path) -> datetime:
    """The message's Date header; its arrival time when it has none (or a broken one)."""
    try:
        return parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromtimestamp(int(path.stem.split("-", 1)[0]) / 1e9, UTC)
    except ValueError:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    try:
        content = str(part.get_content())
    except (LookupError, ValueError):  # unknown charset or broken encoding: show what we can
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return None
        content = payload.decode("utf-8", "replace")
    return content.replace("\r\n", "\n")
