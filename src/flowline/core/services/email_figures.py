"""What became of sent emails: sent, opened, clicked, unsubscribed, bounced, complained, per
campaign and per Send email step, with their rates.

Unique deliveries and people only: an email opened five times counts once, machine opens and
clicks (prefetching agents, link scanners) not at all, and test enrollments' emails nowhere.
The campaign's figures read `ix_deliveries_campaign` and `ix_email_engagements_campaign`
only; a step's read `ix_email_engagements_step` (and, for rows written without their version,
their deliveries by primary key).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import false, true, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from flowline.core.models.email_figures import CampaignStats, EmailFigures
from flowline.core.models.engagement import EmailEngagement
from flowline.core.models.enrollments import Delivery

# Engagement kind -> the figure that counts it.
_FIGURE_OF = {
    "open": "opened",
    "click": "clicked",
    "unsubscribe": "unsubscribed",
    "bounce": "bounced",
    "complaint": "complained",
}


def _share(part: int, whole: int) -> float | None:
    """A rate over nothing is unknown, not 0 %: null."""
    return round(part / whole, 4) if whole else None


def email_figures(sent: int, unique: Mapping[str, int]) -> EmailFigures:
    """The figures from the number sent and the unique deliveries of each engagement kind."""
    counts = {figure: unique.get(kind, 0) for kind, figure in _FIGURE_OF.items()}
    return EmailFigures(
        sent=sent,
        click_to_open=_share(counts["clicked"], counts["opened"]),
        open_rate=_share(counts["opened"], sent),
        click_rate=_share(counts["clicked"], sent),
        **counts,
    )


def campaign_stats(session: Session, campaign_id: int) -> CampaignStats:
    """Every workflow's sends of the campaign, every version: one statement of index-only
    counts. Each kind is its own `DISTINCT` over its own index range (already in delivery
    order, so no sort); the test deliveries (few) are left out by a small `NOT IN`."""
    tests = select(Delivery.id).where(
        col(Delivery.campaign_id) == campaign_id, col(Delivery.test) == true()
    )
    sent = (
        select(func.count())
        .where(
            col(Delivery.campaign_id) == campaign_id,
            col(Delivery.test) == false(),
            col(Delivery.status) == "sent",
        )
        .scalar_subquery()
    )

    def unique(kind: str) -> Any:
        deliveries = (
            select(EmailEngagement.delivery_id)
            .distinct()
            .where(
                col(EmailEngagement.campaign_id) == campaign_id,
                col(EmailEngagement.kind) == kind,
                col(EmailEngagement.machine) == false(),
                col(EmailEngagement.delivery_id).not_in(tests),
            )
            .subquery()
        )
        return select(func.count()).select_from(deliveries).scalar_subquery().label(kind)

    row = session.execute(sa_select(sent.label("sent"), *map(unique, _FIGURE_OF))).one()
    counts = row._mapping
    figures = email_figures(counts["sent"], {kind: counts[kind] for kind in _FIGURE_OF})
    return CampaignStats.model_validate(figures.model_dump())


def step_figures(
    session: Session,
    workflow_id: int,
    version: int,
    sent: Mapping[str, int],
    paths: Iterable[str],
) -> dict[str, EmailFigures]:
    """The figures of the Send email steps at `paths` of one version (`sent` per path comes
    from the funnel's own count). Rows that carry their version are read from one range of
    `ix_email_engagements_step`, the version's test deliveries (few) left out by id; rows
    written without it are matched with their delivery's version by primary key."""
    wanted = list(paths)
    if not wanted:
        return {}
    engagement = EmailEngagement
    tests = select(Delivery.id).where(
        col(Delivery.workflow_id) == workflow_id,
        col(Delivery.version) == version,
        col(Delivery.test) == true(),
    )
    columns = (
        col(engagement.step_path),
        col(engagement.kind),
        col(engagement.delivery_id),
    )
    human = (
        col(engagement.workflow_id) == workflow_id,
        col(engagement.step_path).in_(wanted),
        col(engagement.machine) == false(),
    )
    versioned = sa_select(*columns).where(
        *human,
        col(engagement.version) == version,
        col(engagement.delivery_id).not_in(tests),
    )
    unversioned = (
        sa_select(*columns)
        .join(Delivery, col(Delivery.id) == col(engagement.delivery_id))
        .where(
            *human,
            col(engagement.version).is_(None),
            col(Delivery.version) == version,
            col(Delivery.test) == false(),
        )
    )
    rows_of = union_all(versioned, unversioned).subquery()
    rows = session.execute(
        sa_select(
            rows_of.c.step_path, rows_of.c.kind, func.count(rows_of.c.delivery_id.distinct())
        ).group_by(rows_of.c.step_path, rows_of.c.kind)
    ).all()
    unique: dict[str, dict[str, int]] = {}
    for path, kind, count in rows:
        unique.setdefault(path, {})[kind] = count
    return {path: email_figures(sent.get(path, 0), unique.get(path, {})) for path in wanted}
