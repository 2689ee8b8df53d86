"""What happened to a sent email after it left: the links it carried, and each open, click,
bounce, complaint and unsubscribe recorded against its delivery (DESIGN §2 "Engagement and
deliverability")."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, false
from sqlmodel import Column, Field, SQLModel, Text

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow

# `open`, `click`, `bounce`, `complaint`, `unsubscribe`
ENGAGEMENT_KINDS = ("open", "click", "bounce", "complaint", "unsubscribe")


class EmailLink(SQLModel, table=True):
    """A link exactly as one recipient's mail had it (merge tags rendered): a click token names
    the delivery and the position, and the redirect goes to this URL, never to the request's."""

    __tablename__ = "email_links"
    __table_args__ = (UniqueConstraint("delivery_id", "position"), NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    delivery_id: int = Field(foreign_key="deliveries.id", ondelete="CASCADE", sa_type=ID_TYPE)
    position: int
    url: str = Field(sa_column=Column(Text, nullable=False))


class EmailEngagement(SQLModel, table=True):
    """One open, click, bounce, complaint or unsubscribe of a delivery. `machine` marks what a
    prefetching agent or a link scanner did: kept, but out of the unique human rates."""

    __tablename__ = "email_engagements"
    __table_args__ = (
        # Campaign figures: unique deliveries per kind, human or machine, from the index alone.
        Index("ix_email_engagements_campaign", "campaign_id", "kind", "machine", "delivery_id"),
        # Per Send email step of one workflow version, the same.
        Index(
            "ix_email_engagements_step",
            "workflow_id",
            "version",
            "step_path",
            "kind",
            "machine",
            "delivery_id",
        ),
        NEVER_REUSED,
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    delivery_id: int = Field(
        foreign_key="deliveries.id", index=True, ondelete="CASCADE", sa_type=ID_TYPE
    )
    campaign_id: int | None = Field(default=None, sa_type=ID_TYPE)
    workflow_id: int | None = Field(default=None, sa_type=ID_TYPE)
    # The delivery's workflow version: a step's figures count one version. Rows written without
    # it (None) are matched with their delivery's version instead (slower, still right).
    version: int | None = None
    step_path: str | None = Field(default=None, max_length=100)
    kind: str = Field(max_length=20)
    link_position: int | None = None
    machine: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
