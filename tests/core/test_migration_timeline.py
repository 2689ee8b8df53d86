"""Migration 0011_timeline: enrollments that had a failed step are marked `has_failures`, and
rows written before it (no trigger, no facts) still read as a timeline."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

from flowline.core.database import migrate
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.services.enrollments.timeline import build_timeline
from flowline.definitions.workflows import WorkflowDefinition
from tests.support.migrations import upgrade_to

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _insert(connection: sa.Connection, table: str, **row: object) -> int:
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    query = sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id")
    return int(connection.execute(query, row).scalar_one())


def test_old_failed_deliveries_mark_their_enrollments_and_old_rows_read_as_a_timeline(
    empty_engine: Engine,
) -> None:
    upgrade_to(empty_engine, "0010_fresh_ids")
    with empty_engine.begin() as connection:
        workflow = _insert(
            connection,
            "workflows",
            name="w",
            enabled=True,
            version=1,
            skipped_no_consent=0,
            created_at=NOW,
            updated_at=NOW,
        )
        ids = []
        for n, status in enumerate(("failed", "sent")):
            enrollment = _insert(
                connection,
                "enrollments",
                workflow_id=workflow,
                version=1,
                profile_id=f"p{n}",
                temporal_workflow_id=f"enroll:{workflow}:p{n}",
                temporal_run_id=f"run-{n}",
                status="completed",
                steps_completed=1,
                test=False,
                started_at=NOW,
                ended_at=NOW,
            )
            _insert(
                connection,
                "deliveries",
                enrollment_id=enrollment,
                workflow_id=workflow,
                version=1,
                test=False,
                step_path="0",
                step_index=0,
                type="http",
                status=status,
                detail="HTTP 500: down" if status == "failed" else "HTTP 200: ok",
                attempts=3 if status == "failed" else 1,
                created_at=NOW,
                updated_at=NOW,
            )
            ids.append(enrollment)

    migrate(empty_engine)

    with Session(empty_engine) as session:
        failed, fine = (session.get(Enrollment, i) for i in ids)
        assert failed is not None and fine is not None
        assert (failed.has_failures, fine.has_failures) == (True, False)
        assert failed.entered is None
        deliveries = list(session.exec(select(Delivery).where(Delivery.enrollment_id == ids[0])))
        assert deliveries[0].facts is None
    definition = WorkflowDefinition.model_validate(
        {
            "name": "w",
            "trigger": {"type": "event", "event": "registered"},
            "steps": [{"type": "http_call", "method": "POST", "url": "https://crm.example/x"}],
        }
    )
    timeline = build_timeline(failed, definition, deliveries)
    assert [e.kind for e in timeline] == ["entered", "consent", "failed", "end"]
    assert timeline[0].summary == "Entered: event 'registered' arrived"
    assert timeline[2].summary == (
        "POST https://crm.example/x failed after 3 attempts: HTTP 500: down"
    )
    assert timeline[-1].summary == "Completed with errors"
