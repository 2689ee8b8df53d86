"""What became of sent emails: sent, opened, clicked, unsubscribed, bounced, complained, per
campaign and per Send email step, with their rates.

Unique deliveries and people only: an email opened five times counts once, machine opens and
clicks (prefetching agents, link scanners) not at all, and test enrollments' emails nowhere
(they are few: left out by id). Everything is counted from indexes alone: the campaign's
figures from `ix_deliveries_campaign` and `ix_email_engagements_campaign`, a step's from
`ix_email_engagements_step` (one range per step of one version), each in delivery order so a
`DISTINCT` needs no sort. Only rows written without their version are matched with their
delivery, by primary key.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, false, literal, true, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from flowline.core.models.email_figures import CampaignStats, EmailFigures
from flowline.core.models.engagement import EmailEngagement
from flowline.core.models.enrollments import Delivery
from flowline.core.services.sql import on_postgresql

# Engagement kind -> the figure that counts it.
_FIGURE_OF = {
    "open": "opened",
    "click": "clicked",
    "unsubscribe": "unsubscribed",
    "bounce": "bounced",
    "complaint": "complained",
}
_KIND = col(EmailEngagement.kind)
_DELIVERY = col(EmailEngagement.delivery_id)
_UNIQUE = func.count(_DELIVERY.distinct())


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
    """Every workflow's sends of the campaign, every version."""
    sent = session.exec(
        select(func.count()).where(
            col(Delivery.campaign_id) == campaign_id,
            col(Delivery.test) == false(),
            col(Delivery.status) == "sent",
        )
    ).one()
    tests = select(Delivery.id).where(
        col(Delivery.campaign_id) == campaign_id, col(Delivery.test) == true()
    )
    human = (
        col(EmailEngagement.campaign_id) == campaign_id,
        col(EmailEngagement.machine) == false(),
        _DELIVERY.not_in(tests),
    )
    if on_postgresql(session):
        # One pass; the index gives each kind's rows in delivery order (no sort for DISTINCT).
        query: Any = sa_select(_KIND, _UNIQUE).where(*human).group_by(_KIND)
        unique = {kind: count for kind, count in session.execute(query).all()}
    else:
        # SQLite sorts a grouped DISTINCT; one DISTINCT per kind reads its range in order.
        row = session.execute(sa_select(*(_unique_of(kind, human) for kind in _FIGURE_OF))).one()
        unique = dict(zip(_FIGURE_OF, row, strict=True))
    figures = email_figures(sent, unique)
    return CampaignStats.model_validate(figures.model_dump())


def _unique_of(kind: str, where: tuple[Any, ...]) -> Any:
    of_kind = col(EmailEngagement.kind) == kind
    deliveries = select(_DELIVERY).distinct().where(of_kind, *where).subquery()
    return select(func.count()).select_from(deliveries).scalar_subquery()


def step_figures(
    session: Session,
    workflow_id: int,
    version: int,
    sent: Mapping[str, int],
    paths: Iterable[str],
) -> dict[str, EmailFigures]:
    """The figures of the Send email steps at `paths` of one version (`sent` per path comes
    from the funnel's own count)."""
    wanted = list(paths)
    if not wanted:
        return {}
    tests = select(Delivery.id).where(
        col(Delivery.workflow_id) == workflow_id,
        col(Delivery.version) == version,
        col(Delivery.test) == true(),
    )
    human = (
        col(EmailEngagement.workflow_id) == workflow_id,
        col(EmailEngagement.machine) == false(),
    )
    unversioned = session.exec(
        select(EmailEngagement.id)
        .where(
            col(EmailEngagement.workflow_id) == workflow_id, col(EmailEngagement.version).is_(None)
        )
        .limit(1)
    ).first()
    query: Any
    if unversioned is None:  # always, when every writer copies the version
        query = union_all(
            *(
                sa_select(literal(path), _KIND, _UNIQUE)
                .where(
                    *human,
                    col(EmailEngagement.version) == version,
                    col(EmailEngagement.step_path) == path,
                    _DELIVERY.not_in(tests),
                )
                .group_by(_KIND)
                for path in wanted
            )
        )
    else:
        query = _matched_with_deliveries(workflow_id, version, wanted, human, tests)
    unique: dict[str, dict[str, int]] = {}
    for path, kind, count in session.execute(query).all():
        unique.setdefault(path, {})[kind] = count
    return {path: email_figures(sent.get(path, 0), unique.get(path, {})) for path in wanted}


def _matched_with_deliveries(
    workflow_id: int, version: int, paths: list[str], human: tuple[Any, ...], tests: Any
) -> Select[Any]:
    """Rows with their version, and rows without it matched with their delivery's version: one
    `DISTINCT` over both, so an email counted by both kinds of row counts once."""
    columns = (col(EmailEngagement.step_path), _KIND, _DELIVERY)
    versioned = sa_select(*columns).where(
        *human,
        col(EmailEngagement.version) == version,
        col(EmailEngagement.step_path).in_(paths),
        _DELIVERY.not_in(tests),
    )
    matched = (
        sa_select(*columns)
        .join(Delivery, col(Delivery.id) == _DELIVERY)
        .where(
            *human,
            col(EmailEngagement.version).is_(None),
            col(EmailEngagement.step_path).in_(paths),
            col(Delivery.version) == version,
            col(Delivery.test) == false(),
        )
    )
    rows = union_all(versioned, matched).subquery()
    return sa_select(
        rows.c.step_path, rows.c.kind, func.count(rows.c.delivery_id.distinct())
    ).group_by(rows.c.step_path, rows.c.kind)
