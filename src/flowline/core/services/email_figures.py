"""What became of sent emails: sent, opened, clicked, unsubscribed, bounced, complained, per
campaign and per Send email step, with their rates.

Unique deliveries and people only: an email opened five times counts once, machine opens and
clicks (prefetching agents, link scanners) not at all, and test enrollments' emails nowhere.
The campaign's figures read `ix_deliveries_campaign` and `ix_email_engagements_campaign`
only; a step's read `ix_email_engagements_step` and their deliveries by primary key.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import false, true
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
    from the funnel's own count). Engagement rows carry no version: each is matched with its
    delivery's, by primary key."""
    wanted = list(paths)
    if not wanted:
        return {}
    rows = session.execute(
        sa_select(
            col(EmailEngagement.step_path),
            col(EmailEngagement.kind),
            func.count(col(EmailEngagement.delivery_id).distinct()),
        )
        .join(Delivery, col(Delivery.id) == col(EmailEngagement.delivery_id))
        .where(
            col(EmailEngagement.workflow_id) == workflow_id,
            col(EmailEngagement.step_path).in_(wanted),
            col(EmailEngagement.machine) == false(),
            col(Delivery.version) == version,
            col(Delivery.test) == false(),
        )
        .group_by(col(EmailEngagement.step_path), col(EmailEngagement.kind))
    ).all()
    unique: dict[str, dict[str, int]] = {}
    for path, kind, count in rows:
        unique.setdefault(path, {})[kind] = count
    return {path: email_figures(sent.get(path, 0), unique.get(path, {})) for path in wanted}
