"""Migration 0020_email_figures: engagement rows take their delivery's workflow version, and
the step figures' index is on it; the downgrade gives the 0017 index back."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine

from flowline.core.database import migrate
from tests.support.migrations import downgrade_to, upgrade_to

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _insert(connection: sa.Connection, table: str, **row: object) -> int:
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    query = sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id")
    return int(connection.execute(query, row).scalar_one())


def _step_index_columns(engine: Engine) -> list[str | None]:
    [index] = [
        i
        for i in sa.inspect(engine).get_indexes("email_engagements")
        if i["name"] == "ix_email_engagements_step"
    ]
    return list(index["column_names"])


def test_existing_engagement_rows_take_their_deliverys_version(empty_engine: Engine) -> None:
    upgrade_to(empty_engine, "0019_audit_log")
    with empty_engine.begin() as connection:
        workflow = _insert(
            connection,
            "workflows",
            name="w",
            enabled=True,
            version=3,
            skipped_no_consent=0,
            created_at=NOW,
            updated_at=NOW,
        )
        enrollment = _insert(
            connection,
            "enrollments",
            workflow_id=workflow,
            version=3,
            profile_id="p",
            temporal_workflow_id=f"enroll:{workflow}:p",
            temporal_run_id="run-1",
            status="completed",
            steps_completed=1,
            test=False,
            started_at=NOW,
        )
        delivery = _insert(
            connection,
            "deliveries",
            enrollment_id=enrollment,
            workflow_id=workflow,
            version=3,
            test=False,
            step_path="0",
            step_index=0,
            type="email",
            status="sent",
            detail="accepted by the SMTP server",
            attempts=1,
            campaign_id=9,
            created_at=NOW,
            updated_at=NOW,
        )
        _insert(
            connection,
            "email_engagements",
            delivery_id=delivery,
            campaign_id=9,
            workflow_id=workflow,
            step_path="0",
            kind="open",
            machine=False,
            at=NOW,
        )

    migrate(empty_engine)

    with empty_engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT version FROM email_engagements")).all()
    assert [tuple(v) for v in versions] == [(3,)]
    assert _step_index_columns(empty_engine)[:2] == ["workflow_id", "version"]

    downgrade_to(empty_engine, "0019_audit_log")
    assert _step_index_columns(empty_engine) == [
        "workflow_id",
        "step_path",
        "kind",
        "machine",
        "delivery_id",
    ]
