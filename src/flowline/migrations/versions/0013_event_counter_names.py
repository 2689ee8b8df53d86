"""event counters readable by event name

Revision ID: 0013_event_counter_names
Revises: 0012_profile_search
Create Date: 2026-12-06 08:00:00

`event_counters` is keyed by (profile_id, name). `ix_event_counters_name_count` (name, count,
profile_id) serves two readers by event name:
- the rule builder's suggestions: the distinct names profiles performed, one index seek each
  (`core/services/segments/vocabulary.py`) instead of a scan of every counter;
- the audience preview (`POST /v1/segments/preview`): "performed `purchase` at least twice" is
  one range of this index (covering).

It costs ingestion one more index entry per counter change. Events by name and time (the
preview's "in the last 30 days" and the dry run's replay) are `0015_events_name_time`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_event_counter_names"
down_revision: str | None = "0012_profile_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_event_counters_name_count", "event_counters", ["name", "count", "profile_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_event_counters_name_count", table_name="event_counters")
