"""event names readable off an index

Revision ID: 0013_event_counter_names
Revises: 0012_profile_search
Create Date: 2026-12-06 08:00:00

The rule builder suggests the event names profiles performed. `event_counters` is keyed by
(profile_id, name); an index on `name` lets the distinct names be read one index seek each
(`core/services/segments/vocabulary.py`) instead of scanning every counter.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_event_counter_names"
down_revision: str | None = "0012_profile_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_event_counters_name", "event_counters", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_event_counters_name", table_name="event_counters")
