"""The enrollment rows the starter and the worker write: either may come first, each write once."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.profiles import Profile
from flowline.core.models.workflows import Workflow
from flowline.core.services.enrollments.record_jobs import (
    DuplicateStart,
    EnrollmentKey,
    ensure_enrollment,
    finish_enrollment,
)
from flowline.core.services.enrollments.records import ERASED_REASON
from flowline.worker.activities.step_context import StepContext, load_step_context
from flowline.worker.contracts import EnrollmentRef, StepResult

CONVERTED_AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def workflow_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        session.add(Profile(id="p-1", properties={"email": "a@example.com", "optin": True}))
        workflow = Workflow(name="w")
        session.add(workflow)
        session.flush()
        assert workflow.id is not None
        return workflow.id


def _ref(workflow_id: int, run_id: str = "run-1", trigger_id: str | None = "t-1") -> EnrollmentRef:
    return EnrollmentRef(
        workflow_id=workflow_id,
        version=1,
        profile_id="p-1",
        temporal_workflow_id=f"enroll:{workflow_id}:p-1",
        run_id=run_id,
        trigger_id=trigger_id,
    )


def _key(ref: EnrollmentRef) -> EnrollmentKey:
    return EnrollmentKey(**ref.model_dump())


def _rows(engine: Engine) -> list[Enrollment]:
    with Session(engine) as session:
        return list(session.exec(select(Enrollment)).all())


@contextmanager
def _transactions(engine: Engine) -> Iterator[list[object]]:
    """The transactions begun on an engine meanwhile (reads and writes alike)."""
    begun: list[object] = []

    def count(connection: object) -> None:
        begun.append(connection)

    event.listen(engine, "begin", count)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", count)


def test_the_starter_finds_the_row_the_first_activity_wrote_without_a_second_one(
    engine: Engine, workflow_id: int
) -> None:
    ref = _ref(workflow_id)
    first, created = ensure_enrollment(engine, _key(ref))
    assert created
    # The starter skips its look-up (likely_new); the unique run id still finds the row.
    again, created_again = ensure_enrollment(engine, _key(ref), likely_new=True)
    assert (again.id, created_again) == (first.id, False)
    assert len(_rows(engine)) == 1


def test_a_likely_new_second_run_of_a_started_trigger_is_a_duplicate_start(
    engine: Engine, workflow_id: int
) -> None:
    ensure_enrollment(engine, _key(_ref(workflow_id)))
    with pytest.raises(DuplicateStart):
        ensure_enrollment(engine, _key(_ref(workflow_id, run_id="run-2")), likely_new=True)
    assert [r.temporal_run_id for r in _rows(engine)] == ["run-1"]


def test_the_step_context_is_one_read_transaction_with_the_steps_own_reads(
    engine: Engine, workflow_id: int
) -> None:
    ref = _ref(workflow_id)
    ensure_enrollment(engine, _key(ref))
    with _transactions(engine) as begun:
        context = load_step_context(
            engine, ref, "0", "optin", also=lambda session, _properties: session.get(Profile, "p-1")
        )
    assert isinstance(context, StepContext)
    assert context.properties["email"] == "a@example.com"
    assert isinstance(context.also, Profile) and context.also.id == "p-1"
    assert len(begun) == 1


def test_a_step_that_runs_before_its_starter_writes_the_enrollment_row(
    engine: Engine, workflow_id: int
) -> None:
    context = load_step_context(engine, _ref(workflow_id), "0", "optin")
    assert isinstance(context, StepContext)
    [row] = _rows(engine)
    assert (row.id, row.temporal_run_id, row.trigger_id) == (context.enrollment_id, "run-1", "t-1")


def test_a_step_of_an_erased_enrollment_ends_it_without_running_its_own_reads(
    engine: Engine, workflow_id: int
) -> None:
    ref = _ref(workflow_id)
    row, _ = ensure_enrollment(engine, _key(ref))
    with session_scope(engine) as session:
        erased = session.get(Enrollment, row.id)
        assert erased is not None
        erased.status, erased.exit_reason = "exited", ERASED_REASON
        session.add(erased)
    read: list[str] = []
    context = load_step_context(
        engine, ref, "0", "optin", also=lambda s, _properties: read.append("x")
    )
    assert isinstance(context, StepResult) and context.outcome == "profile_deleted"
    assert read == []


def test_finishing_writes_the_ending_and_the_passed_steps_in_one_transaction(
    engine: Engine, workflow_id: int
) -> None:
    ref = _ref(workflow_id)
    ensure_enrollment(engine, _key(ref))
    with _transactions(engine) as begun:
        finish_enrollment(
            engine,
            _key(ref),
            status="converted",
            reason="goal_reached",
            steps_completed=2,
            converted_at=CONVERTED_AT,
            passages=[{"step_path": "1", "type": "wait", "status": "done"}],
        )
    assert len(begun) == 1
    [row] = _rows(engine)
    assert (row.status, row.exit_reason, row.steps_completed) == ("converted", "goal_reached", 2)
    assert row.converted_at is not None and row.ended_at is not None
    with Session(engine) as session:
        [wait] = session.exec(select(Delivery)).all()
    assert (wait.step_path, wait.type, wait.status) == ("1", "wait", "done")


def test_a_journey_that_ends_before_its_starter_wrote_the_row_still_records_its_ending(
    engine: Engine, workflow_id: int
) -> None:
    ref = _ref(workflow_id)
    finish_enrollment(
        engine, _key(ref), status="completed", reason=None, steps_completed=1, converted_at=None
    )
    [row] = _rows(engine)
    assert (row.temporal_run_id, row.status, row.steps_completed) == ("run-1", "completed", 1)
    # The starter comes afterwards and finds it.
    again, created = ensure_enrollment(engine, _key(ref), likely_new=True)
    assert (again.id, again.status, created) == (row.id, "completed", False)


def test_an_ended_enrollment_keeps_its_first_ending(engine: Engine, workflow_id: int) -> None:
    ref = _ref(workflow_id)
    ensure_enrollment(engine, _key(ref))
    finish_enrollment(
        engine, _key(ref), status="exited", reason="manual", steps_completed=0, converted_at=None
    )
    finish_enrollment(
        engine, _key(ref), status="completed", reason=None, steps_completed=3, converted_at=None
    )
    [row] = _rows(engine)
    assert (row.status, row.exit_reason, row.steps_completed) == ("exited", "manual", 0)
