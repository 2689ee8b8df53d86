"""Figures the web UI shows beside the stats: every workflow's counts at once, conversion by day.

Test enrollments are left out, as in the stats.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from flowline.core.models.enrollments import Enrollment
from flowline.core.services.sql import on_postgresql
from flowline.core.timestamps import utcnow


@dataclass
class WorkflowCounts:
    enrolled: int = 0
    active: int = 0
    converted: int = 0

    @property
    def conversion_rate(self) -> float:
        return self.converted / self.enrolled if self.enrolled else 0.0


def counts_by_workflow(session: Session) -> dict[int, WorkflowCounts]:
    rows = session.exec(
        select(
            Enrollment.workflow_id,
            Enrollment.status,
            func.count(),
            func.count(col(Enrollment.converted_at)),
        )
        .where(col(Enrollment.test).is_(False))
        .group_by(col(Enrollment.workflow_id), col(Enrollment.status))
    ).all()
    counts: dict[int, WorkflowCounts] = {}
    for workflow_id, status, number, converted in rows:
        found = counts.setdefault(workflow_id, WorkflowCounts())
        found.enrolled += number
        found.converted += converted
        if status == "active":
            found.active += number
    return counts


@dataclass
class DayFigures:
    day: date
    enrolled: int
    converted: int

    @property
    def conversion_rate(self) -> float:
        return self.converted / self.enrolled if self.enrolled else 0.0


def conversion_by_day(
    session: Session, workflow_id: int, days: int = 14, since: datetime | None = None
) -> list[DayFigures]:
    """Enrollments started on each of the last `days` days (UTC), and how many of them converted.

    `since`: the workflow's creation; no day before it is listed (a new workflow has few days).
    """
    today = utcnow().date()
    first_day = today - timedelta(days=days - 1)
    if since is not None:
        first_day = min(today, max(first_day, since.date()))
    days = (today - first_day).days + 1
    since = datetime.combine(first_day, datetime.min.time())
    day = _utc_day(session)
    rows = session.exec(
        select(day, func.count(), func.count(col(Enrollment.converted_at)))
        .where(
            col(Enrollment.workflow_id) == workflow_id,
            col(Enrollment.test).is_(False),
            col(Enrollment.started_at) >= since,
        )
        .group_by(day)
    ).all()
    found = {_as_date(d): (n, c) for d, n, c in rows}
    first = since.date()
    return [
        DayFigures(first + timedelta(days=i), *found.get(first + timedelta(days=i), (0, 0)))
        for i in range(days)
    ]


def _utc_day(session: Session) -> ColumnElement[object]:
    started = col(Enrollment.started_at)
    if on_postgresql(session):
        # date() of a timestamptz follows the connection's time zone: pin it to UTC.
        return func.date(func.timezone("UTC", started))
    return func.date(started)  # SQLite stores UTC text


def _as_date(value: object) -> date:
    # SQLite answers date() with text, PostgreSQL with a date.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
