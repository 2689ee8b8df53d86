"""`POST /v1/email-feedback` (generic) and `POST /v1/email-feedback/ses` (Amazon SES by SNS).

The SES endpoint is the subscription URL of an SNS topic: SNS posts its envelope as
`text/plain` and authenticates with HTTP Basic from the URL (`https://any:<ingest key>@host/...`),
so the key is read from Basic auth's password (any user name) as well as from a Bearer header.
A SubscriptionConfirmation is logged with its SubscribeURL for the operator to open: Flowline
never fetches it (no network calls on behalf of a request).
"""

import base64
import binascii
import logging
from typing import Annotated, Any, Literal

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session
from starlette.requests import Request

from flowline.api.authentication import IngestKey, KeyScope, presented_key
from flowline.api.routing import api_router
from flowline.api.strict_json import parse_json
from flowline.core.errors import Unauthorized
from flowline.core.models.suppressions import FeedbackAccepted, FeedbackIn
from flowline.core.services.audit import changes as audit
from flowline.core.services.email_feedback import Feedback, FeedbackTaken, take_feedback
from flowline.core.services.ses_feedback import ses_feedback
from flowline.core.services.suppressions import Suppressor
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep, SettingsDep

router = api_router("/v1/email-feedback", tags=["email feedback"])
log = logging.getLogger(__name__)
MAX_SNS_MESSAGE = 512 * 1024


class BasicUnauthorized(Unauthorized):
    challenge = 'Basic realm="flowline", charset="UTF-8"'

    @property
    def error(self) -> str:
        return "Unauthorized"


class SnsKey(KeyScope):
    """An ingest or admin key, as a Bearer token or as HTTP Basic auth's password."""

    def __init__(self) -> None:
        super().__init__("admin", "ingest")

    def presented(self, request: Request) -> str | None:
        bearer = presented_key(request)
        if bearer is not None:
            return bearer
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _user, colon, password = decoded.partition(":")
        return password if colon and password else None

    def refused(self, detail: str) -> Unauthorized:
        # The challenge SNS needs before it sends the credentials of the subscription URL.
        return BasicUnauthorized(
            f"{detail}: use an ingest key as the password of HTTP Basic auth "
            "(https://sns:<key>@your-host/v1/email-feedback/ses) or send it as a Bearer token"
        )


SnsCaller = Annotated[str, Depends(SnsKey())]


class SnsEnvelope(BaseModel):
    """What SNS posts to an HTTP(S) subscription (other fields are accepted and ignored)."""

    model_config = ConfigDict(extra="ignore")

    Type: Literal["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]
    MessageId: str | None = Field(default=None, min_length=1, max_length=200)
    TopicArn: str | None = Field(default=None, max_length=1000)
    Message: str = Field(
        max_length=MAX_SNS_MESSAGE,
        description="For a Notification, the Amazon SES notification as JSON text.",
    )
    SubscribeURL: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="before")
    @classmethod
    def _text_body(cls, value: Any) -> Any:
        # SNS sends `Content-Type: text/plain`: the body arrives as bytes, still JSON.
        if isinstance(value, bytes | str):
            raw = value.encode() if isinstance(value, str) else value
            try:
                return parse_json(raw)
            except ValueError:
                raise ValueError("Send the SNS message as it was posted: a JSON object.") from None
        return value


class SesAccepted(FeedbackAccepted):
    type: str = Field(description="The SNS message type that was received.")


def _suppressor(settings: SettingsDep) -> Suppressor:
    return Suppressor(tuple(settings.secret_keys()))


def _accepted(taken: FeedbackTaken) -> FeedbackAccepted:
    return FeedbackAccepted(suppressed=taken.suppressed, events=taken.events, unknown=taken.unknown)


def _audited(request: Request, session: Session, taken: FeedbackTaken, via: str) -> FeedbackTaken:
    """Each address the feedback put on the list, in the audit log by the key that sent it."""
    if taken.listed:
        actor = actor_of(request, session)
        for row in taken.listed:
            audit.suppression_added(session, actor, row, via)
    return taken


@router.post("", status_code=202, response_model=FeedbackAccepted)
def post_feedback(
    request: Request, data: FeedbackIn, session: SessionDep, settings: SettingsDep, _: IngestKey
) -> FeedbackAccepted:
    """A bounce or complaint: a permanent bounce or a complaint suppresses the address, and an
    `email_bounced` / `email_complained` event is recorded on the profile it was for."""
    feedback = Feedback(
        data.type,
        data.address,
        permanent=bool(data.permanent) or data.type == "complaint",
        message_id=data.message_id,
        detail=data.detail,
    )
    taken = take_feedback(session, _suppressor(settings), [feedback])
    return _accepted(_audited(request, session, taken, "email feedback"))


@router.post("/ses", status_code=200, response_model=SesAccepted)
def post_ses_feedback(
    request: Request,
    envelope: SnsEnvelope,
    session: SessionDep,
    settings: SettingsDep,
    _: SnsCaller,
) -> SesAccepted:
    """Amazon SES bounce and complaint notifications as SNS posts them (`text/plain` JSON);
    a SubscriptionConfirmation is logged for the operator, never fetched."""
    if envelope.Type != "Notification":
        log.warning(
            "SNS %s for topic %s: to confirm the subscription, open %s "
            "(Flowline never fetches it itself)",
            envelope.Type,
            envelope.TopicArn or "(unnamed)",
            envelope.SubscribeURL or "the SubscribeURL of the message",
        )
        return SesAccepted(type=envelope.Type, suppressed=0, events=0, unknown=0)
    items = ses_feedback(envelope.Message, envelope.MessageId)
    taken = take_feedback(session, _suppressor(settings), items)
    _audited(request, session, taken, "Amazon SES feedback")
    return SesAccepted(type=envelope.Type, **_accepted(taken).model_dump())
