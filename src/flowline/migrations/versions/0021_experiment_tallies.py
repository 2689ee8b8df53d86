"""experiment tallies: enrolled and converted per group and per split path, kept by triggers

Revision ID: 0021_experiment_tallies
Revises: 0020_email_figures
Create Date: 2026-12-06 11:00:00

`GET /v1/workflows/{id}/experiment` answers in a few milliseconds at any number of
enrollments: counting a million index entries per answer takes a second on SQLite and hundreds
of milliseconds on PostgreSQL. `experiment_tallies` holds, per workflow, version and cohort,
the enrolled and converted count of the group (`step_path` "", `path_index` 0) and of each path
of each split (the split's `step_path`, the path's index); test enrollments are left out.

Triggers keep it, whatever writes the rows (present and future code):
- an enrollment inserted adds itself to its group; one deleted (erasure) takes itself off its
  group and its paths, before its path rows cascade away;
- an enrollment whose `converted_at` becomes set or unset, or whose `cohort` or `test` changes,
  takes its old contribution off its group and its paths and adds its new one;
- a path row inserted (the split step chose a path) adds the enrollment to that path, with its
  conversion if it already converted.
Path rows are only ever deleted with their enrollment. Existing rows are counted here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_experiment_tallies"
down_revision: str | None = "0020_email_figures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "workflow_id, version, step_path, cohort, path_index"
_ADD = (
    f"ON CONFLICT ({_KEY}) DO UPDATE SET "
    "enrolled = experiment_tallies.enrolled + excluded.enrolled, "
    "converted = experiment_tallies.converted + excluded.converted"
)


def _converted(row: str) -> str:
    return f"CASE WHEN {row}.converted_at IS NULL THEN 0 ELSE 1 END"


def _add_to_group(row: str) -> str:
    """Add one enrollment to its group (a new one has taken no path yet)."""
    return (
        f"INSERT INTO experiment_tallies ({_KEY}, enrolled, converted) "
        f"VALUES ({row}.workflow_id, {row}.version, '', {row}.cohort, 0, 1, {_converted(row)}) "
        f"{_ADD}"
    )


def _add_enrollment(row: str) -> str:
    """Add one enrollment to its group and to every path it took."""
    return (
        f"{_add_to_group(row)}; "
        f"INSERT INTO experiment_tallies ({_KEY}, enrolled, converted) "
        f"SELECT {row}.workflow_id, {row}.version, p.step_path, {row}.cohort, p.path_index, 1, "
        f"{_converted(row)} FROM enrollment_paths AS p WHERE p.enrollment_id = {row}.id {_ADD}"
    )


def _remove_enrollment(row: str) -> str:
    """Take one enrollment off its group and off every path it took. Not while its workflow is
    being deleted (its tallies go with it; PostgreSQL would check the update's foreign key
    against the workflow already gone)."""
    return (
        "UPDATE experiment_tallies SET enrolled = enrolled - 1, "
        f"converted = converted - {_converted(row)} "
        f"WHERE workflow_id = {row}.workflow_id AND version = {row}.version "
        f"AND EXISTS (SELECT 1 FROM workflows AS w WHERE w.id = {row}.workflow_id) "
        f"AND cohort = {row}.cohort AND ((step_path = '' AND path_index = 0) "
        "OR (step_path, path_index) IN (SELECT p.step_path, p.path_index "
        f"FROM enrollment_paths AS p WHERE p.enrollment_id = {row}.id))"
    )


def _add_path(false: str) -> str:
    """Add the enrollment of a new path row to that path."""
    return (
        f"INSERT INTO experiment_tallies ({_KEY}, enrolled, converted) "
        "SELECT e.workflow_id, e.version, NEW.step_path, e.cohort, NEW.path_index, 1, "
        f"{_converted('e')} FROM enrollments AS e "
        f"WHERE e.id = NEW.enrollment_id AND e.test = {false} {_ADD}"
    )


_CHANGED = (
    "(OLD.converted_at IS NULL) <> (NEW.converted_at IS NULL) "
    "OR OLD.cohort <> NEW.cohort OR OLD.test <> NEW.test"
)
_WATCHED = "UPDATE OF converted_at, cohort, test"


def _create_postgresql_triggers() -> None:
    op.execute(f"""
        CREATE FUNCTION experiment_tallies_enrollment() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') AND NOT OLD.test THEN
                {_remove_enrollment("OLD")};
            END IF;
            IF TG_OP = 'INSERT' AND NOT NEW.test THEN
                {_add_to_group("NEW")};
            ELSIF TG_OP = 'UPDATE' AND NOT NEW.test THEN
                {_add_enrollment("NEW")};
            END IF;
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NULL END;
        END $$""")
    op.execute(f"""
        CREATE FUNCTION experiment_tallies_path() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {_add_path("false")};
            RETURN NULL;
        END $$""")
    for name, timing, condition in [
        ("experiment_tallies_insert", "AFTER INSERT", ""),
        ("experiment_tallies_update", f"AFTER {_WATCHED}", f"WHEN ({_CHANGED})"),
        ("experiment_tallies_delete", "BEFORE DELETE", ""),
    ]:
        op.execute(
            f"CREATE TRIGGER {name} {timing} ON enrollments FOR EACH ROW {condition} "
            "EXECUTE FUNCTION experiment_tallies_enrollment()"
        )
    op.execute(
        "CREATE TRIGGER experiment_tallies_path AFTER INSERT ON enrollment_paths "
        "FOR EACH ROW EXECUTE FUNCTION experiment_tallies_path()"
    )


def _create_sqlite_triggers() -> None:
    op.execute(
        "CREATE TRIGGER experiment_tallies_insert AFTER INSERT ON enrollments "
        f"WHEN NOT NEW.test BEGIN {_add_to_group('NEW')}; END"
    )
    # Two triggers for an update: SQLite runs one WHEN per trigger, and the old and the new
    # contribution each have their own (`test` may differ between them).
    op.execute(
        f"CREATE TRIGGER experiment_tallies_update_old BEFORE {_WATCHED} ON enrollments "
        f"WHEN NOT OLD.test AND ({_CHANGED}) BEGIN {_remove_enrollment('OLD')}; END"
    )
    op.execute(
        f"CREATE TRIGGER experiment_tallies_update_new AFTER {_WATCHED} ON enrollments "
        f"WHEN NOT NEW.test AND ({_CHANGED}) BEGIN {_add_enrollment('NEW')}; END"
    )
    op.execute(
        "CREATE TRIGGER experiment_tallies_delete BEFORE DELETE ON enrollments "
        f"WHEN NOT OLD.test BEGIN {_remove_enrollment('OLD')}; END"
    )
    op.execute(
        "CREATE TRIGGER experiment_tallies_path AFTER INSERT ON enrollment_paths "
        f"BEGIN {_add_path('0')}; END"
    )


def create_triggers() -> None:
    """A later migration that rebuilds `enrollments` or `enrollment_paths` on SQLite (batch
    "move and copy") drops these triggers: it must create them again."""
    if op.get_bind().dialect.name == "postgresql":
        _create_postgresql_triggers()
    else:
        _create_sqlite_triggers()


def upgrade() -> None:
    op.create_table(
        "experiment_tallies",
        sa.Column(
            "workflow_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("step_path", sa.String(length=100), nullable=False),
        sa.Column("cohort", sa.String(length=10), nullable=False),
        sa.Column("path_index", sa.Integer(), nullable=False),
        sa.Column("enrolled", sa.BigInteger(), nullable=False),
        sa.Column("converted", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["workflow_id"], ["workflows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workflow_id", "version", "step_path", "cohort", "path_index"),
    )
    false = "false" if op.get_bind().dialect.name == "postgresql" else "0"
    op.execute(
        f"INSERT INTO experiment_tallies ({_KEY}, enrolled, converted) "
        "SELECT workflow_id, version, '', cohort, 0, count(*), count(converted_at) "
        f"FROM enrollments WHERE test = {false} GROUP BY workflow_id, version, cohort"
    )
    op.execute(
        f"INSERT INTO experiment_tallies ({_KEY}, enrolled, converted) "
        "SELECT e.workflow_id, e.version, p.step_path, e.cohort, p.path_index, count(*), "
        "count(e.converted_at) FROM enrollment_paths AS p "
        f"JOIN enrollments AS e ON e.id = p.enrollment_id WHERE e.test = {false} "
        "GROUP BY e.workflow_id, e.version, p.step_path, e.cohort, p.path_index"
    )
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER experiment_tallies_{name} ON enrollments")
        op.execute("DROP TRIGGER experiment_tallies_path ON enrollment_paths")
        op.execute("DROP FUNCTION experiment_tallies_enrollment()")
        op.execute("DROP FUNCTION experiment_tallies_path()")
    else:
        for name in ("insert", "update_old", "update_new", "delete", "path"):
            op.execute(f"DROP TRIGGER experiment_tallies_{name}")
    op.drop_table("experiment_tallies")
