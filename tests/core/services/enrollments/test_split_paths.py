"""The path an enrollment takes at a split: drawn or the winner's, recorded once."""

from sqlalchemy import Engine
from sqlmodel import Session, select

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.experiments import EnrollmentPath, SplitWinner
from flowline.core.models.workflows import Workflow
from flowline.core.services.enrollments.split_paths import SplitChoice, take_path
from flowline.core.services.workflows.split_winners import decide_split_winner
from flowline.definitions.experiments import chosen_path

CHOICE = SplitChoice("1", ["A", "B", "C"], [20, 30, 50], auto_winner=True)


def _enrollment(engine: Engine, profile_id: str, version: int = 1) -> Enrollment:
    with session_scope(engine) as session:
        workflow = session.exec(select(Workflow)).first() or Workflow(name="w")
        session.add(workflow)
        session.flush()
        assert workflow.id is not None
        row = Enrollment(
            workflow_id=workflow.id,
            version=version,
            profile_id=profile_id,
            temporal_workflow_id=f"enroll:{workflow.id}:{profile_id}",
            temporal_run_id=f"run-{profile_id}-{version}",
        )
        session.add(row)
        session.flush()
        session.refresh(row)
        session.expunge(row)
        return row


def _take(engine: Engine, enrollment: Enrollment, choice: SplitChoice, attempt: int = 1) -> int:
    with session_scope(engine) as session:
        return take_path(session, enrollment, choice, attempt)


def test_the_drawn_path_is_recorded_once_and_a_retry_answers_the_same(engine: Engine) -> None:
    enrollment = _enrollment(engine, "p-1")
    drawn = chosen_path(enrollment.workflow_id, 1, "1", "p-1", [20, 30, 50])

    first = _take(engine, enrollment, CHOICE)
    again = _take(engine, enrollment, CHOICE, attempt=2)

    assert first == again == drawn
    with Session(engine) as session:
        [path] = session.exec(select(EnrollmentPath)).all()
        [record] = session.exec(select(Delivery)).all()
    assert (path.step_path, path.path_index, path.path_name) == ("1", drawn, CHOICE.names[drawn])
    assert (record.type, record.status, record.detail) == ("split", "done", f"paths.{drawn}")
    assert record.facts == {
        "path_index": drawn,
        "path_name": CHOICE.names[drawn],
        "weight": CHOICE.weights[drawn],
        "winner": False,
    }


def test_a_winner_of_the_version_takes_new_enrollments_and_not_those_of_another(
    engine: Engine,
) -> None:
    early = _enrollment(engine, "p-early")
    early_path = _take(engine, early, CHOICE)
    winner = (early_path + 1) % 3
    with session_scope(engine) as session:
        session.add(
            SplitWinner(
                workflow_id=early.workflow_id,
                version=1,
                step_path="1",
                path_index=winner,
                path_name=CHOICE.names[winner],
                lift=0.04,
                ci_low=0.01,
                ci_high=0.07,
            )
        )
    later = [_enrollment(engine, f"p-{n}") for n in range(5)]
    next_version = _enrollment(engine, "p-v2", version=2)

    assert [_take(engine, e, CHOICE) for e in later] == [winner] * 5
    assert _take(engine, early, CHOICE) == early_path  # kept its own
    v2 = _take(engine, next_version, CHOICE)
    assert v2 == chosen_path(early.workflow_id, 2, "1", "p-v2", [20, 30, 50])
    without = SplitChoice("1", CHOICE.names, CHOICE.weights, auto_winner=False)
    plain = _enrollment(engine, "p-plain")
    assert _take(engine, plain, without) == chosen_path(
        early.workflow_id, 1, "1", "p-plain", [20, 30, 50]
    )
    with Session(engine) as session:
        found = decide_split_winner(session, early.workflow_id, 1, "1", CHOICE.names)
        assert found is not None and found.path_index == winner
        assert decide_split_winner(session, early.workflow_id, 2, "1", CHOICE.names) is None
