"""The links each tracked mail had, stored with its delivery, and what a token leads to.

Links are written in the transaction that writes the delivery (the moment the SMTP server
accepted the mail), so a delivery on record has its links too. A retried attempt writes the
same rows again: they are keyed on (delivery, position) and the first ones stay.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlmodel import Session, col

from flowline.core.models.engagement import EmailLink
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.services.engagement.tokens import TrackedDelivery, TrackedLink
from flowline.core.services.enrollments.records import ERASED_REASON, delivery_of
from flowline.core.services.sql import insert_rows, table_of


def store_links(session: Session, enrollment_id: int, step_path: str, links: Sequence[str]) -> None:
    """Each position's address, as the mail had it; a link already stored is kept."""
    if not links:
        return
    delivery = delivery_of(session, enrollment_id, step_path)
    if delivery is None:
        return
    rows = [
        {"delivery_id": delivery.id, "position": position, "url": url}
        for position, url in enumerate(links)
    ]
    insert_rows(session, table_of(EmailLink), rows, conflict=("delivery_id", "position"))


@dataclass(frozen=True)
class Engaged:
    """The sent mail an open or a click belongs to, with what its event tells."""

    delivery_id: int
    profile_id: str
    erased: bool  # the enrollment was erased with its profile: nothing goes to that id again
    workflow_id: int
    version: int
    step_path: str
    campaign_id: int | None
    sent_at: datetime | None
    position: int | None = None
    url: str | None = None


_COLUMNS = (
    col(Delivery.id),
    col(Enrollment.profile_id),
    col(Enrollment.exit_reason),
    col(Delivery.workflow_id),
    col(Delivery.version),
    col(Delivery.step_path),
    col(Delivery.campaign_id),
    col(Delivery.created_at),
)


def _sent_email(enrollment_id: int, step_path: str) -> Any:
    return (
        select(*_COLUMNS)
        .join(Enrollment, col(Enrollment.id) == col(Delivery.enrollment_id))
        .where(
            col(Delivery.enrollment_id) == enrollment_id,
            col(Delivery.step_path) == step_path,
            col(Delivery.type) == "email",
            col(Delivery.status) == "sent",
        )
    )


def _engaged(row: Any, position: int | None = None, url: str | None = None) -> Engaged:
    delivery_id, profile_id, exit_reason, workflow_id, version, path, campaign_id, at = row[:8]
    return Engaged(
        delivery_id=delivery_id,
        profile_id=profile_id,
        erased=exit_reason == ERASED_REASON,
        workflow_id=workflow_id,
        version=version,
        step_path=path,
        campaign_id=campaign_id,
        sent_at=at,
        position=position,
        url=url,
    )


def opened_delivery(session: Session, tracked: TrackedDelivery) -> Engaged | None:
    """The sent mail an open token names, if it is on record."""
    row = session.execute(_sent_email(tracked.enrollment_id, tracked.step_path)).first()
    return None if row is None else _engaged(row)


def clicked_link(session: Session, tracked: TrackedLink) -> Engaged | None:
    """The link a click token names, as that mail had it; None once erased or never stored."""
    query = _sent_email(tracked.enrollment_id, tracked.step_path).add_columns(col(EmailLink.url))
    query = query.join(
        EmailLink,
        and_(
            col(EmailLink.delivery_id) == col(Delivery.id),
            col(EmailLink.position) == tracked.position,
        ),
    )
    row = session.execute(query).first()
    return None if row is None else _engaged(row, tracked.position, row[8])
