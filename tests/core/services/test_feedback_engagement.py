"""Bounces, complaints and unsubscribes counted against the email they concern, and the
campaign a delivery names however it was written."""

from dataclasses import replace

from sqlalchemy import Engine
from sqlmodel import col, select

from flowline.core.database import session_scope
from flowline.core.models.engagement import EmailEngagement
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.profiles import Profile
from flowline.core.services.email_feedback import record_hard_bounce
from flowline.core.services.email_figures import campaign_stats
from flowline.core.services.enrollments.record_jobs import EnrollmentKey, record_missing_delivery
from flowline.core.services.suppressions import Suppressor
from flowline.core.services.unsubscribe import (
    Unsubscription,
    read_token,
    unsubscribe,
    unsubscribe_token,
)
from tests.core.services.test_email_figures import send, setup_workflow


def enrollment_of(engine: Engine, delivery_id: int) -> Enrollment:
    with session_scope(engine) as session:
        delivery = session.get_one(Delivery, delivery_id)
        return session.get_one(Enrollment, delivery.enrollment_id)


def kinds(engine: Engine) -> list[tuple[int, str]]:
    with session_scope(engine) as session:
        rows = session.exec(select(EmailEngagement).order_by(col(EmailEngagement.id))).all()
        return [(r.delivery_id, r.kind) for r in rows]


def test_a_token_names_the_email_and_tokens_of_mail_already_sent_still_read() -> None:
    older = Unsubscription(profile_id="p", workflow_id=3, consent_property="optin")
    naming = replace(older, enrollment_id=41, step_path="2.then.0")
    assert read_token([b"k"], unsubscribe_token(b"k", naming)) == naming
    assert read_token([b"k"], unsubscribe_token(b"k", older)) == older


def test_an_unsubscribe_counts_once_against_the_email_whose_link_it_was(engine: Engine) -> None:
    workflow_id, first, _ = setup_workflow(engine)
    delivery_id = send(engine, workflow_id, 1, "0", first)
    enrollment = enrollment_of(engine, delivery_id)
    with session_scope(engine) as session:
        session.add(Profile(id="p", properties={"optin": True}))
    what = Unsubscription(
        profile_id="p",
        workflow_id=workflow_id,
        consent_property="optin",
        enrollment_id=enrollment.id,
        step_path="0",
    )

    with session_scope(engine) as session:
        changed = [unsubscribe(session, what), unsubscribe(session, what)]

    assert changed == [True, False]
    assert kinds(engine) == [(delivery_id, "unsubscribe")]
    with session_scope(engine) as session:
        assert campaign_stats(session, first).unsubscribed == 1


def test_a_token_naming_another_profiles_enrollment_counts_nothing(engine: Engine) -> None:
    workflow_id, first, _ = setup_workflow(engine)
    delivery_id = send(engine, workflow_id, 1, "0", first)  # the enrollment of profile "p"
    enrollment = enrollment_of(engine, delivery_id)
    with session_scope(engine) as session:
        session.add(Profile(id="someone-else", properties={"optin": True}))
    what = Unsubscription(
        profile_id="someone-else",
        workflow_id=workflow_id,
        consent_property="optin",
        enrollment_id=enrollment.id,
        step_path="0",
    )
    with session_scope(engine) as session:
        assert unsubscribe(session, what) is True  # the consent still switches off
    assert kinds(engine) == []


def test_a_hard_bounce_at_send_counts_even_when_the_profile_is_gone(engine: Engine) -> None:
    workflow_id, first, _ = setup_workflow(engine)
    delivery_id = send(engine, workflow_id, 1, "0", first, "failed")
    enrollment = enrollment_of(engine, delivery_id)
    assert enrollment.id is not None
    with session_scope(engine) as session:
        record_hard_bounce(
            session,
            Suppressor((b"secret",)),
            address="gone@example.test",
            enrollment_id=enrollment.id,
            step_path="0",
            reason="rejected by the SMTP server (550 to RCPT)",
        )
    assert kinds(engine) == [(delivery_id, "bounce")]


def test_a_delivery_the_workflow_records_for_its_step_names_the_steps_campaign(
    engine: Engine,
) -> None:
    workflow_id, first, second = setup_workflow(engine)
    key = EnrollmentKey(
        workflow_id=workflow_id,
        version=1,
        profile_id="p",
        temporal_workflow_id=f"enroll:{workflow_id}:p",
        run_id="run-late",
    )
    for path in ("0", "1", "2"):  # email, wait, email
        record_missing_delivery(
            engine,
            key,
            path,
            type="email" if path != "1" else "wait",
            status="sent" if path != "1" else "done",
            detail="accepted by the SMTP server",
            attempts=1,
        )
    with session_scope(engine) as session:
        named = session.exec(
            select(Delivery.step_path, Delivery.campaign_id).order_by(col(Delivery.step_path))
        ).all()
    assert list(named) == [("0", first), ("1", None), ("2", second)]
