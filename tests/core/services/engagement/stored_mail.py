"""A sent, tracked mail on record: workflow, enrollment, profile and its email delivery."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.database import session_scope
from flowline.core.models.campaigns import Campaign
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.profiles import Profile
from flowline.core.services.engagement.tokens import TrackedDelivery
from tests.support.stored_workflows import store_unchecked_workflow


@dataclass(frozen=True)
class StoredMail:
    campaign_id: int
    workflow_id: int
    enrollment_id: int
    delivery_id: int

    @property
    def tracked(self) -> TrackedDelivery:
        return TrackedDelivery(self.enrollment_id, "0")


def stored_mail(engine: Engine, profile_id: str = "p-ann", status: str = "sent") -> StoredMail:
    with session_scope(engine) as session:
        campaign = Campaign(name="Offer", subject="Hi", html="<p>x</p>", status="active")
        session.add(campaign)
        session.add(Profile(id=profile_id, properties={"email": "ann@example.test"}))
        session.flush()
        assert campaign.id is not None
        campaign_id = campaign.id
    step = {"type": "send_email", "campaign_id": campaign_id, "merge_tags": {}}
    workflow_id = store_unchecked_workflow(engine, [step])
    with session_scope(engine) as session:
        enrollment = Enrollment(
            workflow_id=workflow_id,
            version=1,
            profile_id=profile_id,
            temporal_workflow_id=f"enroll:{workflow_id}:{profile_id}",
            temporal_run_id=f"run-{workflow_id}",
        )
        session.add(enrollment)
        session.flush()
        assert enrollment.id is not None
        delivery = _delivery(session, enrollment, status)
        assert delivery.id is not None
        return StoredMail(campaign_id, workflow_id, enrollment.id, delivery.id)


def _delivery(session: Session, enrollment: Enrollment, status: str) -> Delivery:
    assert enrollment.id is not None
    delivery = Delivery(
        enrollment_id=enrollment.id,
        workflow_id=enrollment.workflow_id,
        version=1,
        step_path="0",
        step_index=0,
        type="email",
        status=status,
    )
    session.add(delivery)
    session.flush()
    return delivery
