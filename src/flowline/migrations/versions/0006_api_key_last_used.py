"""api key last used

Revision ID: 5c1e7a9d3b24
Revises: 0005_step_paths
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import flowline.core.timestamps

revision: str = "5c1e7a9d3b24"
down_revision: str | None = "0005_step_paths"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.add_column(
            sa.Column(
                "last_used_at",
                flowline.core.timestamps.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.drop_column("last_used_at")
