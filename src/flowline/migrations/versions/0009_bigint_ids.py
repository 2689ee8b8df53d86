"""64-bit ids; event names up to 255 characters

Revision ID: 0009_bigint_ids
Revises: 0003_perf_counters
Create Date: 2026-12-05 10:00:00

PostgreSQL: every id column (primary keys, the references to them, `deliveries.workflow_id`)
becomes BIGINT and the sequences behind the primary keys count as far. Each table is rewritten
once (all its columns in one ALTER TABLE), holding an exclusive lock meanwhile: on a large
installation this takes as long as copying `enrollments` and `deliveries`.

SQLite keeps INTEGER (its integers are 64 bits already, and only an `INTEGER PRIMARY KEY`
auto-increments).

Both: the stored event-name columns widen from 200 to 255 characters (on PostgreSQL in place,
no rewrite; on SQLite, which does not enforce the width, the tables are copied so the declared
type says the same as the models).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_bigint_ids"
down_revision: str | None = "0003_perf_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every column that holds a Flowline id, by table (`events.id` has been BIGINT from the start).
ID_COLUMNS = {
    "api_keys": ("id",),
    "campaigns": ("id",),
    "workflows": ("id",),
    "workflow_versions": ("id", "workflow_id"),
    "segments": ("id",),
    "segment_memberships": ("segment_id",),
    "enrollments": ("id", "workflow_id"),
    "deliveries": ("id", "enrollment_id", "workflow_id"),
    "email_sends": ("id", "enrollment_id"),
    "outbox": ("id",),
}
# The tables whose `id` is filled by a sequence (SERIAL).
SERIAL_TABLES = tuple(table for table, columns in ID_COLUMNS.items() if "id" in columns)
# The stored event names: (table, column).
EVENT_NAME_COLUMNS = (
    ("events", "name"),
    ("event_counters", "name"),
    ("counted_conditions", "event"),
)
OLD_EVENT_NAME, NEW_EVENT_NAME = 200, 255
_KEPT = "kept_condition_counters"
_COUNTER_COLUMNS = "profile_id, condition_key, count"


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _id_columns(kind: str) -> None:
    for table, columns in ID_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} TYPE {kind}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")
    for table in SERIAL_TABLES:
        sequence = op.get_bind().scalar(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
        )
        if sequence is not None:
            op.execute(f"ALTER SEQUENCE {sequence} AS {kind}")


def _event_name_columns(length: int, before: int) -> None:
    # SQLite copies each table and drops the old one; with foreign keys on, dropping
    # `counted_conditions` deletes its rows first, and the ON DELETE CASCADE every counter with
    # them (PRAGMA foreign_keys cannot be changed inside the migration's transaction). The
    # counters are kept aside meanwhile.
    keep_counters = not _on_postgresql()
    if keep_counters:
        op.execute(
            f"CREATE TEMP TABLE {_KEPT} AS SELECT {_COUNTER_COLUMNS} FROM condition_counters"
        )
    for table, column in EVENT_NAME_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=before),
                type_=sa.String(length=length),
                existing_nullable=False,
            )
    if keep_counters:
        op.execute(
            f"INSERT INTO condition_counters ({_COUNTER_COLUMNS}) "
            f"SELECT {_COUNTER_COLUMNS} FROM {_KEPT}"
        )
        op.execute(f"DROP TABLE {_KEPT}")


def upgrade() -> None:
    if _on_postgresql():
        _id_columns("BIGINT")
    _event_name_columns(NEW_EVENT_NAME, OLD_EVENT_NAME)


def downgrade() -> None:
    # Fails (and changes nothing) if a stored id or event name no longer fits.
    _event_name_columns(OLD_EVENT_NAME, NEW_EVENT_NAME)
    if _on_postgresql():
        _id_columns("INTEGER")
