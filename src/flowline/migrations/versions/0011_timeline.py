"""the enrollment timeline: what triggered an enrollment, the facts behind each step's outcome

Revision ID: 0011_timeline
Revises: 0010_fresh_ids
Create Date: 2026-12-06 04:55:00

`enrollments.has_failures` (set, with the failed delivery, in its transaction; filled in here for
the enrollments that have one) and two nullable JSON columns, written by the statements that
already insert the rows:
`enrollments.entered` (the trigger: event name and id, or the segment change) and
`deliveries.facts` (to whom, which campaign, the answer, the values that decided a branch, the
properties changed). Rows written before have neither: their timeline is derived from what they
hold (status, detail, timestamps).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_timeline"
down_revision: str | None = "0010_fresh_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: both databases add it without copying the table.
    op.add_column("enrollments", sa.Column("entered", sa.JSON(), nullable=True))
    op.add_column("deliveries", sa.Column("facts", sa.JSON(), nullable=True))
    # A constant default: PostgreSQL adds it without rewriting the table, SQLite always does.
    op.add_column(
        "enrollments",
        sa.Column("has_failures", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    failed = sa.text("status = 'failed'")
    op.create_index(
        "ix_deliveries_failed",
        "deliveries",
        ["workflow_id", "test", "updated_at", "step_path", "enrollment_id"],
        sqlite_where=failed,
        postgresql_where=failed,
    )
    op.execute(
        "UPDATE enrollments SET has_failures = TRUE WHERE id IN "
        "(SELECT enrollment_id FROM deliveries WHERE status = 'failed')"
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_failed", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("facts")
    with op.batch_alter_table("enrollments") as batch_op:
        batch_op.drop_column("entered")
        batch_op.drop_column("has_failures")
