"""ids of deleted rows are never handed out again (SQLite AUTOINCREMENT)

Revision ID: 0010_fresh_ids
Revises: 0009_bigint_ids
Create Date: 2026-12-06 01:20:00

SQLite gives a new row of an `INTEGER PRIMARY KEY` table the largest id + 1: after the newest
rows are deleted (an erasure deletes the profile's outbox intents and events, a workflow its
enrollments), their ids come back, and whatever still names them (an enrollment's trigger, a
pending intent, a Temporal history) then names the wrong row. With AUTOINCREMENT, SQLite keeps
the largest id ever given in `sqlite_sequence` and never goes below it. PostgreSQL's sequences
never went back: nothing changes there.

SQLite cannot add AUTOINCREMENT to a table: every table with an integer id is copied (the rows
keep their ids) and its counter starts past its largest id and past every id of it that another
table still names (a deleted intent named by an enrollment's trigger, a deleted campaign by an
old workflow version). Dropping a table deletes the rows that reference it (ON DELETE CASCADE,
and foreign keys cannot be switched off inside the migration's transaction): the referencing
tables are kept aside meanwhile and put back. Each table is copied once or twice: on a large
installation this takes as long as copying `enrollments` and `deliveries` twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_fresh_ids"
down_revision: str | None = "0009_bigint_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose primary key is an integer id the database hands out.
ID_TABLES = (
    "api_keys",
    "campaigns",
    "events",
    "outbox",
    "segments",
    "workflows",
    "workflow_versions",
    "enrollments",
    "deliveries",
    "email_sends",
)
# Rows that dropping a table above deletes (through ON DELETE CASCADE), parents first: kept
# aside while the tables are copied.
CASCADED = ("workflow_versions", "enrollments", "deliveries", "email_sends", "segment_memberships")
# Where ids of each table are named by other rows (SQLite's JSON functions read the payloads).
_TRIGGERS = "FROM enrollments WHERE trigger_id LIKE 'outbox:%'"
_DEFINITIONS = "FROM workflow_versions, json_tree(workflow_versions.definition) AS node"
REFERENCES = {
    # `outbox:<id>` and `outbox:<id>:<request id>`: CAST reads the leading digits.
    "outbox": (f"SELECT max(CAST(substr(trigger_id, 8) AS INTEGER)) {_TRIGGERS}",),
    "workflows": ("SELECT max(json_extract(payload, '$.workflow_id')) FROM outbox",),
    "campaigns": (f"SELECT max(node.value) {_DEFINITIONS} WHERE node.key = 'campaign_id'",),
    "segments": (
        f"SELECT max(node.value) {_DEFINITIONS} "
        "WHERE node.key IN ('segment_id', 'segment_entered')",
        "SELECT max(json_extract(payload, '$.segment_id')) FROM outbox",
    ),
    "events": ("SELECT max(CAST(json_extract(payload, '$.event_id') AS INTEGER)) FROM outbox",),
    "enrollments": (
        "SELECT max(CAST(entry.key AS INTEGER)) FROM outbox, "
        "json_each(outbox.payload, '$.enrollments') AS entry",
    ),
}


def _kept(table: str) -> str:
    return f"kept_{table}"


def _columns(table: str) -> str:
    return ", ".join(column["name"] for column in sa.inspect(op.get_bind()).get_columns(table))


def _copy_tables(autoincrement: bool) -> None:
    for table in CASCADED:
        op.execute(f"CREATE TEMP TABLE {_kept(table)} AS SELECT * FROM {table}")
    for table in ID_TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
    for table in reversed(CASCADED):
        op.execute(f"DELETE FROM {table}")
    for table in CASCADED:
        columns = _columns(table)
        op.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {_kept(table)}")
        op.execute(f"DROP TABLE {_kept(table)}")


def _start_counters_past_named_ids() -> None:
    bind = op.get_bind()
    for table, queries in REFERENCES.items():
        named = [bind.scalar(sa.text(query)) for query in queries]
        highest = max((int(value) for value in named if value is not None), default=0)
        current = bind.scalar(
            sa.text("SELECT seq FROM sqlite_sequence WHERE name = :table"), {"table": table}
        )
        if current is None:
            bind.execute(
                sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :seq)"),
                {"table": table, "seq": highest},
            )
        elif highest > current:
            bind.execute(
                sa.text("UPDATE sqlite_sequence SET seq = :seq WHERE name = :table"),
                {"table": table, "seq": highest},
            )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _copy_tables(autoincrement=True)
    _start_counters_past_named_ids()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _copy_tables(autoincrement=False)
