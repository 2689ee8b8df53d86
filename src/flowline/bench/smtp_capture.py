"""The SMTP server the benchmark's emails go to: aiosmtpd on 127.0.0.1 in a thread, keeping
when each message arrived and for whom (no body: the figures need only the clock)."""

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from flowline.bench.api_process import free_port


@dataclass
class Received:
    at: float  # time.time() when the server accepted the message
    recipients: tuple[str, ...]


@dataclass
class SmtpCapture:
    """`with SmtpCapture() as smtp:`; `smtp.port`, `smtp.received` (in arrival order)."""

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.received.append(Received(time.time(), tuple(envelope.rcpt_tos)))
        return "250 OK"

    def first_for(self) -> dict[str, float]:
        """The arrival time of the first message to each recipient."""
        with self._lock:
            found: dict[str, float] = {}
            for message in self.received:
                for rcpt in message.recipients:
                    found.setdefault(rcpt, message.at)
            return found

    def __enter__(self) -> "SmtpCapture":
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()
