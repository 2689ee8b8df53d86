"""per-condition counters; indexes for the stats

Revision ID: 0003_perf_counters
Revises: 0007_dispatcher_lease
Create Date: 2026-11-30 17:40:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import flowline.core.timestamps

revision: str = "0003_perf_counters"
down_revision: str | None = "0003_dispatcher_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "counted_conditions",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("where", sa.JSON(), nullable=False),
        sa.Column("created_at", flowline.core.timestamps.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "condition_counters",
        sa.Column("profile_id", sa.String(length=255), nullable=False),
        sa.Column("condition_key", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["condition_key"], ["counted_conditions.key"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("profile_id", "condition_key"),
    )
    with op.batch_alter_table("condition_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_condition_counters_condition_key"), ["condition_key"], unique=False
        )
    # Segments saved before this revision count their `where` conditions from the event log.
    _count_existing_conditions()
    _stats_indexes()


def _stats_indexes() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enrollments_stats",
            ["workflow_id", "test", "version", "status", "steps_completed", "converted_at"],
            unique=False,
        )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workflow_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("test", sa.Boolean(), nullable=True))
    for column in ("workflow_id", "version", "test"):
        op.execute(
            f"UPDATE deliveries SET {column} = (SELECT enrollments.{column} FROM enrollments "
            "WHERE enrollments.id = deliveries.enrollment_id)"
        )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        for column, kind in (
            ("workflow_id", sa.Integer()),
            ("version", sa.Integer()),
            ("test", sa.Boolean()),
        ):
            batch_op.alter_column(column, existing_type=kind, nullable=False)
        batch_op.create_index(
            "ix_deliveries_funnel",
            ["workflow_id", "version", "test", "step_path", "status"],
            unique=False,
        )


def _count_existing_conditions() -> None:
    """Plain SQL over this revision's tables (the models may move on); the rule language is
    the pure one of `flowline.definitions`."""
    from collections import Counter
    from datetime import UTC, datetime

    from flowline.definitions.segments import SegmentRule, counted_conditions, event_matches

    bind = op.get_bind()
    wanted = {}
    for (rule,) in bind.execute(sa.text("SELECT rule FROM segments")):
        rule = json.loads(rule) if isinstance(rule, str) else rule
        wanted.update(counted_conditions(SegmentRule.model_validate(rule)))
    conditions = sa.table(
        "counted_conditions",
        sa.column("key"),
        sa.column("event"),
        sa.column("where", sa.JSON()),
        sa.column("created_at", flowline.core.timestamps.UTCDateTime()),
    )
    counters = sa.table(
        "condition_counters",
        sa.column("profile_id"),
        sa.column("condition_key"),
        sa.column("count"),
    )
    now = datetime.now(UTC)
    for key, condition in sorted(wanted.items()):
        assert condition.where is not None
        where = condition.where.model_dump(mode="json")
        op.bulk_insert(
            conditions, [{"key": key, "event": condition.event, "where": where, "created_at": now}]
        )
        counts: Counter[str] = Counter()
        events = bind.execute(
            sa.text("SELECT profile_id, properties FROM events WHERE name = :name"),
            {"name": condition.event},
        )
        for profile_id, properties in events:
            properties = json.loads(properties) if isinstance(properties, str) else properties
            if event_matches(condition, condition.event, properties):
                counts[profile_id] += 1
        rows = [{"profile_id": p, "condition_key": key, "count": n} for p, n in counts.items()]
        if rows:
            op.bulk_insert(counters, rows)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_funnel")
        batch_op.drop_column("test")
        batch_op.drop_column("version")
        batch_op.drop_column("workflow_id")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollments_stats")
    with op.batch_alter_table("condition_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_condition_counters_condition_key"))
    op.drop_table("condition_counters")
    op.drop_table("counted_conditions")
