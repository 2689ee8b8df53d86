"""holdout figures: a partial index of the holdout enrollments

Revision ID: 0022_holdout_figures
Revises: 0021_experiment_tallies
Create Date: 2026-12-06 11:00:00

- `ix_enrollments_holdout`: the holdout's enrolled and converted counts of a workflow's stats,
  read from this index alone (it holds the holdout rows only; the step funnel never counts them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_holdout_figures"
down_revision: str | None = "0021_experiment_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    holdout = sa.text("cohort = 'holdout'")
    op.create_index(
        "ix_enrollments_holdout",
        "enrollments",
        ["workflow_id", "test", "version", "converted_at"],
        sqlite_where=holdout,
        postgresql_where=holdout,
    )


def downgrade() -> None:
    op.drop_index("ix_enrollments_holdout", table_name="enrollments")
