"""Did it work? The experiment figures of a workflow's current version, counted in SQL.

Only the current version counts: a new version may change the holdout share, the splits and
their paths, so its experiment starts over (and a split's winner is undone by it). Test
enrollments are left out, as in the stats. Converted means `converted_at` is set (a goal within
the goal window), whatever the status.

The counts come from `experiment_tallies`, which database triggers keep as enrollments are
inserted, convert, take a split's path or are erased (migration 0021_experiment_tallies): one
read of a handful of rows, whatever the number of enrollments.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session, col, select

from flowline.core.models.experiment_schemas import (
    ExperimentGroups,
    ExperimentPublic,
    GroupFigures,
    LiftPublic,
    SplitFigures,
    SplitPathFigures,
)
from flowline.core.models.experiments import ExperimentTally, SplitWinner
from flowline.core.models.workflows import Workflow, WorkflowVersion
from flowline.definitions.durations import PositiveDuration
from flowline.definitions.experiments import GroupCounts, lift
from flowline.definitions.step_kinds import children
from flowline.definitions.step_tree import child_path

DEFAULT_GOAL_WINDOW = timedelta(days=30)
EMPTY = GroupCounts(0, 0)
_DURATION: TypeAdapter[timedelta] = TypeAdapter(PositiveDuration)


@dataclass(frozen=True)
class SplitPlan:
    """A `split` step as its version's JSON has it."""

    path: str
    names: list[str]
    weights: list[int]
    auto_winner: bool


@dataclass(frozen=True)
class ExperimentPlan:
    """What a stored definition says about its experiment."""

    goal_window: timedelta
    holdout_percent: int
    splits: list[SplitPlan]


def experiment_plan(definition: Mapping[str, Any]) -> ExperimentPlan:
    """The goal window, the holdout share and the splits (at any depth) of a stored definition."""
    try:
        window = _DURATION.validate_python(definition.get("goal_window") or DEFAULT_GOAL_WINDOW)
    except ValidationError:
        window = DEFAULT_GOAL_WINDOW
    holdout = definition.get("holdout_percent")
    return ExperimentPlan(
        goal_window=window,
        holdout_percent=holdout if isinstance(holdout, int) else 0,
        splits=list(_splits(definition.get("steps") or [])),
    )


def _splits(steps: Sequence[Any], prefix: str = "") -> Iterator[SplitPlan]:
    for index, step in enumerate(steps):
        if not isinstance(step, Mapping):
            continue
        path = child_path(prefix, index)
        if step.get("type") == "split":
            paths = [p for p in step.get("paths") or [] if isinstance(p, Mapping)]
            yield SplitPlan(
                path=path,
                names=[str(p.get("name", "")) for p in paths],
                weights=[int(p.get("weight") or 0) for p in paths],
                auto_winner=bool(step.get("auto_winner")),
            )
            for k, taken in enumerate(paths):
                yield from _splits(taken.get("steps") or [], f"{path}.paths.{k}")
            continue
        for arm, held in children(step):
            yield from _splits(held, f"{path}.{arm}")


def version_definition(session: Session, workflow_id: int, version: int) -> dict[str, Any]:
    stored = session.exec(
        select(WorkflowVersion.definition).where(
            col(WorkflowVersion.workflow_id) == workflow_id,
            col(WorkflowVersion.version) == version,
        )
    ).first()
    return dict(stored or {})


def _figures(counts: GroupCounts) -> GroupFigures:
    return GroupFigures(
        enrolled=counts.enrolled, converted=counts.converted, rate=round(counts.rate, 4)
    )


def tallies(
    session: Session, workflow_id: int, version: int, step_path: str | None = None
) -> dict[tuple[str, str, int], GroupCounts]:
    """(step path, cohort, path index) -> enrolled and converted of a version: the groups
    (step path "") and every split's paths, or only the paths of the split at `step_path`."""
    one_split = [] if step_path is None else [col(ExperimentTally.step_path) == step_path]
    rows = session.exec(
        select(ExperimentTally).where(
            col(ExperimentTally.workflow_id) == workflow_id,
            col(ExperimentTally.version) == version,
            *one_split,
        )
    )
    return {
        (row.step_path, row.cohort, row.path_index): GroupCounts(row.enrolled, row.converted)
        for row in rows
    }


def group_counts(counts: Mapping[tuple[str, str, int], GroupCounts]) -> dict[str, GroupCounts]:
    return {cohort: counts.get(("", cohort, 0), EMPTY) for cohort in ("treatment", "holdout")}


def path_counts(
    counts: Mapping[tuple[str, str, int], GroupCounts], step_path: str, paths: int
) -> list[GroupCounts]:
    """Each path of the split at `step_path`: only treatment enrollments take a path."""
    return [counts.get((step_path, "treatment", k), EMPTY) for k in range(paths)]


def split_figures(
    plan: SplitPlan,
    counts: Mapping[tuple[str, str, int], GroupCounts],
    winner: SplitWinner | None,
) -> SplitFigures:
    per_path = path_counts(counts, plan.path, len(plan.names))
    first = per_path[0] if per_path else EMPTY
    return SplitFigures(
        path=plan.path,
        paths=[
            SplitPathFigures(
                name=name,
                weight=weight,
                enrolled=found.enrolled,
                converted=found.converted,
                rate=round(found.rate, 4),
                lift_vs_first=LiftPublic.of(lift(found, first)) if k else None,
            )
            for k, (name, weight, found) in enumerate(
                zip(plan.names, plan.weights, per_path, strict=True)
            )
        ],
        winner=winner.path_name if winner else None,
        decided_at=winner.decided_at if winner else None,
    )


def split_winners_of(session: Session, workflow_id: int, version: int) -> dict[str, SplitWinner]:
    rows = session.exec(
        select(SplitWinner).where(
            col(SplitWinner.workflow_id) == workflow_id, col(SplitWinner.version) == version
        )
    )
    return {row.step_path: row for row in rows}


def workflow_experiment(session: Session, workflow: Workflow) -> ExperimentPublic:
    """The experiment figures of the workflow's current version."""
    assert workflow.id is not None
    plan = experiment_plan(version_definition(session, workflow.id, workflow.version))
    splits = plan.splits
    counts = tallies(session, workflow.id, workflow.version)
    groups = group_counts(counts)
    winners = split_winners_of(session, workflow.id, workflow.version) if splits else {}
    return ExperimentPublic(
        goal_window=plan.goal_window,
        groups=ExperimentGroups(
            treatment=_figures(groups["treatment"]), holdout=_figures(groups["holdout"])
        ),
        lift=LiftPublic.of(lift(groups["treatment"], groups["holdout"])),
        splits=[split_figures(plan, counts, winners.get(plan.path)) for plan in splits],
    )
