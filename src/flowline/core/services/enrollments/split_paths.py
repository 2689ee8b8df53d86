"""The path an enrollment takes at a random split: chosen once, recorded with the step.

The choice is `experiments.chosen_path` (a hash of workflow, version, split and profile), or the
split's winner when it has `auto_winner` and one was recorded for this version. It is written
twice in one transaction: the split's step record (its timeline entry and the journey map read
it) and a row of `enrollment_paths` (the per-path figures read that).
"""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from flowline.core.models.enrollments import Enrollment
from flowline.core.models.experiments import EnrollmentPath
from flowline.core.services.enrollments.records import record_delivery
from flowline.core.services.workflows.split_winners import decide_split_winner
from flowline.definitions.experiments import chosen_path
from flowline.definitions.step_tree import SPLIT_PATHS


@dataclass(frozen=True)
class SplitChoice:
    step_path: str
    names: list[str]
    weights: list[int]
    auto_winner: bool


def take_path(session: Session, enrollment: Enrollment, choice: SplitChoice, attempt: int) -> int:
    """The index of the path this enrollment takes; the same on every retry."""
    assert enrollment.id is not None
    recorded = session.exec(
        select(EnrollmentPath.path_index).where(
            EnrollmentPath.enrollment_id == enrollment.id,
            EnrollmentPath.step_path == choice.step_path,
        )
    ).first()
    if recorded is not None:
        return recorded
    index, facts = _choose(session, enrollment, choice)
    record_delivery(
        session,
        enrollment.id,
        choice.step_path,
        type="split",
        status="done",
        detail=f"{SPLIT_PATHS}.{index}",
        attempts=attempt,
        facts=facts,
    )
    session.add(
        EnrollmentPath(
            enrollment_id=enrollment.id,
            workflow_id=enrollment.workflow_id,
            version=enrollment.version,
            step_path=choice.step_path,
            path_index=index,
            path_name=choice.names[index],
        )
    )
    return index


def _choose(
    session: Session, enrollment: Enrollment, choice: SplitChoice
) -> tuple[int, dict[str, Any]]:
    if choice.auto_winner:
        winner = decide_split_winner(
            session, enrollment.workflow_id, enrollment.version, choice.step_path, choice.names
        )
        if winner is not None and 0 <= winner.path_index < len(choice.names):
            facts = _facts(choice, winner.path_index, winner=True)
            facts["decided_at"] = winner.decided_at.isoformat() if winner.decided_at else None
            return winner.path_index, facts
    index = chosen_path(
        enrollment.workflow_id,
        enrollment.version,
        choice.step_path,
        enrollment.profile_id,
        choice.weights,
    )
    return index, _facts(choice, index, winner=False)


def _facts(choice: SplitChoice, index: int, *, winner: bool) -> dict[str, Any]:
    return {
        "path_index": index,
        "path_name": choice.names[index],
        "weight": choice.weights[index],
        "winner": winner,
    }
