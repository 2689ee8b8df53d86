"""What every action step reads before it acts: its enrollment row, the live profile, consent."""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Engine, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col
from temporalio import activity
from temporalio.exceptions import ApplicationError

from flowline.core.database import read_scope, session_scope
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.profiles import Profile
from flowline.core.services.engagement.links import store_links
from flowline.core.services.enrollments.record_jobs import (
    DuplicateStart,
    EnrollmentKey,
    end_enrollment,
    ensure_enrollment,
)
from flowline.core.services.enrollments.records import (
    ERASED_REASON,
    delivery_of,
    record_delivery,
    record_passages,
    step_reached,
)
from flowline.core.services.sql import table_of
from flowline.definitions.enrollment import has_consent
from flowline.definitions.step_tree import top_index
from flowline.worker import policies
from flowline.worker.activities.attempts import in_thread
from flowline.worker.activities.urgent_writes import URGENT_WRITES
from flowline.worker.contracts import EnrollmentRef, LastStepEnding, StepPassage, StepResult


@dataclass
class StepContext:
    enrollment_id: int
    properties: dict[str, Any]
    done: Delivery | None  # the outcome an earlier attempt already recorded
    also: Any = None  # what the step's own `also` read in the same transaction


def enrollment_key(ref: EnrollmentRef) -> EnrollmentKey:
    return EnrollmentKey(**ref.model_dump())


def duplicate_start_fails(error: DuplicateStart) -> ApplicationError:
    """A duplicate run (see `DuplicateStart`) fails at once instead of retrying for ever."""
    return ApplicationError(str(error), type="DuplicateStart", non_retryable=True)


def load_step_context(
    engine: Engine,
    ref: EnrollmentRef,
    step_path: str,
    consent_property: str | None,
    also: Callable[[Session, dict[str, Any]], Any] | None = None,
) -> StepContext | StepResult:
    """The live profile for a step, or the result that ends the enrollment before it acts.

    One read-only transaction (no write lock on SQLite), which also runs the step's own reads
    (`also`, given the session and the profile's properties); the step's progress is written
    with its outcome. Only an activity that got here
    before its starter wrote the enrollment row writes it first.
    """
    with read_scope(engine) as session:
        row = _read_context(session, ref, step_path)
        if row is not None:
            return _context(session, row, step_path, consent_property, also)
    try:
        ensure_enrollment(engine, enrollment_key(ref))
    except DuplicateStart as error:
        raise duplicate_start_fails(error) from None
    with read_scope(engine) as session:
        row = _read_context(session, ref, step_path)
        assert row is not None  # written just now
        return _context(session, row, step_path, consent_property, also)


def _read_context(session: Session, ref: EnrollmentRef, step_path: str) -> Any:
    params = {"run_id": ref.run_id, "step_path": step_path, "profile_id": ref.profile_id}
    return session.connection().execute(_CONTEXT, params).first()


# All a step reads before it acts, in one statement built once: its enrollment (by run), the
# outcome an earlier attempt recorded (if any), the live profile (if it still exists).
_CONTEXT = (
    sa_select(
        col(Enrollment.id),
        col(Enrollment.exit_reason),
        sa_select(col(Delivery.id))
        .where(
            col(Delivery.enrollment_id) == col(Enrollment.id),
            col(Delivery.step_path) == bindparam("step_path"),
        )
        .scalar_subquery(),
        col(Profile.id),
        col(Profile.properties),
    )
    .select_from(table_of(Enrollment))
    .outerjoin(table_of(Profile), col(Profile.id) == bindparam("profile_id"))
    .where(col(Enrollment.temporal_run_id) == bindparam("run_id"))
)


def _context(
    session: Session,
    row: Sequence[Any],
    step_path: str,
    consent_property: str | None,
    also: Callable[[Session, dict[str, Any]], Any] | None,
) -> StepContext | StepResult:
    enrollment_id, exit_reason, done_id, profile_id, properties = row
    if exit_reason == ERASED_REASON:
        # Erased while this run waited: a profile re-created under the same id is someone else.
        return StepResult(outcome="profile_deleted", detail="the profile was deleted")
    # Any recorded outcome is final: acting again could send twice.
    if done_id is not None:
        done = delivery_of(session, enrollment_id, step_path)
        assert done is not None
        return StepContext(enrollment_id, {}, done)
    if profile_id is None:
        return StepResult(outcome="profile_deleted", detail="the profile was deleted")
    # Consent is read live before every action: a withdrawal ends the enrollment.
    if not has_consent(properties, consent_property):
        return StepResult(outcome="consent_withdrawn", detail=f"no consent in '{consent_property}'")
    extra = also(session, properties) if also is not None else None
    return StepContext(enrollment_id, dict(properties), None, extra)


def write_delivery(
    engine: Engine,
    enrollment_id: int,
    step_path: str,
    *,
    type: str,
    result: StepResult,
    passed: Sequence[StepPassage] = (),
    links: Sequence[str] = (),
    campaign_id: int | None = None,
    ending: LastStepEnding | None = None,
) -> None:
    """The step's delivery, the steps it passed, its progress and the links of a tracked mail,
    and the enrollment's ending when it is the run's last step, in one transaction."""
    with session_scope(engine) as session:
        _delivery_in(session, enrollment_id, step_path, type, result, passed, links, campaign_id)
        if ending is not None:
            end_enrollment(
                session,
                enrollment_id,
                status="completed",
                reason=None,
                steps_completed=ending.steps_completed,
                converted_at=ending.converted_at,
            )


def _delivery_in(
    session: Session,
    enrollment_id: int,
    step_path: str,
    type: str,
    result: StepResult,
    passed: Sequence[StepPassage],
    links: Sequence[str] = (),
    campaign_id: int | None = None,
) -> None:
    record_passages(session, enrollment_id, [p.model_dump() for p in passed])
    record_delivery(
        session,
        enrollment_id,
        step_path,
        type=type,
        status=result.outcome,
        detail=result.detail,
        attempts=result.attempts or 1,
        facts=result.facts,
        campaign_id=campaign_id,
    )
    store_links(session, enrollment_id, step_path, links)
    step_reached(session, enrollment_id, top_index(step_path) + 1)


def start_urgent_write(
    engine: Engine,
    enrollment_id: int,
    step_path: str,
    *,
    type: str,
    result: StepResult,
    passed: Sequence[StepPassage] = (),
    links: Sequence[str] = (),
    campaign_id: int | None = None,
) -> "asyncio.Future[None]":
    """Begin writing the delivery now, ahead of this process's other writes (`urgent_writes`);
    `record` awaits it. Once started the write runs to its end, even if the attempt that
    started it is cancelled."""
    job = partial(
        _delivery_in,
        enrollment_id=enrollment_id,
        step_path=step_path,
        type=type,
        result=result,
        passed=passed,
        links=links,
        campaign_id=campaign_id,
    )
    return URGENT_WRITES.submit(engine, job)


async def record(
    engine: Engine,
    enrollment_id: int,
    step_path: str,
    *,
    type: str,
    result: StepResult,
    passed: Sequence[StepPassage] = (),
    started: "asyncio.Future[None] | None" = None,
    links: Sequence[str] = (),
    campaign_id: int | None = None,
    ending: LastStepEnding | None = None,
) -> StepResult:
    """Write the step's delivery (or wait for the write `start_urgent_write` began); on failure
    report the outcome anyway, marked unrecorded.

    An email the SMTP server accepted must be reported as sent even when our own database is
    down: failing here would make Temporal retry, and the retry would send it again.
    `ending` (not with `started`): the enrollment's ending, written in the same transaction.
    """
    try:
        if started is None:
            await in_thread(
                policies.STEP_RECORD_BUDGET,
                partial(
                    write_delivery,
                    engine,
                    enrollment_id,
                    step_path,
                    type=type,
                    result=result,
                    passed=passed,
                    links=links,
                    campaign_id=campaign_id,
                    ending=ending,
                ),
            )
        else:
            async with asyncio.timeout(policies.STEP_RECORD_BUDGET.total_seconds()):
                await asyncio.shield(started)
    except Exception:
        activity.logger.warning(
            "could not record the %s delivery; the workflow records it", type, exc_info=True
        )
        return result.model_copy(update={"recorded": False, "facts": None})
    # The facts stay in the database (erased with the profile), out of the run's history.
    ended = ending is not None and started is None
    return result.model_copy(update={"facts": None, "ended": ended})
