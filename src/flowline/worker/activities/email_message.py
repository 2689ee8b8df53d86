"""What goes out: the one recipient, the MIME message, and its stable Message-ID."""

import io
import re
from email import policy
from email.generator import BytesGenerator
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

from flowline.definitions.mailbox import single_mailbox
from flowline.definitions.message_ids import header_message_id, step_digest
from flowline.definitions.plain_text import text_from_html
from flowline.definitions.templates import RenderedEmail
from flowline.worker.contracts import SendEmailInput


class InvalidSender(ValueError):
    """The campaign's From cannot be sent (not one address, or a line break in it)."""


def sender_address(from_header: str) -> str:
    """The envelope sender of a From header: `hello@x.test` or `Flowline <hello@x.test>`."""
    if "\r" in from_header or "\n" in from_header:
        raise InvalidSender("line break in the sender")
    display_form = re.fullmatch(r"[^<>]*<([^<>]+)>\s*", from_header.strip())
    address = single_mailbox(display_form.group(1) if display_form else from_header)
    if address is None:
        raise InvalidSender("the sender is not one address")
    return address


def message_id(input: SendEmailInput) -> str:
    """Stable across retries of this step of this enrollment: the key of its attempts."""
    ref = input.enrollment
    return f"<{step_digest(ref.temporal_workflow_id, ref.run_id, input.path)}@flowline>"


def message_id_header(input: SendEmailInput, enrollment_id: int) -> str:
    """The Message-ID the email carries: stable across retries, so receivers can de-duplicate,
    and naming its enrollment, so a bounce that quotes it finds the delivery."""
    ref = input.enrollment
    digest = step_digest(ref.temporal_workflow_id, ref.run_id, input.path)
    return header_message_id(digest, enrollment_id)


def build_message(
    *,
    sender: str,
    recipient: str,
    rendered: RenderedEmail,
    message_id: str,
    unsubscribe_url: str | None = None,
) -> Message:
    """A multipart/alternative message; a campaign without a text body gets one from its HTML.

    With an unsubscribe link, the RFC 8058 headers: mail clients offer one-click unsubscribe.
    Built with the `compat32` MIME classes, whose serialisation costs a quarter of the modern
    policy's (it was the email activity's largest single cost); a sender that is not plain
    ASCII takes the modern, slower path, which knows how to write it.
    """
    text = rendered.text or text_from_html(rendered.html)
    headers = {
        "From": sender,
        "To": recipient,
        "Message-ID": message_id,
        "Date": formatdate(usegmt=True),
    }
    if unsubscribe_url is not None:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if not all(value.isascii() for value in headers.values()):
        return _modern_message(headers, rendered.subject, text, rendered.html)
    message = MIMEMultipart("alternative")
    for name, value in headers.items():
        message[name] = value
    subject = rendered.subject
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")  # type: ignore[assignment]
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(rendered.html, "html", "utf-8"))
    return message


def _modern_message(headers: dict[str, str], subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    for name, value in headers.items():
        message[name] = value
    message["Subject"] = subject
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


# Lines up to RFC 5322's limit: a header is never folded before its value (a folded
# `List-Unsubscribe` keeps a leading space some readers do not strip).
_COMPAT_WIRE = policy.compat32.clone(linesep="\r\n", max_line_length=998)


def message_bytes(message: Message) -> bytes:
    """The message as it goes on the wire (CRLF line ends)."""
    out = io.BytesIO()
    wire = policy.SMTP if isinstance(message, EmailMessage) else _COMPAT_WIRE
    BytesGenerator(out, policy=wire).flatten(message)
    return out.getvalue()
