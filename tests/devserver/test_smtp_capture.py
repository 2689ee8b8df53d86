"""The dev SMTP capture: what it receives is kept as captured mail, readable by the web UI."""

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from flowline.core.captured_mail import read_captured_mail
from flowline.devserver.smtp_capture import start_capture


@pytest.fixture
def capture(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    mail_dir = tmp_path / "captured"
    controller = start_capture(mail_dir, port)
    try:
        yield port, mail_dir
    finally:
        controller.stop()


def send(port: int, subject: str, *, html: str | None = None, bcc: str | None = None) -> None:
    message = EmailMessage()
    message["From"] = "Flowline <flowline@localhost>"
    message["To"] = "ada@example.com"
    message["Subject"] = subject
    message.set_content(f"{subject} in text")
    if html is not None:
        message.add_alternative(html, subtype="html")
    recipients = ["ada@example.com"] + ([bcc] if bcc else [])
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message, to_addrs=recipients)


def test_captured_messages_are_listed_newest_first(capture: tuple[int, Path]) -> None:
    port, mail_dir = capture
    send(port, "First")
    send(port, "Second, with ünïcode", html="<p>Hi <b>Ada</b></p>")

    newest, oldest = read_captured_mail(mail_dir)

    assert newest["subject"] == "Second, with ünïcode"
    assert newest["from"] == "Flowline <flowline@localhost>"
    assert newest["to"] == "ada@example.com"
    assert newest["text"] == "Second, with ünïcode in text\n"
    assert newest["html"] == "<p>Hi <b>Ada</b></p>\n"
    assert oldest["subject"] == "First"
    assert oldest["html"] is None
    assert newest["date"] and newest["date"] >= (oldest["date"] or "")
    assert newest["id"] != oldest["id"]


def test_envelope_recipients_are_kept_in_the_eml_file(capture: tuple[int, Path]) -> None:
    port, mail_dir = capture
    send(port, "Hidden copy", bcc="audit@example.com")

    [path] = mail_dir.glob("*.eml")

    head = path.read_text().split("\n\n", 1)[0]
    assert "X-Original-To: ada@example.com, audit@example.com" in head
    assert "Return-Path: <flowline@localhost>" in head


def test_a_capture_that_received_nothing_is_empty(tmp_path: Path) -> None:
    assert read_captured_mail(tmp_path / "never-created") == []
