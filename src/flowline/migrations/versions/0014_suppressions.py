"""the suppression list

Revision ID: 0014_suppressions
Revises: 0013_event_counter_names
Create Date: 2026-12-06 08:00:00

`suppressions`: one row per suppressed address, found by `address_hash` (HMAC-SHA256 of the
normalised address keyed with FLOWLINE_SECRET_KEY, unique), shown by `masked`
(`a***@example.com`), with the reason (hard_bounce, complaint, manual), a detail and the date.
No plain address is stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import flowline.core.timestamps

revision: str = "0014_suppressions"
down_revision: str | None = "0013_event_counter_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suppressions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("masked", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", flowline.core.timestamps.UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("address_hash"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("suppressions")
