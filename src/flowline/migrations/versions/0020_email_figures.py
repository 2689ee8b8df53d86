"""engagement rows say which workflow version sent their email

Revision ID: 0020_email_figures
Revises: 0019_audit_log
Create Date: 2026-12-06 11:00:00

The workflow stats count a Send email step's opens, clicks, bounces, complaints and
unsubscribes for the current version only, like the rest of the funnel. Without the version on
the engagement row, every row had to be matched with its delivery by primary key (300,000
look-ups for a busy workflow). `email_engagements.version` (copied from the delivery when the
row is written) and `ix_email_engagements_step` now on (workflow, version, step path, kind,
machine, delivery) let the figures read one index range. Rows written without it (NULL) are
still matched with their delivery. Existing rows are filled from their deliveries.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_email_figures"
down_revision: str | None = "0019_audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = ["workflow_id", "step_path", "kind", "machine", "delivery_id"]
_NEW = ["workflow_id", "version", "step_path", "kind", "machine", "delivery_id"]


def upgrade() -> None:
    with op.batch_alter_table("email_engagements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.drop_index("ix_email_engagements_step")
        batch_op.create_index("ix_email_engagements_step", _NEW, unique=False)
    op.execute(
        "UPDATE email_engagements SET version = (SELECT deliveries.version FROM deliveries "
        "WHERE deliveries.id = email_engagements.delivery_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("email_engagements", schema=None) as batch_op:
        batch_op.drop_index("ix_email_engagements_step")
        batch_op.create_index("ix_email_engagements_step", _OLD, unique=False)
        batch_op.drop_column("version")
