"""Campaign and step figures from rows as the worker and the tracking routes write them: unique
deliveries, people only, test enrollments left out, one version's steps, rates null over 0."""

from itertools import count
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from flowline.core.database import session_scope
from flowline.core.models.campaigns import CampaignCreate
from flowline.core.models.engagement import EmailEngagement
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.models.workflows import Workflow
from flowline.core.services.campaigns.crud import create_campaign
from flowline.core.services.email_figures import campaign_stats
from flowline.core.services.enrollments.records import record_delivery
from flowline.core.services.feedback_engagement import record_feedback
from flowline.core.services.workflows.crud import (
    create_workflow,
    current_definition,
    update_workflow,
)
from flowline.core.services.workflows.stats import workflow_stats

_runs = count(1)


def new_campaign(session: Session, name: str) -> int:
    data = CampaignCreate(name=name, subject="Hi", html="<p>Hi</p>", status="active")
    campaign = create_campaign(session, data)
    assert campaign.id is not None
    return campaign.id


def body(first: int, second: int) -> dict[str, Any]:
    return {
        "name": "Figures",
        "trigger": {"type": "event", "event": "signup"},
        "steps": [
            {"type": "send_email", "campaign_id": first},
            {"type": "wait", "duration": "P1D"},
            {"type": "send_email", "campaign_id": second},
        ],
    }


def send(
    engine: Engine,
    workflow_id: int,
    version: int,
    path: str,
    campaign_id: int,
    status: str = "sent",
    *,
    test: bool = False,
) -> int:
    """One enrollment with one email delivery; returns the delivery's id."""
    with session_scope(engine) as session:
        row = Enrollment(
            workflow_id=workflow_id,
            version=version,
            profile_id="p",
            temporal_workflow_id="enroll:x",
            temporal_run_id=f"run-{next(_runs)}",
            test=test,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        record_delivery(
            session,
            row.id,
            path,
            type="email",
            status=status,
            detail="",
            attempts=1,
            campaign_id=campaign_id,
        )
        delivery = session.exec(select(Delivery).where(col(Delivery.enrollment_id) == row.id)).one()
        assert delivery.id is not None
        return delivery.id


def engage(
    engine: Engine,
    delivery_id: int,
    kind: str,
    *,
    machine: bool = False,
    versioned: bool = True,
) -> None:
    """A row as the tracking routes write it (every open and click, repeats included);
    `versioned=False`: as a writer that leaves the version out."""
    with session_scope(engine) as session:
        delivery = session.get_one(Delivery, delivery_id)
        session.add(
            EmailEngagement(
                delivery_id=delivery_id,
                campaign_id=delivery.campaign_id,
                workflow_id=delivery.workflow_id,
                version=delivery.version if versioned else None,
                step_path=delivery.step_path,
                kind=kind,
                machine=machine,
            )
        )


def setup_workflow(engine: Engine) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        first, second = new_campaign(session, "First"), new_campaign(session, "Second")
        workflow = create_workflow(session, WorkflowCreate.model_validate(body(first, second)))
        assert workflow.id is not None
        return workflow.id, first, second


def test_campaign_figures_count_unique_human_deliveries_without_test_sends(
    engine: Engine,
) -> None:
    workflow_id, first, second = setup_workflow(engine)
    a, b, c, d = (send(engine, workflow_id, 1, "0", first) for _ in range(4))
    bounced_at_send = send(engine, workflow_id, 1, "0", first, "failed")
    send(engine, workflow_id, 1, "0", first, "skipped")
    tested = send(engine, workflow_id, 1, "0", first, test=True)
    other = send(engine, workflow_id, 1, "2", second)
    for delivery_id in (a, a, a, b):  # a opened three times: one opened email
        engage(engine, delivery_id, "open")
    engage(engine, c, "open", machine=True)  # a privacy proxy's prefetch: not a person
    engage(engine, c, "click", machine=True)  # a link scanner
    engage(engine, a, "click")
    engage(engine, a, "click")  # a second link of the same email
    engage(engine, d, "click")  # clicked without loading images: no open seen
    for kind in ("open", "click", "unsubscribe", "complaint"):
        engage(engine, tested, kind)  # the test enrollment's email: counts nowhere
        engage(engine, other, kind)  # another campaign's email
    engage(engine, b, "unsubscribe")
    engage(engine, d, "complaint")
    engage(engine, bounced_at_send, "bounce")

    with session_scope(engine) as session:
        stats = campaign_stats(session, first)

    assert stats.model_dump() == {
        "sent": 4,
        "opened": 2,
        "clicked": 2,
        "click_to_open": 1.0,
        "unsubscribed": 1,
        "bounced": 1,
        "complained": 1,
        "open_rate": 0.5,
        "click_rate": 0.5,
    }


def test_rates_are_null_while_nothing_was_sent_or_opened(engine: Engine) -> None:
    workflow_id, first, _ = setup_workflow(engine)
    with session_scope(engine) as session:
        unsent = campaign_stats(session, first)
    assert (unsent.sent, unsent.open_rate, unsent.click_rate, unsent.click_to_open) == (
        0,
        None,
        None,
        None,
    )
    for _ in range(3):
        send(engine, workflow_id, 1, "0", first)
    with session_scope(engine) as session:
        unopened = campaign_stats(session, first)
    assert (unopened.open_rate, unopened.click_rate, unopened.click_to_open) == (0.0, 0.0, None)


def test_rates_are_rounded_shares_of_sent_and_opened(engine: Engine) -> None:
    workflow_id, first, _ = setup_workflow(engine)
    sent = [send(engine, workflow_id, 1, "0", first) for _ in range(3)]
    for delivery_id in sent:
        engage(engine, delivery_id, "open")
    engage(engine, sent[0], "click")
    with session_scope(engine) as session:
        stats = campaign_stats(session, first)
    assert (stats.open_rate, stats.click_rate, stats.click_to_open) == (1.0, 0.3333, 0.3333)


def test_step_figures_count_the_current_version_whether_rows_carry_it_or_not(
    engine: Engine,
) -> None:
    workflow_id, first, second = setup_workflow(engine)
    old = send(engine, workflow_id, 1, "0", first)
    engage(engine, old, "open")
    engage(engine, old, "click", versioned=False)
    with session_scope(engine) as session:
        workflow = session.get_one(Workflow, workflow_id)
        update_workflow(session, workflow, WorkflowCreate.model_validate(body(first, second)))
    a, b = send(engine, workflow_id, 2, "0", first), send(engine, workflow_id, 2, "0", first)
    tested = send(engine, workflow_id, 2, "0", first, test=True)
    later = send(engine, workflow_id, 2, "2", second)
    engage(engine, a, "open")
    engage(engine, a, "open", versioned=False)  # the same email, by another writer: once
    engage(engine, a, "click", versioned=False)
    engage(engine, b, "open", machine=True)
    engage(engine, tested, "open")
    engage(engine, tested, "click", versioned=False)
    engage(engine, later, "bounce")

    with session_scope(engine) as session:
        workflow = session.get_one(Workflow, workflow_id)
        stats = workflow_stats(session, workflow, current_definition(session, workflow))
        campaign = campaign_stats(session, first)

    first_step, wait, second_step = stats.steps
    assert wait.email is None
    assert first_step.email is not None and second_step.email is not None
    assert (first_step.email.sent, first_step.email.opened, first_step.email.clicked) == (2, 1, 1)
    assert (first_step.email.open_rate, first_step.email.click_to_open) == (0.5, 1.0)
    assert (second_step.email.sent, second_step.email.bounced) == (1, 1)
    assert second_step.email.open_rate == 0.0
    # The campaign counts every version's sends.
    assert (campaign.sent, campaign.opened, campaign.clicked) == (3, 2, 2)


def test_feedback_counts_once_per_delivery_and_kind(engine: Engine) -> None:
    workflow_id, first, _ = setup_workflow(engine)
    delivery_id = send(engine, workflow_id, 1, "0", first)
    with session_scope(engine) as session:
        delivery = session.get_one(Delivery, delivery_id)
        recorded = [record_feedback(session, delivery, "complaint") for _ in range(2)]
        recorded.append(record_feedback(session, delivery, "bounce"))
    assert recorded == [True, False, True]
    with session_scope(engine) as session:
        rows = session.exec(select(EmailEngagement)).all()
        assert sorted(r.kind for r in rows) == ["bounce", "complaint"]
        assert {(r.campaign_id, r.workflow_id, r.step_path, r.machine) for r in rows} == {
            (first, workflow_id, "0", False)
        }


def test_step_figures_from_rows_with_their_version_leave_out_tests_and_older_versions(
    engine: Engine,
) -> None:
    workflow_id, first, second = setup_workflow(engine)
    old = send(engine, workflow_id, 1, "0", first)
    with session_scope(engine) as session:
        workflow = session.get_one(Workflow, workflow_id)
        update_workflow(session, workflow, WorkflowCreate.model_validate(body(first, second)))
    a, b = send(engine, workflow_id, 2, "0", first), send(engine, workflow_id, 2, "0", first)
    tested = send(engine, workflow_id, 2, "0", first, test=True)
    for delivery_id in (old, a, a, b, tested):
        engage(engine, delivery_id, "open")
    engage(engine, b, "click", machine=True)
    engage(engine, tested, "click")

    with session_scope(engine) as session:
        workflow = session.get_one(Workflow, workflow_id)
        stats = workflow_stats(session, workflow, current_definition(session, workflow))

    email = stats.steps[0].email
    assert email is not None
    assert (email.sent, email.opened, email.clicked, email.open_rate) == (2, 2, 0, 1.0)
