"""the audit log, and who saved each workflow version

Revision ID: 0019_audit_log
Revises: 0018_users
Create Date: 2026-12-06 11:00:00

- `audit_log`: one row per change made through the API or the web UI (append-only), with the
  actor and the object as they were named at the time, and a summary in words;
- `workflow_versions.saved_by`: `{type, id, name}` of whoever saved the version (null for the
  versions saved before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import flowline.core.timestamps

revision: str = "0019_audit_log"
down_revision: str | None = "0018_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", flowline.core.timestamps.UTCDateTime(timezone=True), nullable=True),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_name", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("object_type", sa.String(length=30), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("object_name", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id", "id"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_type", "actor_id", "id"])
    with op.batch_alter_table("workflow_versions") as batch:
        batch.add_column(sa.Column("saved_by", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workflow_versions") as batch:
        batch.drop_column("saved_by")
    op.drop_index("ix_audit_log_actor", table_name="audit_log")
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    op.drop_table("audit_log")
