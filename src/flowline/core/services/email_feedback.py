"""What happened to an email after it left: hard bounces at send, and bounce and complaint
feedback from the mail provider (`POST /v1/email-feedback`, `/v1/email-feedback/ses`).

A permanent bounce or a complaint suppresses the address (core/services/suppressions.py); a
transient bounce does not. Each becomes an event on the profile it was for, through normal
ingestion (triggers, goals, `wait_for_event`, segments): `email_bounced`
`{permanent, reason, delivery_id?}` or `email_complained` `{reason?, delivery_id?}`. A
permanent bounce or a complaint that names one of our deliveries also counts in its campaign's
and step's figures (core/services/feedback_engagement.py).

Which profile: the one whose delivery the feedback's `message_id` names (our Message-ID,
definitions/message_ids.py), when it names one of ours and that profile still exists; else
every profile (at most `MAX_PROFILES`) whose `email` property holds the address, as written or
in lower case. No profile found: the address is still suppressed, and no event is recorded.
An erased profile is never re-created by feedback.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlmodel import Session, col, select

from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.event_schemas import EventIn
from flowline.core.models.profiles import Profile, ProfileSearchEntry
from flowline.core.models.suppressions import Reason, SuppressionPublic
from flowline.core.services.feedback_engagement import record_feedback
from flowline.core.services.ingestion.changes import apply_changes
from flowline.core.services.suppressions import Suppressor, scrubbed
from flowline.definitions.message_ids import read_message_id, step_digest

BOUNCED = "email_bounced"
COMPLAINED = "email_complained"
EMAIL_PROPERTY = "email"
MAX_PROFILES = 10


@dataclass(frozen=True)
class Feedback:
    type: Literal["bounce", "complaint"]
    address: str
    permanent: bool
    message_id: str | None = None
    detail: str | None = None
    # Repeats of one notification (a provider retrying) record one event.
    dedupe: str | None = None


@dataclass
class FeedbackTaken:
    suppressed: int = 0
    events: int = 0
    unknown: int = 0  # addresses no profile was found for
    profiles: list[str] = field(default_factory=list)
    # The addresses this feedback put on the list (not those already on it): for the audit log.
    listed: list[SuppressionPublic] = field(default_factory=list)


def take_feedback(session: Session, suppressor: Suppressor, items: list[Feedback]) -> FeedbackTaken:
    taken = FeedbackTaken()
    events: list[EventIn] = []
    for item in items:
        detail = scrubbed(item.detail)
        if item.type == "complaint" or item.permanent:
            reason: Reason = "complaint" if item.type == "complaint" else "hard_bounce"
            row, new = suppressor.add(
                session, item.address, reason, detail or _default_detail(item)
            )
            taken.suppressed += 1
            if new:
                taken.listed.append(row)
        delivery, profiles = _profiles_for(session, item)
        if delivery is not None and (item.type == "complaint" or item.permanent):
            record_feedback(
                session, delivery, "complaint" if item.type == "complaint" else "bounce"
            )
        if not profiles:
            taken.unknown += 1
        for profile_id in profiles:
            events.append(_event(item, profile_id, delivery, detail))
            taken.profiles.append(profile_id)
    if events:
        result = apply_changes(session, events=events)
        taken.events = result.accepted
    return taken


def record_hard_bounce(
    session: Session,
    suppressor: Suppressor,
    *,
    address: str,
    enrollment_id: int,
    step_path: str,
    reason: str,
) -> None:
    """An SMTP 5xx to RCPT or DATA: the address suppressed, `email_bounced` on the profile."""
    suppressor.add(session, address, "hard_bounce", reason)
    delivery = session.exec(
        select(Delivery).where(
            col(Delivery.enrollment_id) == enrollment_id, col(Delivery.step_path) == step_path
        )
    ).first()
    if delivery is not None:  # counted in the figures even if the profile is gone
        record_feedback(session, delivery, "bounce")
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or session.get(Profile, enrollment.profile_id) is None:
        return
    item = Feedback("bounce", address, permanent=True, detail=reason)
    apply_changes(session, events=[_event(item, enrollment.profile_id, delivery, reason)])


def _default_detail(item: Feedback) -> str:
    return "complaint" if item.type == "complaint" else "permanent bounce"


def _event(
    item: Feedback, profile_id: str, delivery: Delivery | None, detail: str | None
) -> EventIn:
    properties: dict[str, Any] = {}
    if item.type == "bounce":
        name = BOUNCED
        properties["permanent"] = item.permanent
        properties["reason"] = detail or ("permanent bounce" if item.permanent else "transient")
    else:
        name = COMPLAINED
        if detail:
            properties["reason"] = detail
    if delivery is not None:
        properties["delivery_id"] = delivery.id
    key = item.dedupe or (f"delivery {delivery.id}" if delivery is not None else None)
    message_id = None
    if key is not None:
        digest = hashlib.sha256(f"{name}:{key}".encode(errors="surrogatepass")).hexdigest()[:40]
        message_id = f"{name}:{digest}"
    return EventIn(profile_id=profile_id, name=name, properties=properties, message_id=message_id)


def delivery_of_message(session: Session, message_id: str) -> tuple[Delivery, str] | None:
    """The delivery and profile id one of our Message-IDs names, if it names one."""
    ours = read_message_id(message_id)
    if ours is None:
        return None
    digest, enrollment_id = ours
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None:
        return None
    deliveries = session.exec(
        select(Delivery).where(
            col(Delivery.enrollment_id) == enrollment_id, col(Delivery.type) == "email"
        )
    ).all()
    for delivery in deliveries:
        path_digest = step_digest(
            enrollment.temporal_workflow_id, enrollment.temporal_run_id, delivery.step_path
        )
        if path_digest == digest:
            return delivery, enrollment.profile_id
    return None


def _profiles_for(session: Session, item: Feedback) -> tuple[Delivery | None, list[str]]:
    if item.message_id:
        found = delivery_of_message(session, item.message_id)
        if found is not None:
            delivery, profile_id = found
            alive = session.get(Profile, profile_id) is not None
            return delivery, [profile_id] if alive else []
    texts = list(dict.fromkeys([item.address.strip(), item.address.strip().lower()]))
    profile_ids = session.exec(
        select(ProfileSearchEntry.profile_id)
        .where(
            col(ProfileSearchEntry.name) == EMAIL_PROPERTY,
            col(ProfileSearchEntry.value).in_(texts),
        )
        .order_by(col(ProfileSearchEntry.profile_id))
        .limit(MAX_PROFILES)
    ).all()
    return None, list(dict.fromkeys(profile_ids))
