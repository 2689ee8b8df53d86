"""Mail about an account (an invitation, a password reset), sent at once through the
configured SMTP server like a campaign's test send: a person is waiting for it."""

import asyncio
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from flowline.core.services.campaigns.test_send import MailServerUnavailable
from flowline.core.settings import Settings

SEND_TIMEOUT = 30.0  # seconds for the whole SMTP conversation


def invitation(settings: Settings, recipient: str, link: str, invited_by: str) -> EmailMessage:
    return _message(
        settings,
        recipient,
        "You are invited to Flowline",
        f"{invited_by} invited you to Flowline.\n\n"
        f"Set your password here (the link works once, for 72 hours):\n{link}\n",
    )


def password_reset(settings: Settings, recipient: str, link: str) -> EmailMessage:
    return _message(
        settings,
        recipient,
        "Reset your Flowline password",
        "Someone (we hope you) asked to reset your Flowline password.\n\n"
        f"Choose a new one here (the link works once, for 1 hour):\n{link}\n\n"
        "If you did not ask, ignore this message: your password stays as it is.\n",
    )


def _message(settings: Settings, recipient: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="flowline.accounts")
    message["Date"] = formatdate(usegmt=True)
    message.set_content(text)
    return message


async def send_account_mail(settings: Settings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server; `MailServerUnavailable` (503) when it cannot."""
    host = settings.smtp_host or "127.0.0.1"
    where = f"{host}:{settings.smtp_port}"
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        async with asyncio.timeout(SEND_TIMEOUT):
            await aiosmtplib.send(
                message,
                hostname=host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password,
                start_tls=settings.smtp_starttls,
                timeout=SEND_TIMEOUT,
            )
    except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
        # The link is in the message: only the kind of failure goes into the answer.
        raise MailServerUnavailable(
            f"The mail could not be sent through {where} ({type(error).__name__}); "
            "nothing was changed. Check the SMTP settings and try again."
        ) from None
