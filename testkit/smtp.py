"""A real SMTP server (aiosmtpd) on 127.0.0.1 in a thread, keeping what it receives and when.

The benchmark reads arrival times (`first_for`, `arrivals`); the tests read the messages
(parsed on first use), the envelope recipients, the client connections, and can slow the
server down (`rcpt_delay`, `rcpt_stall`, `data_stall`), refuse recipients (`rcpt_replies`) or
act on each accepted message (`on_accepted`).
"""

import asyncio
import email
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import default
from functools import cached_property
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from testkit.eventually import eventually
from testkit.ports import free_port


@dataclass(frozen=True)
class Arrival:
    at: float  # time.monotonic() when the server accepted the message
    recipient: str
    message_id: str


@dataclass
class Received:
    """One accepted message: when (wall clock and monotonic), for whom, and its bytes."""

    at: float  # time.time() when the server accepted it
    monotonic: float  # time.monotonic() at the same moment
    recipients: tuple[str, ...]
    message_id: str
    content: bytes = field(repr=False)

    @cached_property
    def message(self) -> Message:
        """The whole message, parsed on first use (the benchmark never needs it)."""
        return email.message_from_bytes(self.content, policy=default)


@dataclass
class Connection:
    """When a client connected, and when the connection ended (monotonic seconds)."""

    opened: float
    closed: float | None = None


class _Handler:
    def __init__(self, capture: "SmtpCapture") -> None:
        self.capture = capture

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        capture = self.capture
        refusal = capture.rcpt_replies.get(address)
        if refusal is not None:
            return refusal
        capture.in_progress[address] = time.monotonic()
        stall, capture.rcpt_stall = capture.rcpt_stall, 0.0
        # Both sleeps are cancelled by aiosmtpd when the client hangs up.
        await asyncio.sleep(capture.rcpt_delay + stall)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        capture = self.capture
        headers = BytesParser().parsebytes(envelope.content, headersonly=True)
        received = Received(
            time.time(),
            time.monotonic(),
            tuple(envelope.rcpt_tos),
            str(headers["Message-ID"]),
            envelope.content,
        )
        with capture.lock:
            capture.received.append(received)
            capture.arrivals.extend(
                Arrival(received.monotonic, recipient, received.message_id)
                for recipient in received.recipients
            )
        # A slow server: the message is kept (delivered, as far as the reader can tell) and the
        # 250 comes later; a client that hangs up meanwhile cannot know it got through.
        if capture.data_stall:
            await asyncio.sleep(capture.data_stall)
        for recipient in envelope.rcpt_tos:
            capture.in_progress.pop(recipient, None)
        hook = capture.on_accepted
        if hook is not None:
            # The message is kept; its 250 goes out once the hook returns.
            hook(received.message)
        return "250 OK"


class _Tracked(SMTP):
    """aiosmtpd's server, noting when each client connection opens and ends."""

    def __init__(self, capture: "SmtpCapture", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._capture = capture
        self._connection = Connection(opened=time.monotonic())

    def connection_made(self, transport: Any) -> None:
        self._connection.opened = time.monotonic()
        self._capture.connections.append(self._connection)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self._connection.closed = time.monotonic()
        super().connection_lost(error)


class _Controller(Controller):
    def __init__(self, capture: "SmtpCapture", **kwargs: Any) -> None:
        super().__init__(_Handler(capture), **kwargs)
        self._capture = capture

    def factory(self) -> SMTP:
        return _Tracked(self._capture, self.handler, **self.SMTP_kwargs)


class SmtpCapture:
    """`start()`/`stop()`, or `with SmtpCapture() as smtp:`; `smtp.port` to send to."""

    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.received: list[Received] = []  # in arrival order
        # One per recipient of each message: when it arrived and its Message-ID.
        self.arrivals: list[Arrival] = []
        self.connections: list[Connection] = []
        # Recipients whose conversation reached RCPT and not the end of DATA (a client that
        # died mid-conversation leaves its recipient here), with when their RCPT came.
        self.in_progress: dict[str, float] = {}
        # Every RCPT is answered after this many seconds (more conversations under way at once).
        self.rcpt_delay = 0.0
        # The next RCPT command is answered only after this many seconds more (one-shot).
        self.rcpt_stall = 0.0
        # Every end of DATA is answered only after this many seconds.
        self.data_stall = 0.0
        # Recipients answered with this reply to RCPT instead of 250 (`"550 5.1.1 No such user"`).
        self.rcpt_replies: dict[str, str] = {}
        # Called on the server's loop with each accepted message, just before its 250 is sent.
        self.on_accepted: Callable[[Message], None] | None = None
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[Message]:
        """The messages received so far, parsed, in arrival order."""
        return [received.message for received in list(self.received)]

    @property
    def recipients(self) -> list[list[str]]:
        """Each message's envelope recipients, in arrival order."""
        return [list(received.recipients) for received in list(self.received)]

    def first_for(self) -> dict[str, float]:
        """The arrival time (wall clock) of the first message to each recipient."""
        with self.lock:
            found: dict[str, float] = {}
            for received in self.received:
                for recipient in received.recipients:
                    found.setdefault(recipient, received.at)
            return found

    async def wait_for(self, count: int, timeout: float = 30) -> list[Message]:
        """Until at least `count` messages arrived; returns them all."""
        await eventually(
            lambda: len(self.received) >= count,
            timeout,
            lambda: f"{count} message(s), got {len(self.received)}",
            interval=0.05,
        )
        return self.messages

    def start(self) -> None:
        self._controller = _Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "SmtpCapture":
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def body_of(message: Message, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))  # type: ignore[attr-defined]
    assert part is not None, f"no {subtype} part"
    return str(part.get_content())
