"""dispatcher lease; outbox intents know their profile

Revision ID: 0003_dispatcher_lease
Revises: 5c1e7a9d3b24
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import flowline.core.timestamps

revision: str = "0003_dispatcher_lease"
down_revision: str | None = "5c1e7a9d3b24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatcher_lease",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("token", sa.Integer(), nullable=False),
        sa.Column(
            "expires_at", flowline.core.timestamps.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile_id", sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_profile_id"), ["profile_id"], unique=False)
    # Intents written before this revision name their profile only in the payload.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE outbox SET profile_id = payload->>'profile_id'")
    else:
        op.execute("UPDATE outbox SET profile_id = json_extract(payload, '$.profile_id')")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_profile_id"))
        batch_op.drop_column("profile_id")
    op.drop_table("dispatcher_lease")
