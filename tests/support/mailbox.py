"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

import asyncio
import email
import socket
import time
from dataclasses import dataclass
from email.message import Message
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Connection:
    """When a client connected, and when the connection ended (monotonic seconds)."""

    opened: float
    closed: float | None = None


class _Collect:
    def __init__(self, box: "Mailbox") -> None:
        self.box = box

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        stall, self.box.rcpt_stall = self.box.rcpt_stall, 0.0
        await asyncio.sleep(stall)  # cancelled by aiosmtpd when the client hangs up
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        self.box.recipients.append(list(envelope.rcpt_tos))
        self.box.messages.append(message)
        # A slow server: the message is kept (delivered, as far as the reader can tell) and the
        # 250 comes later; a client that hangs up meanwhile cannot know it got through.
        if self.box.data_stall:
            await asyncio.sleep(self.box.data_stall)
        return "250 OK"


class _Tracked(SMTP):
    """aiosmtpd's server, noting when each client connection opens and ends."""

    def __init__(self, box: "Mailbox", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._box = box
        self._connection = Connection(opened=time.monotonic())

    def connection_made(self, transport: Any) -> None:
        self._connection.opened = time.monotonic()
        self._box.connections.append(self._connection)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self._connection.closed = time.monotonic()
        super().connection_lost(error)


class _Controller(Controller):
    def __init__(self, box: "Mailbox", **kwargs: Any) -> None:
        super().__init__(_Collect(box), **kwargs)
        self._box = box

    def factory(self) -> SMTP:
        return _Tracked(self._box, self.handler, **self.SMTP_kwargs)


class Mailbox:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []  # each message's envelope recipients
        self.connections: list[Connection] = []
        # The next RCPT command is answered only after this many seconds (one-shot).
        self.rcpt_stall = 0.0
        # Every end of DATA is answered only after this many seconds.
        self.data_stall = 0.0
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = _Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def wait_for(self, count: int, timeout: float = 30) -> list[Message]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.messages) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")
            await asyncio.sleep(0.05)
        return self.messages


def body_of(message: Message, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))  # type: ignore[attr-defined]
    assert part is not None, f"no {subtype} part"
    return str(part.get_content())
