"""`flowline dev`'s SMTP capture: every message it receives is kept as captured mail."""

import logging
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from flowline.core.captured_mail import store_message


class CaptureHandler:
    """aiosmtpd handler: each message goes to the captured-mail folder (core/captured_mail.py)."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # The envelope can differ from the headers (Bcc): keep it the way a mailbox would.
        delivered = (
            f"Return-Path: <{envelope.mail_from}>\r\n"
            f"X-Original-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode() + envelope.original_content
        store_message(self.mail_dir, delivered)
        return "250 Message accepted for delivery"


def start_capture(mail_dir: Path, port: int, host: str = "127.0.0.1") -> Controller:
    """Start the capture server in its own thread; call `.stop()` on the result to end it."""
    # aiosmtpd logs every SMTP command at INFO: too loud next to the worker's and API's logs.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(CaptureHandler(mail_dir), hostname=host, port=port)
    controller.start()
    return controller
