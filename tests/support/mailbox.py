"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

import asyncio
import email
import socket
from email.message import Message
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Collect:
    def __init__(self, box: "Mailbox") -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        self.box.messages.append(message)
        return "250 OK"


class Mailbox:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Message] = []
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port)
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
