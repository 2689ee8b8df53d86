"""email sends (frequency cap)

Revision ID: 0004_email_sends
Revises: 0003_settings
Create Date: 2026-11-29 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import flowline.core.timestamps

revision: str = "0004_email_sends"
down_revision: str | None = "0003_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.String(length=255), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("step_path", sa.String(length=100), nullable=False),
        sa.Column("sent_at", flowline.core.timestamps.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrollment_id", "step_path"),
    )
    op.create_index("ix_email_sends_profile_time", "email_sends", ["profile_id", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_email_sends_profile_time", table_name="email_sends")
    op.drop_table("email_sends")
