"""Send a campaign once, now, to an address a person chose: to see it in a real mailbox.

Rendered like a preview (the same metered sandbox), with a chosen profile's values or, without
one, every merge tag blank (the default of a tag with no default). Sent through the configured
SMTP server at once, never through a workflow: marked as a test (subject "[Test] ...", header
`X-Flowline-Test: yes`) and recorded nowhere, so no delivery row, no figure and no frequency cap
ever counts it.
"""

import asyncio
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib
from sqlmodel import Session

from flowline.core.errors import FlowlineError, ValidationFailed
from flowline.core.models.campaigns import Campaign
from flowline.core.services.campaigns.crud import campaign_merge_tags
from flowline.core.services.campaigns.preview import (
    ProfileMissing,
    preview_campaign,
    render_campaign,
)
from flowline.core.settings import Settings
from flowline.definitions.mailbox import single_mailbox
from flowline.definitions.plain_text import text_from_html
from flowline.definitions.templates import RenderedEmail

TEST_HEADER = "X-Flowline-Test"
SUBJECT_PREFIX = "[Test] "
SEND_TIMEOUT = 30.0  # seconds for the whole SMTP conversation: a person is waiting


class MailServerUnavailable(FlowlineError):
    """The SMTP server could not be reached, or deferred the message: nothing was sent."""

    status_code = 503


@dataclass(frozen=True)
class PreparedTest:
    sender: str
    recipient: str
    rendered: RenderedEmail


def prepare_test(
    session: Session, settings: Settings, campaign: Campaign, address: str, profile_id: str
) -> PreparedTest:
    """The message for `address`, rendered for `profile_id` (blank tags when empty).

    422 naming the field for an address that is not one e-mail address, a profile that does
    not exist, or a template that cannot be rendered."""
    recipient = single_mailbox(address)
    if recipient is None:
        raise ValidationFailed.at(
            ("test_address",), "Enter one e-mail address, such as anna@example.com."
        )
    profile_id = profile_id.strip()
    if profile_id:
        try:
            rendered = preview_campaign(session, campaign, profile_id)
        except ProfileMissing:
            raise ValidationFailed.at(
                ("test_profile",),
                f"There is no profile {profile_id!r}: enter a profile id, or leave it empty.",
            ) from None
    else:
        rendered = render_campaign(campaign, dict.fromkeys(campaign_merge_tags(campaign), ""))
    sender = campaign.from_email or settings.email_from
    return PreparedTest(sender=sender, recipient=recipient, rendered=rendered)


def build_test_message(email: PreparedTest) -> EmailMessage:
    rendered = email.rendered
    message = EmailMessage()
    message["From"] = email.sender
    message["To"] = email.recipient
    message["Subject"] = SUBJECT_PREFIX + rendered.subject
    message["Message-ID"] = make_msgid(domain="flowline.test-send")
    message["Date"] = formatdate(usegmt=True)
    message[TEST_HEADER] = "yes"
    message.set_content(rendered.text or text_from_html(rendered.html))
    message.add_alternative(rendered.html, subtype="html")
    return message


async def send_test(settings: Settings, email: PreparedTest) -> None:
    """Hand the message to the SMTP server; returns once it accepted it.

    A refused recipient or message is a 422 on the address; an unreachable or deferring
    server a 503 (`MailServerUnavailable`). The message says which, in words."""
    host = settings.smtp_host or "127.0.0.1"
    where = f"{host}:{settings.smtp_port}"
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        async with asyncio.timeout(SEND_TIMEOUT):
            await aiosmtplib.send(
                build_test_message(email),
                recipients=[email.recipient],
                hostname=host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password,
                start_tls=settings.smtp_starttls,
                timeout=SEND_TIMEOUT,
            )
    except TimeoutError:
        raise MailServerUnavailable(
            f"The mail server at {where} did not answer in time; nothing was sent."
        ) from None
    except aiosmtplib.SMTPRecipientsRefused as error:
        reply = error.recipients[0] if error.recipients else None
        raise _refused(
            email, reply.code if reply else 550, reply.message if reply else ""
        ) from None
    except aiosmtplib.SMTPResponseException as error:
        if 500 <= error.code < 600:
            raise _refused(email, error.code, error.message) from None
        raise MailServerUnavailable(
            f"The mail server at {where} deferred the message ({error.code} {error.message}); "
            "nothing was sent. Try again later."
        ) from None
    except (aiosmtplib.SMTPException, OSError) as error:
        raise MailServerUnavailable(
            f"Cannot reach the mail server at {where} ({type(error).__name__}); "
            "nothing was sent. Check the SMTP settings."
        ) from None


def _refused(email: PreparedTest, code: int, reply: str) -> ValidationFailed:
    said = f"{code} {reply}".strip()
    return ValidationFailed.at(
        ("test_address",),
        f"The mail server refused to send to {email.recipient} ({said}); nothing was sent.",
    )
