"""GDPR erasure of a profile: the database at once, Temporal through the outbox
(erasure_jobs.py).

In the request's transaction (`erase_profile`) the profile's properties, events, counters,
segment memberships and outbox intents (pending and done) are deleted, its running enrollments
are recorded `exited` / `profile_deleted`, and its deliveries keep their status (the figures) but
lose their detail (the address, the response) and their tracked links (merge tags in them). An
`erase_profile` intent then deletes from Temporal every run of the enrollments it had up to that
moment (`DeleteWorkflowExecution` terminates a running one first), so no history keeps its data.
It waits in the outbox while Temporal is away, like any intent.

A new event for the same id afterwards creates a new profile. The late Temporal step touches only
enrollments started up to the erasure (`erased_at`), and deletes no intent: the new profile's
intents, written after the erasure, stay.
"""

from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from flowline.core.models.email_sends import EmailSend
from flowline.core.models.engagement import EmailLink
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.events import Event, EventCounter
from flowline.core.models.profiles import Profile
from flowline.core.models.segments import SegmentMembership
from flowline.core.services.enrollments.records import ERASED_DETAIL, ERASED_REASON
from flowline.core.services.outbox.intents import ERASE, add_intents, delete_profile_intents
from flowline.core.timestamps import utcnow


def erase_profile(session: Session, profile_id: str) -> None:
    """Erase what the database holds about the profile now; idempotent (unknown ids included)."""
    now = utcnow()
    # Locked like ingestion locks it: an event being ingested for it lands before or after.
    profile = session.exec(
        select(Profile).where(col(Profile.id) == profile_id).with_for_update()
    ).first()
    for model in (Event, EventCounter, SegmentMembership, EmailSend):
        session.execute(delete(model).where(col(model.profile_id) == profile_id))
    if profile is not None:
        session.delete(profile)
    enrolled = exit_erased_enrollments(session, profile_id, now)
    delete_profile_intents(session, profile_id)
    if profile is not None or enrolled:
        add_intents(session, [(ERASE, {"profile_id": profile_id, "erased_at": now.isoformat()})])


def exit_erased_enrollments(session: Session, profile_id: str, up_to: datetime) -> int:
    """Record the running enrollments exited and scrub every delivery; how many enrollments."""
    erased = (col(Enrollment.profile_id) == profile_id, col(Enrollment.started_at) <= up_to)
    session.execute(
        update(Enrollment)
        .where(*erased, col(Enrollment.status) == "active")
        .values(status="exited", exit_reason=ERASED_REASON, ended_at=utcnow())
    )
    of_erased = col(Delivery.enrollment_id).in_(select(Enrollment.id).where(*erased))
    session.execute(update(Delivery).where(of_erased).values(detail=ERASED_DETAIL, facts=None))
    # A tracked link is the address as that mail had it, merge tags filled in: gone with the
    # profile (its clicks then find no link). The opens and clicks recorded hold no value.
    session.execute(
        delete(EmailLink).where(
            col(EmailLink.delivery_id).in_(select(Delivery.id).where(of_erased))
        )
    )
    # Their timelines keep what happened, not to whom or with which values.
    session.execute(update(Enrollment).where(*erased).values(entered=None))
    return session.exec(select(func.count()).select_from(Enrollment).where(*erased)).one()
