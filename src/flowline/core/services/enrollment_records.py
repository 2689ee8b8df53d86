"""What the worker writes about enrollments: their rows, deliveries, conversions and endings.

Every write is idempotent: an activity retried after a crash finds its earlier work and keeps it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flowline.core.database import read_scope, session_scope
from flowline.core.models.enrollments import ENDED_STATUSES, Delivery, Enrollment
from flowline.core.timestamps import utcnow
from flowline.definitions.step_tree import top_index

# What an erased profile's deliveries say instead of the address or response they recorded.
ERASED_DETAIL = "erased with the profile"
ERASED_REASON = "profile_deleted"


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
    try:
        with session_scope(engine) as session:
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
            )
            session.add(row)
            session.flush()
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


def _by_trigger(session: Session, trigger_id: str | None) -> Enrollment | None:
    if trigger_id is None:
        return None
    return session.exec(select(Enrollment).where(Enrollment.trigger_id == trigger_id)).first()


# The hot statements, built once: an enrollment's steps run them with their own values.
_BY_RUN = select(Enrollment).where(col(Enrollment.temporal_run_id) == bindparam("run_id"))
_DELIVERY = select(Delivery).where(
    col(Delivery.enrollment_id) == bindparam("enrollment_id"),
    col(Delivery.step_path) == bindparam("step_path"),
)
_STEP_REACHED = (
    update(Enrollment)
    .where(
        col(Enrollment.id) == bindparam("enrollment_id"),
        col(Enrollment.steps_completed) < bindparam("step_index"),
    )
    .values(steps_completed=bindparam("step_index"))
)
_NEW_DELIVERY = insert(Delivery.__table__)  # type: ignore[attr-defined]  # Core: no ORM bookkeeping
_LOCKED = (
    select(Enrollment).where(col(Enrollment.id) == bindparam("enrollment_id")).with_for_update()
)


def by_run(session: Session, run_id: str) -> Enrollment | None:
    """The enrollment row of a Temporal run, if it has one."""
    return session.exec(_BY_RUN, params={"run_id": run_id}).first()


def delivery_of(session: Session, enrollment_id: int, step_path: str) -> Delivery | None:
    return session.exec(
        _DELIVERY, params={"enrollment_id": enrollment_id, "step_path": step_path}
    ).first()


def step_reached(session: Session, enrollment_id: int, step_index: int) -> None:
    """Everything before `step_index` is done (feeds the per-step funnel)."""
    session.execute(_STEP_REACHED, {"enrollment_id": enrollment_id, "step_index": step_index})


def record_delivery(
    session: Session,
    enrollment_id: int,
    step_path: str,
    *,
    type: str,
    status: str,
    detail: str,
    attempts: int,
) -> None:
    # Locked, so an erasure running now is either seen here or sees this delivery to scrub it.
    enrollment = session.exec(_LOCKED, params={"enrollment_id": enrollment_id}).first()
    if enrollment is not None and enrollment.exit_reason == ERASED_REASON:
        detail = ERASED_DETAIL  # a step that was under way when its profile was erased
    now = utcnow()
    delivery = delivery_of(session, enrollment_id, step_path)
    if delivery is not None:  # a retry: the outcome of this attempt replaces the last one
        delivery.status, delivery.detail, delivery.attempts = status, detail, attempts
        delivery.updated_at = now
        session.add(delivery)
        session.flush()
        return
    if enrollment is None:
        raise LookupError(f"enrollment {enrollment_id} does not exist")
    # The enrollment's workflow, version and test flag ride along: the stats funnel then counts
    # deliveries without joining enrollments. (A plain INSERT: no ORM object to build and flush.)
    session.execute(
        _NEW_DELIVERY,
        {
            "enrollment_id": enrollment_id,
            "workflow_id": enrollment.workflow_id,
            "version": enrollment.version,
            "test": enrollment.test,
            "step_path": step_path,
            "step_index": top_index(step_path),
            "type": type,
            "status": status,
            "detail": detail,
            "attempts": attempts,
            "created_at": now,
            "updated_at": now,
        },
    )


def record_passages(
    session: Session, enrollment_id: int, passages: Sequence[Mapping[str, str]]
) -> None:
    """Steps that ran without an activity of their own (waits, waits for events), for the
    funnel: `{step_path, type, status, detail}` each, recorded once."""
    for passage in passages:
        if delivery_of(session, enrollment_id, passage["step_path"]) is None:
            record_delivery(
                session,
                enrollment_id,
                passage["step_path"],
                type=passage["type"],
                status=passage["status"],
                detail=passage.get("detail", ""),
                attempts=1,
            )


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
            record_delivery(
                session,
                enrollment.id,
                step_path,
                type=type,
                status=status,
                detail=detail,
                attempts=attempts or 1,
            )
        step_reached(session, enrollment.id, top_index(step_path) + 1)


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
) -> None:
    ending = _Ending(status, reason, steps_completed, converted_at, passages)
    # One transaction when the row is there (always, but for a starter that has not written it
    # yet while the whole journey ran).
    with session_scope(engine) as session:
        row = by_run(session, key.run_id)
        if row is not None:
            ending.write(session, row)
            return
    enrollment, _ = ensure_enrollment(engine, key)
    with session_scope(engine) as session:
        row = session.get(Enrollment, enrollment.id)
        if row is not None:
            ending.write(session, row)


@dataclass(frozen=True)
class _Ending:
    status: str
    reason: str | None
    steps_completed: int
    converted_at: datetime | None
    passages: Sequence[Mapping[str, str]]

    def write(self, session: Session, row: Enrollment) -> None:
        assert row.id is not None
        record_passages(session, row.id, self.passages)
        if row.status in ENDED_STATUSES:
            return
        row.status = self.status
        row.exit_reason = self.reason
        row.steps_completed = max(row.steps_completed, self.steps_completed)
        if self.converted_at is not None and row.converted_at is None:
            row.converted_at = self.converted_at
        row.ended_at = utcnow()
        session.add(row)
