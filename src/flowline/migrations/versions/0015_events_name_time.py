"""events by name in time order, for the dry run

Revision ID: 0015_events_name_time
Revises: 0014_suppressions
Create Date: 2026-12-06 07:30:00

A dry run reads the events of a few names (a trigger, a goal, awaited events) over the last
days in (timestamp, id) order, a page at a time: one range of this index per name, however
many other events the log holds. It holds the profile too, so a replay that needs no event
properties reads the index alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_events_name_time"
down_revision: str | None = "0014_suppressions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_name_time", "events", ["name", "timestamp", "id", "profile_id"])


def downgrade() -> None:
    op.drop_index("ix_events_name_time", table_name="events")
