"""experiment counts: an index for the figures of `GET /v1/workflows/{id}/experiment`

Revision ID: 0018_experiment_counts
Revises: 0017_engagement_experiments
Create Date: 2026-12-06 11:00:00

- `ix_enrollments_experiment` on enrollments (workflow_id, test, version, cohort,
  converted_at): enrolled and converted per group of a version from the index alone, and the
  converted enrollments of a version as one range (joined to their split paths).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_experiment_counts"
down_revision: str | None = "0017_engagement_experiments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enrollments_experiment",
            ["workflow_id", "test", "version", "cohort", "converted_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollments_experiment")
