"""indexes the audience preview reads events and counters by

Revision ID: 0013_audience_preview
Revises: 0012_profile_search
Create Date: 2026-12-06 07:30:00

The audience preview (`POST /v1/segments/preview`) answers "who matches this rule now" over
every profile in one SQL statement: each event condition becomes the set of profiles that meet
it, read through an index by event name rather than profile by profile.

- `ix_events_name_time` (name, timestamp, profile_id): "performed `purchase` in the last 30 days"
  is one range of this index (covering, without a `where`).
- `ix_event_counters_name_count` (name, count, profile_id): "performed `purchase` at least
  twice" is one range of this index.

Both cost ingestion one more index entry per new event and per counter change.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_audience_preview"
down_revision: str | None = "0012_profile_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_name_time", "events", ["name", "timestamp", "profile_id"])
    op.create_index(
        "ix_event_counters_name_count", "event_counters", ["name", "count", "profile_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_event_counters_name_count", table_name="event_counters")
    op.drop_index("ix_events_name_time", table_name="events")
