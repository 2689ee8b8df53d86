"""One-click unsubscribe (RFC 8058): signed links, and what following one does.

The token, HMAC-signed with the first of FLOWLINE_SECRET_KEY's secrets, is the authority: it
names the profile, the workflow and the consent property to switch off, and (links sent since
the figures count unsubscribes) the enrollment and step of the email that carried it, so the
unsubscribe counts against that email's delivery. A forged or altered token is unknown (404);
one signed with a secret still listed after it is read.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from itsdangerous import BadData, URLSafeSerializer
from sqlmodel import Session, col, select

from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.event_schemas import EventIn
from flowline.core.models.profiles import Profile
from flowline.core.services.feedback_engagement import record_feedback
from flowline.core.services.ingestion.changes import apply_changes

_SALT = "flowline.unsubscribe"
MAX_TOKEN = 2000
UNSUBSCRIBED_EVENT = "unsubscribed"


@dataclass(frozen=True)
class Unsubscription:
    profile_id: str
    workflow_id: int
    consent_property: str
    # The email that carried the link (its delivery is written once it is sent); None in
    # links sent before these were named.
    enrollment_id: int | None = None
    step_path: str | None = None

    def signed_part(self) -> list[Any]:
        named = [self.profile_id, self.workflow_id, self.consent_property]
        if self.enrollment_id is not None and self.step_path is not None:
            named += [self.enrollment_id, self.step_path]
        return named


def _serializer(keys: Sequence[bytes]) -> URLSafeSerializer:
    # itsdangerous signs with the last key and verifies with any.
    return URLSafeSerializer(list(reversed(keys)), salt=_SALT)


def unsubscribe_token(secret: bytes, what: Unsubscription) -> str:
    return str(_serializer([secret]).dumps(what.signed_part()))


def unsubscribe_url(public_url: str, secret: bytes, what: Unsubscription) -> str:
    return f"{public_url.rstrip('/')}/u/{unsubscribe_token(secret, what)}"


def read_token(keys: Sequence[bytes], token: str) -> Unsubscription | None:
    """What a token stands for, or None when no key Flowline holds signed it (after a rotation,
    links signed with an older key work while it is still listed)."""
    if len(token) > MAX_TOKEN:
        return None
    try:
        data = _serializer(keys).loads(token)
    except (BadData, UnicodeError, ValueError):
        return None
    if (
        not isinstance(data, list)
        or len(data) not in (3, 5)
        or not isinstance(data[0], str)
        or type(data[1]) is not int
        or not isinstance(data[2], str)
    ):
        return None
    what = Unsubscription(profile_id=data[0], workflow_id=data[1], consent_property=data[2])
    if len(data) == 3:
        return what
    if type(data[3]) is not int or not isinstance(data[4], str):
        return None
    return replace(what, enrollment_id=data[3], step_path=data[4])


def unsubscribe(session: Session, what: Unsubscription) -> bool:
    """Switch the consent property off and record an `unsubscribed` event, once.

    An erased profile stays erased (nothing is re-created). Returns whether anything changed.
    """
    profile = session.get(Profile, what.profile_id)
    if profile is None:
        return False
    if profile.properties.get(what.consent_property) is False:
        return False  # already unsubscribed: a second click records nothing new
    apply_changes(
        session,
        events=[
            EventIn(
                profile_id=what.profile_id,
                name=UNSUBSCRIBED_EVENT,
                properties={"workflow_id": what.workflow_id},
            )
        ],
        properties={what.profile_id: {what.consent_property: False}},
    )
    delivery = _email_of(session, what)
    if delivery is not None:
        record_feedback(session, delivery, "unsubscribe")
    return True


def _email_of(session: Session, what: Unsubscription) -> Delivery | None:
    """The delivery of the email whose link this was, if the link names one of this profile's."""
    if what.enrollment_id is None or what.step_path is None:
        return None
    enrollment = session.get(Enrollment, what.enrollment_id)
    if enrollment is None or enrollment.profile_id != what.profile_id:
        return None
    return session.exec(
        select(Delivery).where(
            col(Delivery.enrollment_id) == what.enrollment_id,
            col(Delivery.step_path) == what.step_path,
        )
    ).first()
