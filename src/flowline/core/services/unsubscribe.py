"""One-click unsubscribe (RFC 8058): signed links, and what following one does.

The token, HMAC-signed with FLOWLINE_SECRET_KEY, is the authority: it names the profile, the
workflow and the consent property to switch off. A forged or altered token is unknown (404).
"""

from dataclasses import dataclass

from itsdangerous import BadData, URLSafeSerializer
from sqlmodel import Session

from flowline.core.models.profiles import Profile
from flowline.core.services.ingestion import EventIn, apply_changes

_SALT = "flowline.unsubscribe"
MAX_TOKEN = 2000
UNSUBSCRIBED_EVENT = "unsubscribed"


@dataclass(frozen=True)
class Unsubscription:
    profile_id: str
    workflow_id: int
    consent_property: str


def _serializer(secret: bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def unsubscribe_token(secret: bytes, what: Unsubscription) -> str:
    return str(
        _serializer(secret).dumps([what.profile_id, what.workflow_id, what.consent_property])
    )


def unsubscribe_url(public_url: str, secret: bytes, what: Unsubscription) -> str:
    return f"{public_url.rstrip('/')}/u/{unsubscribe_token(secret, what)}"


def read_token(secret: bytes, token: str) -> Unsubscription | None:
    """What a token stands for, or None when it is not one Flowline signed."""
    if len(token) > MAX_TOKEN:
        return None
    try:
        data = _serializer(secret).loads(token)
    except (BadData, UnicodeError, ValueError):
        return None
    if (
        not isinstance(data, list)
        or len(data) != 3
        or not isinstance(data[0], str)
        or type(data[1]) is not int
        or not isinstance(data[2], str)
    ):
        return None
    return Unsubscription(profile_id=data[0], workflow_id=data[1], consent_property=data[2])


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
    return True
