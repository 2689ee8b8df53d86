"""One SMTP conversation, bounded in time, with its failures sorted into "retry" and "give up"."""

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

import aiosmtplib

from flowline.core.settings import Settings
from flowline.worker import policies
from flowline.worker.activities.email_message import message_bytes


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    default_from: str = "flowline@localhost"

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpConfig":
        return cls(
            host=settings.smtp_host or "127.0.0.1",
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            default_from=settings.email_from,
        )


class SmtpRejected(Exception):
    """The server refused this message for good (a 5xx reply to MAIL, RCPT or DATA).

    A 5xx to RCPT or DATA refuses the recipient or the message: a hard bounce. One to MAIL
    refuses our sender, which says nothing about the recipient.
    """

    def __init__(self, code: int, command: str) -> None:
        super().__init__(f"rejected by the SMTP server ({code} to {command})")
        self.code = code
        self.command = command

    @property
    def hard_bounce(self) -> bool:
        return self.command in ("RCPT", "DATA")


class SmtpUnavailable(Exception):
    """Worth another try: no connection, a 4xx reply, a timeout, login or STARTTLS failing."""


async def deliver(
    config: SmtpConfig,
    message: Message,
    sender: str,
    recipient: str,
    accepted: Callable[[], None] | None = None,
) -> None:
    """Hand the message to the server; returns once the server has accepted it (250).

    `accepted` is called the moment the 250 arrives, before QUIT: the caller records it at once,
    since a process that dies from here on leaves a message sent but not known to be.
    Each reply is awaited as long as RFC 5321 asks (worker/policies.py), the whole conversation
    at most SMTP_SEND_BUDGET: past it the connection is dropped, so a slow server can never still
    be receiving this message when Temporal starts the next attempt. The envelope names exactly
    one recipient, whatever the headers say.
    """
    client = aiosmtplib.SMTP(
        hostname=config.host,
        port=config.port,
        username=config.username,
        password=config.password,
        start_tls=config.starttls,
        # EHLO, STARTTLS and AUTH; MAIL, RCPT and DATA get their own below.
        timeout=policies.SMTP_COMMAND_TIMEOUT.total_seconds(),
    )
    done = False
    try:
        async with asyncio.timeout(policies.SMTP_SEND_BUDGET.total_seconds()):
            await _connect(client)
            await _send(client, message, sender, recipient)
            done = True
            if accepted is not None:
                accepted()
            # Politeness only: the message is the server's now, whatever QUIT answers.
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await client.quit(timeout=policies.SMTP_QUIT_TIMEOUT.total_seconds())
    except TimeoutError:
        if not done:
            raise SmtpUnavailable("the SMTP server did not answer in time") from None
    finally:
        client.close()


async def _connect(client: aiosmtplib.SMTP) -> None:
    # Failing to connect, greet, start TLS or log in is the operator's to fix (or an outage),
    # not a property of this message: retried, even for 5xx replies such as 535.
    try:
        await client.connect(timeout=policies.SMTP_GREETING_TIMEOUT.total_seconds())
    except (aiosmtplib.SMTPException, OSError) as error:
        raise SmtpUnavailable(f"cannot connect to the SMTP server: {_describe(error)}") from None


async def _send(client: aiosmtplib.SMTP, message: Message, sender: str, recipient: str) -> None:
    """MAIL, RCPT and DATA, each with its own RFC 5321 timeout (`sendmail` has one for all)."""
    content = message_bytes(message)
    command = policies.SMTP_COMMAND_TIMEOUT.total_seconds()
    phase = "EHLO"
    try:
        if client.is_ehlo_or_helo_needed:
            await client.ehlo()
        options = [f"size={len(content)}"] if client.supports_extension("size") else []
        phase = "MAIL"
        await client.mail(sender, options=options, timeout=command)
        phase = "RCPT"
        await client.rcpt(recipient, timeout=command)
        phase = "DATA"
        await client.data(content, timeout=policies.SMTP_DATA_TIMEOUT.total_seconds())
    except aiosmtplib.SMTPResponseException as error:
        with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
            await client.rset(timeout=policies.SMTP_QUIT_TIMEOUT.total_seconds())
        if 500 <= error.code < 600:
            raise SmtpRejected(error.code, phase) from None
        raise SmtpUnavailable(f"deferred by the SMTP server ({error.code})") from None
    except (aiosmtplib.SMTPException, OSError) as error:
        raise SmtpUnavailable(f"SMTP connection failed: {_describe(error)}") from None


def _describe(error: BaseException) -> str:
    # The class and the server's short text; never the message or the recipient.
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"{type(error).__name__} ({error.code})"
    return type(error).__name__
