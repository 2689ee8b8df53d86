"""Amazon SES notifications (as SNS delivers them) read as Flowline feedback.

The SNS envelope's `Message` is the SES notification as a JSON string: `notificationType`
(or `eventType`, for configuration-set event publishing) `Bounce` with `bounce.bounceType`
`Permanent` | `Transient` | `Undetermined` and `bounce.bouncedRecipients`, or `Complaint` with
`complaint.complainedRecipients`; `mail.commonHeaders.messageId` (or the `Message-ID` among
`mail.headers`) is the Message-ID we sent. Only `Permanent` bounces and complaints suppress;
`Undetermined` is taken as transient. Other notification types (Delivery, Send, Open, ...)
are accepted and ignored.
"""

import json
from typing import Any

from flowline.core.errors import ValidationFailed
from flowline.core.services.email_feedback import Feedback
from flowline.definitions.mailbox import single_mailbox

NOT_SES = (
    "Send the Amazon SES notification as SNS posts it: `Message` must be the JSON text of a "
    "notification with notificationType Bounce or Complaint."
)


def ses_feedback(message: str, notification_id: str | None) -> list[Feedback]:
    """One Feedback per bounced or complaining recipient; refused in words when unreadable."""
    try:
        notification = json.loads(message)
    except ValueError:
        raise ValidationFailed.at(["Message"], NOT_SES) from None
    if not isinstance(notification, dict):
        raise ValidationFailed.at(["Message"], NOT_SES)
    kind = notification.get("notificationType") or notification.get("eventType")
    if kind == "Bounce":
        return _bounces(notification, notification_id)
    if kind == "Complaint":
        return _complaints(notification, notification_id)
    if isinstance(kind, str):
        return []  # Delivery, Send, Reject, Open, ...: nothing to do here
    raise ValidationFailed.at(["Message"], NOT_SES)


def _section(notification: dict[str, Any], name: str) -> dict[str, Any]:
    section = notification.get(name)
    if not isinstance(section, dict):
        raise ValidationFailed.at(["Message", name], f"{NOT_SES} `{name}` is missing.")
    return section


def _recipients(section: dict[str, Any], field: str) -> list[dict[str, Any]]:
    listed = section.get(field)
    if not isinstance(listed, list) or not all(isinstance(r, dict) for r in listed):
        raise ValidationFailed.at(["Message", field], f"{NOT_SES} `{field}` must be a list.")
    return listed


def _address(recipient: dict[str, Any]) -> str | None:
    raw = recipient.get("emailAddress")
    if not isinstance(raw, str):
        return None
    # SES may write `Name <address>`: the address between the angle brackets.
    if raw.rstrip().endswith(">") and "<" in raw:
        raw = raw.rstrip()[raw.rindex("<") + 1 : -1]
    return single_mailbox(raw)


def _message_id(notification: dict[str, Any]) -> str | None:
    mail = notification.get("mail")
    if not isinstance(mail, dict):
        return None
    common = mail.get("commonHeaders")
    if isinstance(common, dict) and isinstance(common.get("messageId"), str):
        return str(common["messageId"])
    for header in mail.get("headers") or []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == "message-id":
            value = header.get("value")
            return value if isinstance(value, str) else None
    return None


def _dedupe(section: dict[str, Any], notification_id: str | None, address: str) -> str | None:
    feedback_id = section.get("feedbackId") or notification_id
    return f"ses {feedback_id} {address.lower()}" if isinstance(feedback_id, str) else None


def _bounces(notification: dict[str, Any], notification_id: str | None) -> list[Feedback]:
    bounce = _section(notification, "bounce")
    permanent = bounce.get("bounceType") == "Permanent"
    kind = " ".join(
        str(bounce[key])
        for key in ("bounceType", "bounceSubType")
        if isinstance(bounce.get(key), str)
    )
    message_id = _message_id(notification)
    found = []
    for recipient in _recipients(bounce, "bouncedRecipients"):
        address = _address(recipient)
        if address is None:
            continue
        diagnostic = recipient.get("diagnosticCode") or recipient.get("status")
        detail = f"SES {kind} bounce" + (f": {diagnostic}" if isinstance(diagnostic, str) else "")
        found.append(
            Feedback(
                "bounce",
                address,
                permanent=permanent,
                message_id=message_id,
                detail=detail,
                dedupe=_dedupe(bounce, notification_id, address),
            )
        )
    return found


def _complaints(notification: dict[str, Any], notification_id: str | None) -> list[Feedback]:
    complaint = _section(notification, "complaint")
    feedback_type = complaint.get("complaintFeedbackType")
    detail = "SES complaint" + (f" ({feedback_type})" if isinstance(feedback_type, str) else "")
    message_id = _message_id(notification)
    found = []
    for recipient in _recipients(complaint, "complainedRecipients"):
        address = _address(recipient)
        if address is None:
            continue
        found.append(
            Feedback(
                "complaint",
                address,
                permanent=True,
                message_id=message_id,
                detail=detail,
                dedupe=_dedupe(complaint, notification_id, address),
            )
        )
    return found
