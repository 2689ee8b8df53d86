"""The frequency cap's slots: counted per profile over a rolling window, taken race-free."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from flowline.core.database import session_scope
from flowline.core.models.email_sends import EmailSend
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.installation_settings import FrequencyCap
from flowline.core.models.profiles import Profile
from flowline.core.models.workflows import Workflow
from flowline.core.services.frequency_cap import give_back_slot, take_slot

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CAP = FrequencyCap(max=2, per=timedelta(days=1))


def _enrollments(engine: Engine, count: int, profile_id: str = "p-1") -> list[int]:
    with session_scope(engine) as session:
        session.add(Profile(id=profile_id, properties={}))
        workflow = Workflow(name="w")
        session.add(workflow)
        session.flush()
        rows = [
            Enrollment(
                workflow_id=workflow.id,
                version=1,
                profile_id=profile_id,
                temporal_workflow_id=f"enroll:{workflow.id}:{profile_id}",
                temporal_run_id=f"run-{i}",
            )
            for i in range(count)
        ]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows if r.id is not None]


def _take(engine: Engine, enrollment_id: int, now: datetime = NOW, path: str = "0") -> bool:
    with session_scope(engine) as session:
        return take_slot(
            session,
            profile_id="p-1",
            enrollment_id=enrollment_id,
            step_path=path,
            cap=CAP,
            now=now,
        )


def test_third_email_in_a_day_is_over_the_cap_and_the_window_rolls(engine: Engine) -> None:
    first, second, third = _enrollments(engine, 3)
    assert _take(engine, first) and _take(engine, second)
    assert not _take(engine, third)
    assert _take(engine, third, now=NOW + timedelta(days=1, seconds=1))


def test_a_retried_step_keeps_its_slot_and_a_given_back_slot_is_free(engine: Engine) -> None:
    first, second, third = _enrollments(engine, 3)
    assert _take(engine, first) and _take(engine, second)
    assert _take(engine, second)  # the retry of a step that holds its slot
    with session_scope(engine) as session:
        give_back_slot(session, enrollment_id=second, step_path="0")
    assert _take(engine, third)


def test_concurrent_sends_never_both_take_the_last_slot(engine: Engine) -> None:
    ids = _enrollments(engine, 8)
    assert _take(engine, ids[0])  # one slot left
    start = threading.Barrier(len(ids) - 1)
    taken: list[bool] = []

    def send(enrollment_id: int) -> None:
        start.wait()
        taken.append(_take(engine, enrollment_id))

    threads = [threading.Thread(target=send, args=(i,)) for i in ids[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(taken) == [False] * 6 + [True]
    with Session(engine) as session:
        rows = session.exec(select(EmailSend).where(col(EmailSend.profile_id) == "p-1")).all()
    assert len(rows) == 2
