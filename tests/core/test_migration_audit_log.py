"""Migration 0019_audit_log: versions saved before it keep working with no one named, and it
goes down again cleanly."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.database import migrate
from flowline.core.services.workflows.versions import version_summaries
from tests.support.migrations import downgrade_to, upgrade_to

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DEFINITION = '{"name": "w", "trigger": {"type": "event", "event": "e"}, "steps": []}'


def test_older_versions_name_no_one_and_the_migration_goes_down_again(
    empty_engine: Engine,
) -> None:
    upgrade_to(empty_engine, "0018_users")
    with empty_engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO workflows (id, name, enabled, version, skipped_no_consent, "
                "created_at, updated_at) VALUES (1, 'w', true, 1, 0, :now, :now)"
            ),
            {"now": NOW},
        )
        connection.execute(
            sa.text(
                "INSERT INTO workflow_versions (workflow_id, version, definition, created_at) "
                "VALUES (1, 1, :definition, :now)"
            ),
            {"definition": DEFINITION, "now": NOW},
        )

    migrate(empty_engine)

    with Session(empty_engine) as session:
        [version] = version_summaries(session, 1)
    assert (version.version, version.saved_by) == (1, None)
    downgrade_to(empty_engine, "0018_users")
    assert "audit_log" not in sa.inspect(empty_engine).get_table_names()
    columns = {c["name"] for c in sa.inspect(empty_engine).get_columns("workflow_versions")}
    assert "saved_by" not in columns
