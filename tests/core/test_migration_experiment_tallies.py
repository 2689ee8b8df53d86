"""Revision 0018 counts the enrollments stored before it into `experiment_tallies`, its triggers
keep counting after it, and going back removes table and triggers."""

import sqlalchemy as sa
from sqlalchemy import Engine

from flowline.core.database import migrate
from tests.support.experiment_counts import counted_afresh, kept_tallies
from tests.support.migrations import downgrade_to, upgrade_to

NOW = "2026-11-01T00:00:00+00:00"


def _enroll(connection: sa.Connection, n: int, cohort: str, converted: bool, test: bool) -> int:
    return connection.execute(
        sa.text(
            "INSERT INTO enrollments (workflow_id, version, profile_id, temporal_workflow_id, "
            "temporal_run_id, status, converted_at, steps_completed, test, started_at, "
            "has_failures, cohort) VALUES (1, 1, :p, 'enroll:1', :run, 'active', :at, 0, :test, "
            ":now, :no, :cohort) RETURNING id"
        ),
        {
            "p": f"p{n}",
            "run": f"run-{n}",
            "at": NOW if converted else None,
            "test": test,
            "now": NOW,
            "no": False,
            "cohort": cohort,
        },
    ).scalar_one()


def _path(connection: sa.Connection, eid: int, index: int) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO enrollment_paths (enrollment_id, workflow_id, version, step_path, "
            "path_index, path_name, chosen_at) VALUES (:eid, 1, 1, '1', :k, 'AB', :now)"
        ),
        {"eid": eid, "k": index, "now": NOW},
    )


def test_stored_enrollments_are_counted_and_later_ones_too(empty_engine: Engine) -> None:
    upgrade_to(empty_engine, "0020_email_figures")
    with empty_engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO workflows (id, name, enabled, version, skipped_no_consent, "
                "created_at, updated_at) VALUES (1, 'w', :yes, 1, 0, :now, :now)"
            ),
            {"yes": True, "now": NOW},
        )
        for n in range(12):
            eid = _enroll(
                connection, n, "holdout" if n % 4 == 0 else "treatment", n % 3 == 0, False
            )
            if n % 4:
                _path(connection, eid, n % 2)
        _enroll(connection, 99, "treatment", True, True)

    migrate(empty_engine)

    assert kept_tallies(empty_engine) == counted_afresh(empty_engine)
    assert kept_tallies(empty_engine)[(1, 1, "", "holdout", 0)] == (3, 1)
    with empty_engine.begin() as connection:
        _path(connection, _enroll(connection, 100, "treatment", False, False), 0)
        connection.execute(sa.text("UPDATE enrollments SET converted_at = :now"), {"now": NOW})
    assert kept_tallies(empty_engine) == counted_afresh(empty_engine)

    downgrade_to(empty_engine, "0020_email_figures")
    with empty_engine.begin() as connection:
        _enroll(connection, 101, "treatment", False, False)
        tables = sa.inspect(connection).get_table_names()
    assert "experiment_tallies" not in tables
