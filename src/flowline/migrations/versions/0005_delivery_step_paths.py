"""deliveries are keyed by step path

Revision ID: 0005_step_paths
Revises: 0004_email_sends
Create Date: 2026-11-29 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_step_paths"
down_revision: str | None = "0004_email_sends"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The old unique constraint was created without a name: name it as SQLite reflects it.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("step_path", sa.String(length=100), nullable=True))
    op.execute("UPDATE deliveries SET step_path = CAST(step_index AS VARCHAR(100))")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("deliveries", naming_convention=_NAMING) as batch:
            batch.drop_constraint("uq_deliveries_enrollment_id", type_="unique")
            batch.alter_column("step_path", existing_type=sa.String(100), nullable=False)
            batch.create_unique_constraint(
                "uq_deliveries_enrollment_step", ["enrollment_id", "step_path"]
            )
    else:
        op.drop_constraint("deliveries_enrollment_id_step_index_key", "deliveries", type_="unique")
        op.alter_column("deliveries", "step_path", existing_type=sa.String(100), nullable=False)
        op.create_unique_constraint(
            "uq_deliveries_enrollment_step", "deliveries", ["enrollment_id", "step_path"]
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_deliveries_enrollment_step", type_="unique")
        batch.drop_column("step_path")
        batch.create_unique_constraint(
            "deliveries_enrollment_id_step_index_key", ["enrollment_id", "step_index"]
        )
