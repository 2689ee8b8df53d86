"""engagement (tracked links, opens, clicks, bounces, complaints) and experiments (holdout,
random splits)

Revision ID: 0017_engagement_experiments
Revises: 0016_profile_search_kinds
Create Date: 2026-12-06 10:45:00

- `campaigns.track_opens`, `track_clicks` (true by default);
- `deliveries.campaign_id` (the campaign a Send email step sent) and its index for the
  campaign figures;
- `email_links`: each link exactly as one recipient's mail had it;
- `email_engagements`: each open, click, bounce, complaint, unsubscribe of a delivery, with
  `machine` for prefetching agents and link scanners;
- `enrollments.cohort` (the API's `group`: treatment or holdout);
- `enrollment_paths`: the path each enrollment took at a split; `split_winners`: the path an
  `auto_winner` split settled on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401 - autogenerate may name its types
from alembic import op

import flowline.core.timestamps

revision: str = "0017_engagement_experiments"
down_revision: str | None = "0016_profile_search_kinds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "split_winners",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workflow_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("step_path", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("path_index", sa.Integer(), nullable=False),
        sa.Column("path_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("decided_at", flowline.core.timestamps.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lift", sa.Float(), nullable=False),
        sa.Column("ci_low", sa.Float(), nullable=False),
        sa.Column("ci_high", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["workflow_id"], ["workflows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workflow_id", "version", "step_path"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "enrollment_paths",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "enrollment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "workflow_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("step_path", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("path_index", sa.Integer(), nullable=False),
        sa.Column("path_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("chosen_at", flowline.core.timestamps.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrollment_id", "step_path"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("enrollment_paths", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enrollment_paths_split",
            ["workflow_id", "version", "step_path", "path_index"],
            unique=False,
        )

    op.create_table(
        "email_engagements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "delivery_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "workflow_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("step_path", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("link_position", sa.Integer(), nullable=True),
        sa.Column("machine", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("at", flowline.core.timestamps.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("email_engagements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_email_engagements_campaign",
            ["campaign_id", "kind", "machine", "delivery_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_email_engagements_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_index(
            "ix_email_engagements_step",
            ["workflow_id", "step_path", "kind", "machine", "delivery_id"],
            unique=False,
        )

    op.create_table(
        "email_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "delivery_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id", "position"),
        sqlite_autoincrement=True,
    )
    # Plain ALTER TABLE ADD COLUMN: a batch would rebuild `campaigns` on SQLite and lose its
    # AUTOINCREMENT (ids of deleted campaigns handed out again, see migration 0010).
    for switch in ("track_opens", "track_clicks"):
        op.add_column(
            "campaigns",
            sa.Column(switch, sa.Boolean(), server_default=sa.true(), nullable=False),
        )

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index(
            "ix_deliveries_campaign", ["campaign_id", "test", "status"], unique=False
        )

    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cohort",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                server_default="treatment",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_column("cohort")

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_campaign")
        batch_op.drop_column("campaign_id")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("track_clicks")
        batch_op.drop_column("track_opens")

    op.drop_table("email_links")
    with op.batch_alter_table("email_engagements", schema=None) as batch_op:
        batch_op.drop_index("ix_email_engagements_step")
        batch_op.drop_index(batch_op.f("ix_email_engagements_delivery_id"))
        batch_op.drop_index("ix_email_engagements_campaign")

    op.drop_table("email_engagements")
    with op.batch_alter_table("enrollment_paths", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollment_paths_split")

    op.drop_table("enrollment_paths")
    op.drop_table("split_winners")
