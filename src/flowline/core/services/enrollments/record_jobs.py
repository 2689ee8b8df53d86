"""What the worker writes about enrollments in transactions of its own: their rows, conversions
and endings, and the outcome a step could not write itself.

Every write is idempotent: an activity retried after a crash finds its earlier work and keeps it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, case, func, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from flowline.core.database import read_scope, session_scope
from flowline.core.models.enrollments import ENDED_STATUSES, Enrollment
from flowline.core.services.enrollments.records import (
    by_run,
    delivery_of,
    record_delivery,
    record_passages,
    step_reached,
)
from flowline.core.services.sql import table_of
from flowline.core.services.workflows.versions import definition_of
from flowline.core.timestamps import UTCDateTime, utcnow
from flowline.definitions.step_tree import top_index


class DuplicateStart(Exception):
    """A run started for a trigger that already has its enrollment (a stale, fenced-out start).

    The run must do nothing: every activity of it meets this error, and its starter deletes it.
    """

    def __init__(self, enrollment: Enrollment, run_id: str) -> None:
        super().__init__(
            f"trigger {enrollment.trigger_id} already started run "
            f"{enrollment.temporal_run_id}; run {run_id} is a duplicate"
        )
        self.enrollment = enrollment


@dataclass(frozen=True)
class EnrollmentKey:
    workflow_id: int
    version: int
    profile_id: str
    temporal_workflow_id: str
    run_id: str
    test: bool = False
    trigger_id: str | None = None
    triggered_at: datetime | None = None
    entered: dict[str, Any] | None = None  # what triggered it (the starter knows; the worker not)
    cohort: str = "treatment"


def ensure_enrollment(
    engine: Engine, key: EnrollmentKey, *, likely_new: bool = False
) -> tuple[Enrollment, bool]:
    """The enrollment row of a Temporal run, created if missing; True when this call created it.

    Both the starter and the workflow's first activity may get here first, so both may create it.
    Raises `DuplicateStart` for a second run of a trigger that already has its enrollment.
    `likely_new` (the starter, right after Temporal made the run) skips the first look-up: the
    unique run id catches the rare row that is there already.
    """
    if not likely_new:
        with read_scope(engine) as session:
            existing = by_run(session, key.run_id)
            if existing is not None:
                return existing, False
    row = Enrollment(
        workflow_id=key.workflow_id,
        version=key.version,
        profile_id=key.profile_id,
        temporal_workflow_id=key.temporal_workflow_id,
        temporal_run_id=key.run_id,
        test=key.test,
        trigger_id=key.trigger_id,
        # A goal counts for enrollments that started before it: while Temporal was
        # away, that is when the trigger happened, not when the outbox caught up.
        started_at=key.triggered_at or utcnow(),
        entered=key.entered,
        cohort=key.cohort,
    )
    try:
        with session_scope(engine) as session:
            # A Core insert (the ORM's unit of work cost more than the write itself on every
            # start); the row is then what a flushed, committed one is: detached, with its id.
            values = {column.name: getattr(row, column.name) for column in _INSERTED}
            row.id = session.connection().execute(_INSERT, values).scalar_one()
        make_transient_to_detached(row)
        return row, True
    except IntegrityError:
        with read_scope(engine) as session:
            existing = by_run(session, key.run_id)
            first = _by_trigger(session, key.trigger_id) if existing is None else None
        if existing is not None:
            return existing, False
        if first is not None:
            raise DuplicateStart(first, key.run_id) from None
        raise


_INSERTED = [column for column in table_of(Enrollment).columns if not column.primary_key]
_INSERT = insert(table_of(Enrollment)).returning(table_of(Enrollment).c.id)


def _by_trigger(session: Session, trigger_id: str | None) -> Enrollment | None:
    if trigger_id is None:
        return None
    return session.exec(select(Enrollment).where(Enrollment.trigger_id == trigger_id)).first()


def record_missing_delivery(
    engine: Engine,
    key: EnrollmentKey,
    step_path: str,
    *,
    type: str,
    status: str,
    detail: str,
    attempts: int | None,
    passages: Sequence[Mapping[str, str]] = (),
) -> None:
    """The outcome a step activity reached but could not write; a delivery already there wins
    (the activity's own write may have landed after all)."""
    enrollment, _ = ensure_enrollment(engine, key)
    assert enrollment.id is not None
    with session_scope(engine) as session:
        record_passages(session, enrollment.id, passages)
        if delivery_of(session, enrollment.id, step_path) is None:
            sent = _campaign_sent(session, enrollment, step_path) if type == "email" else None
            record_delivery(
                session,
                enrollment.id,
                step_path,
                type=type,
                status=status,
                detail=detail,
                attempts=attempts or 1,
                campaign_id=sent,
            )
        step_reached(session, enrollment.id, top_index(step_path) + 1)


def _campaign_sent(session: Session, enrollment: Enrollment, step_path: str) -> int | None:
    """The campaign of the Send email step at `step_path` in the enrollment's version."""
    definition = definition_of(session, enrollment.workflow_id, enrollment.version)
    if definition is None:
        return None
    step = dict(definition.email_steps()).get(step_path)
    return step.campaign_id if step is not None else None


def record_conversion(engine: Engine, key: EnrollmentKey, at: datetime) -> None:
    enrollment, _ = ensure_enrollment(engine, key)
    with session_scope(engine) as session:
        session.execute(
            update(Enrollment)
            .where(col(Enrollment.id) == enrollment.id, col(Enrollment.converted_at).is_(None))
            .values(converted_at=at)
        )


def finish_enrollment(
    engine: Engine,
    key: EnrollmentKey,
    *,
    status: str,
    reason: str | None,
    steps_completed: int,
    converted_at: datetime | None,
    passages: Sequence[Mapping[str, str]] = (),
    replaces_step_ending: bool = False,
) -> None:
    ending = _Ending(status, reason, steps_completed, converted_at, passages, replaces_step_ending)
    # One transaction when the row is there (always, but for a starter that has not written it
    # yet while the whole journey ran).
    with session_scope(engine) as session:
        found = session.connection().execute(_ID_OF_RUN, {"run_id": key.run_id}).first()
        if found is not None:
            ending.write(session, found.id)
            return
    enrollment, _ = ensure_enrollment(engine, key)
    assert enrollment.id is not None
    with session_scope(engine) as session:
        ending.write(session, enrollment.id)


_ID_OF_RUN = sa_select(col(Enrollment.id)).where(
    col(Enrollment.temporal_run_id) == bindparam("run_id")
)
_ENDING_VALUES = {
    "status": bindparam("status"),
    "exit_reason": bindparam("reason"),
    "steps_completed": case(
        (
            col(Enrollment.steps_completed) < bindparam("steps_completed"),
            bindparam("steps_completed"),
        ),
        else_=col(Enrollment.steps_completed),
    ),
    "converted_at": func.coalesce(
        col(Enrollment.converted_at), bindparam("converted_at", type_=UTCDateTime())
    ),
    "ended_at": bindparam("ended_at", type_=UTCDateTime()),
}
# The ending, once: a row that has ended already keeps its ending (Core: no ORM object).
_END = (
    update(table_of(Enrollment))
    .where(
        col(Enrollment.id) == bindparam("enrollment_id"),
        col(Enrollment.status).not_in(ENDED_STATUSES),
    )
    .values(_ENDING_VALUES)
)
# The run's own ending replacing the `completed` its last step wrote (a goal or an exit came
# while that step ran); any other ending (an erasure's) is kept.
_END_AFTER_STEP = (
    update(table_of(Enrollment))
    .where(
        col(Enrollment.id) == bindparam("enrollment_id"),
        col(Enrollment.status).not_in([s for s in ENDED_STATUSES if s != "completed"]),
    )
    .values(_ENDING_VALUES)
)


def end_enrollment(
    session: Session,
    enrollment_id: int,
    *,
    status: str,
    reason: str | None,
    steps_completed: int,
    converted_at: datetime | None,
    replaces_step_ending: bool = False,
) -> None:
    """Write the enrollment's ending unless it has one (see `_END_AFTER_STEP` for the one
    exception)."""
    session.connection().execute(
        _END_AFTER_STEP if replaces_step_ending else _END,
        {
            "enrollment_id": enrollment_id,
            "status": status,
            "reason": reason,
            "steps_completed": steps_completed,
            "converted_at": converted_at,
            "ended_at": utcnow(),
        },
    )


@dataclass(frozen=True)
class _Ending:
    status: str
    reason: str | None
    steps_completed: int
    converted_at: datetime | None
    passages: Sequence[Mapping[str, str]]

    replaces_step_ending: bool = False

    def write(self, session: Session, enrollment_id: int) -> None:
        record_passages(session, enrollment_id, self.passages)
        end_enrollment(
            session,
            enrollment_id,
            status=self.status,
            reason=self.reason,
            steps_completed=self.steps_completed,
            converted_at=self.converted_at,
            replaces_step_ending=self.replaces_step_ending,
        )
