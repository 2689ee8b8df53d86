"""Bounces, complaints and unsubscribes counted against the email they concern: one
`email_engagements` row per delivery and kind, read by the campaign and step figures
(core/services/email_figures.py). Opens and clicks are written where they are tracked.

Only feedback that names a delivery counts: our Message-ID in a bounce or complaint, the
enrollment and step in an unsubscribe link. Feedback found only by address still suppresses and
still becomes an event on the profile, but no email's figures can claim it.
"""

from typing import Literal

from sqlmodel import Session, col, select

from flowline.core.models.engagement import EmailEngagement
from flowline.core.models.enrollments import Delivery

FeedbackKind = Literal["bounce", "complaint", "unsubscribe"]


def record_feedback(session: Session, delivery: Delivery, kind: FeedbackKind) -> bool:
    """Count `kind` once for the delivery (a provider's retry or a second click adds nothing);
    True when this call recorded it. Figures count unique deliveries anyway."""
    assert delivery.id is not None
    earlier = session.exec(
        select(EmailEngagement.id)
        .where(col(EmailEngagement.delivery_id) == delivery.id, col(EmailEngagement.kind) == kind)
        .limit(1)
    ).first()
    if earlier is not None:
        return False
    session.add(
        EmailEngagement(
            delivery_id=delivery.id,
            campaign_id=delivery.campaign_id,
            workflow_id=delivery.workflow_id,
            version=delivery.version,
            step_path=delivery.step_path,
            kind=kind,
            machine=False,  # a person's (or their provider's) answer, never a prefetch
        )
    )
    session.flush()
    return True
