"""The suppression list: addresses no workflow email goes to, whoever the profile is.

One row per address, kept as a keyed hash (HMAC-SHA256 of the normalised address with
FLOWLINE_SECRET_KEY) and a masked form for people (`a***@example.com`): the plain address is
stored nowhere, and erasing a profile leaves its suppression in place.
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator
from sqlmodel import Column, SQLModel, String, Text
from sqlmodel import Field as TableField

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow
from flowline.definitions.mailbox import single_mailbox

Reason = Literal["hard_bounce", "complaint", "manual"]
MAX_ADDRESS = 254  # RFC 5321's limit on a forward path
MAX_DETAIL = 500


class Suppression(SQLModel, table=True):
    __tablename__ = "suppressions"
    __table_args__ = (NEVER_REUSED,)
    id: int | None = TableField(default=None, primary_key=True, sa_type=ID_TYPE)
    # Hex HMAC-SHA256 of the normalised address: the only way to find a row by its address.
    address_hash: str = TableField(sa_column=Column(String(64), nullable=False, unique=True))
    masked: str = TableField(sa_column=Column(String(300), nullable=False))
    reason: str = TableField(max_length=20)
    detail: str | None = TableField(default=None, sa_column=Column(Text))
    created_at: datetime = TableField(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class SuppressionPublic(BaseModel):
    id: int
    address: str = Field(description="The masked address, such as `a***@example.com`.")
    reason: str
    detail: str | None
    created_at: datetime


EMAIL: dict[str, Any] = {"format": "email"}
ADDRESS_WORDS = "Enter one email address, such as ann@example.com."


def checked_address(value: str) -> str:
    """The address as given (spaces around it forgiven) if it is exactly one mailbox."""
    address = single_mailbox(value)
    if address is None:
        raise ValueError(ADDRESS_WORDS)
    return address


class SuppressionAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(
        max_length=MAX_ADDRESS, description="One email address.", json_schema_extra=EMAIL
    )

    @field_validator("address")
    @classmethod
    def _one_address(cls, value: str) -> str:
        return checked_address(value)


class SuppressionIn(SuppressionAddress):
    reason: Reason = Field(
        default="manual", description="`hard_bounce`, `complaint` or `manual` (the default)."
    )
    detail: str | None = Field(default=None, max_length=MAX_DETAIL)


class FeedbackIn(BaseModel):
    """A bounce or a complaint, as a mail provider reports it."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["bounce", "complaint"]
    address: str = Field(
        max_length=MAX_ADDRESS, description="The recipient's address.", json_schema_extra=EMAIL
    )
    permanent: StrictBool | None = Field(
        default=None,
        description="A bounce: true for a permanent (hard) bounce, which suppresses the address, "
        "false for a transient one. A complaint always suppresses.",
    )
    message_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=998,
        description="The Message-ID of the email the feedback is about, when known.",
    )
    detail: str | None = Field(default=None, max_length=MAX_DETAIL)

    @field_validator("address")
    @classmethod
    def _one_address(cls, value: str) -> str:
        return checked_address(value)

    @model_validator(mode="after")
    def _bounce_says_permanent(self) -> "FeedbackIn":
        if self.type == "bounce" and self.permanent is None:
            raise ValueError("Say whether the bounce is permanent: permanent true or false.")
        return self


class FeedbackAccepted(BaseModel):
    suppressed: int = Field(description="Addresses put on (or already on) the suppression list.")
    events: int = Field(description="`email_bounced` / `email_complained` events recorded.")
    unknown: int = Field(description="Feedback for an address no profile was found for.")
