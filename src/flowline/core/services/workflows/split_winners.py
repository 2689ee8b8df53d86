"""The winner of a `split` with `auto_winner`: decided once, when the anytime-valid interval
shows one path better than every other, and kept for the version (a new version starts over).

The split step calls `decide_split_winner` before choosing a path: once it answers a winner,
new enrollments all take that path. The confidence sequence may be consulted at every call
without inflating the error (see definitions/experiments/confidence_sequence.py), so asking at
each enrollment is fine.
"""

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flowline.core.models.experiments import SplitWinner
from flowline.core.services.workflows.experiment import (
    experiment_plan,
    path_counts,
    tallies,
    version_definition,
)
from flowline.definitions.experiments import best_path


def recorded_winner(
    session: Session, workflow_id: int, version: int, step_path: str
) -> SplitWinner | None:
    return session.exec(
        select(SplitWinner).where(
            col(SplitWinner.workflow_id) == workflow_id,
            col(SplitWinner.version) == version,
            col(SplitWinner.step_path) == step_path,
        )
    ).first()


def _auto_winner(session: Session, workflow_id: int, version: int, step_path: str) -> bool:
    plan = experiment_plan(version_definition(session, workflow_id, version))
    return any(split.path == step_path and split.auto_winner for split in plan.splits)


def decide_split_winner(
    session: Session, workflow_id: int, version: int, step_path: str, paths: Sequence[str]
) -> SplitWinner | None:
    """The split's winner: the one recorded, or a new one recorded now if the split of this
    version has `auto_winner` and one path (of `paths`, the path names in order) is
    significantly better than every other; None otherwise.

    Runs in the caller's transaction (it does not commit). Two callers deciding at once insert
    one row: the loser of the race reads the winner's (a savepoint keeps its transaction)."""
    recorded = recorded_winner(session, workflow_id, version, step_path)
    if recorded is not None:
        return recorded
    if len(paths) < 2 or not _auto_winner(session, workflow_id, version, step_path):
        return None
    counts = tallies(session, workflow_id, version, step_path)
    found = best_path(path_counts(counts, step_path, len(paths)))
    if found is None:
        return None
    index, lift = found
    row = SplitWinner(
        workflow_id=workflow_id,
        version=version,
        step_path=step_path,
        path_index=index,
        path_name=paths[index],
        lift=lift.absolute,
        ci_low=lift.anytime_ci95[0],
        ci_high=lift.anytime_ci95[1],
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return recorded_winner(session, workflow_id, version, step_path)
    return row
