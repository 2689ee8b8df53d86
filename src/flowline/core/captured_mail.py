"""Captured mail: the folder of .eml files `flowline dev`'s SMTP capture keeps, and reading it.

One `{time_ns}-{uuid hex}.eml` per message (its id is the file's stem), so names sort by
arrival. The capture stores (devserver/smtp_capture.py); the web UI's Outbox page reads.
"""

import os
import re
import time
import uuid
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

CapturedMessage = dict[str, str | None]

# The ids `store_message` gives: nothing else (no path) reaches the file system.
_MESSAGE_ID = re.compile(r"[0-9]{1,20}-[0-9a-f]{32}")


def store_message(mail_dir: Path, content: bytes) -> str:
    """Keep one message, whole or not at all; its id."""
    mail_dir.mkdir(parents=True, exist_ok=True)
    message_id = f"{time.time_ns()}-{uuid.uuid4().hex}"
    partial = mail_dir / f".{message_id}.eml.partial"
    partial.write_bytes(content)
    os.replace(partial, mail_dir / f"{message_id}.eml")  # readers never see half a message
    return message_id


def read_captured_mail(mail_dir: Path, limit: int | None = None) -> list[CapturedMessage]:
    """Captured messages, newest first: id, from, to, subject, date (ISO 8601), text, html."""
    if not mail_dir.is_dir():
        return []
    paths = sorted(mail_dir.glob("*.eml"), key=lambda p: p.name, reverse=True)
    return [_read_message(path) for path in paths[:limit]]


def read_captured_message(mail_dir: Path, message_id: str) -> CapturedMessage | None:
    """One captured message by its id (the file's stem), or None."""
    if not _MESSAGE_ID.fullmatch(message_id):
        return None
    path = mail_dir / f"{message_id}.eml"
    return _read_message(path) if path.is_file() else None


def _read_message(path: Path) -> CapturedMessage:
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
