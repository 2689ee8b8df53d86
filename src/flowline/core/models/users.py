"""People who sign in to the web UI: their account, one-time links, sessions, and the lock
that slows down password guessing.

Nothing secret is stored as given: passwords as Argon2id hashes, one-time tokens and session
ids as SHA-256 hashes (the plain value lives only in the link or the cookie), and the lock is
found by a keyed hash of the address, so an address nobody has does not sit in the database.
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Column, Field, SQLModel, String

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow
from flowline.definitions.mailbox import single_mailbox

Role = Literal["admin", "editor", "viewer"]
TokenPurpose = Literal["set_password", "invite", "reset"]
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_NAME = 200


def normalised_email(value: object) -> str:
    """One mailbox, lower case: the same person whatever case they type it in."""
    address = single_mailbox(value)
    if address is None:
        raise ValueError("Enter one e-mail address, such as anna@example.com.")
    return address.lower()


class UserBase(SQLModel):
    email: str = Field(max_length=MAX_EMAIL)
    name: str = Field(default="", max_length=MAX_NAME)
    role: Role = Field(default="viewer", sa_type=String(20))


EMAIL: dict[str, Any] = {"format": "email"}


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = PydanticField(
        max_length=MAX_EMAIL, description="One email address.", json_schema_extra=EMAIL
    )
    name: str = PydanticField(default="", max_length=MAX_NAME)
    role: Role = PydanticField(default="viewer", description="`admin`, `editor` or `viewer`.")

    @field_validator("email")
    @classmethod
    def _one_mailbox(cls, value: str) -> str:
        return normalised_email(value)

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()


class UserUpdate(BaseModel):
    """Only the fields given change; `disabled: true` ends the user's sessions at once."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = PydanticField(default=None, max_length=MAX_NAME)
    role: Role | None = None
    disabled: StrictBool | None = None


class User(UserBase, table=True):
    __tablename__ = "users"
    __table_args__ = NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    email: str = Field(max_length=MAX_EMAIL, unique=True)
    disabled: bool = False
    # Argon2id in PHC form; None until the person sets one through their one-time link.
    password_hash: str | None = Field(default=None, max_length=200)
    last_sign_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class UserPublic(UserBase):
    id: int
    disabled: bool
    last_sign_in_at: datetime | None
    created_at: datetime


class UserInvited(UserPublic):
    """A new user and the one-time link that lets them set their password (shown once)."""

    set_password_url: str


class UserToken(SQLModel, table=True):
    """A one-time link: set the first password, accept an invitation, reset a password."""

    __tablename__ = "user_tokens"
    __table_args__ = NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE", sa_type=ID_TYPE)
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class UserSession(SQLModel, table=True):
    """A signed-in browser: the cookie carries only the id, the table the rest."""

    __tablename__ = "user_sessions"
    __table_args__ = NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE", sa_type=ID_TYPE)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    # Written at most once a minute per session (see services.users.sessions).
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class SignInLock(SQLModel, table=True):
    """Failed sign-ins of one address (known or not) in the current window, and its lock."""

    __tablename__ = "sign_in_locks"
    address_hash: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    window_started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
