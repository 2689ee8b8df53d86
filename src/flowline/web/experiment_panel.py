"""The Experiment panel of the workflow page: figures of the current version, and the lift in
sentences a marketer reads without statistics (the API has the numbers)."""

from dataclasses import dataclass

from sqlmodel import Session

from flowline.core.models.experiment_schemas import (
    ExperimentPublic,
    LiftPublic,
    SplitFigures,
)
from flowline.core.models.experiments import SplitWinner
from flowline.core.models.workflows import Workflow
from flowline.core.services.workflows.experiment import (
    experiment_plan,
    split_winners_of,
    version_definition,
    workflow_experiment,
)
from flowline.definitions.durations import duration_in_words
from flowline.definitions.experiments import MIN_PER_GROUP
from flowline.web.form_tree import engine_path_label

MINUS = "\u2212"


def points(fraction: float) -> str:
    """A difference of rates in percentage points: `2.1`, `−0.4`."""
    text = f"{fraction * 100:.1f}"
    text = "0.0" if text == "-0.0" else text
    return text.replace("-", MINUS)


def interval_words(interval: tuple[float, float]) -> str:
    return f"{points(interval[0])} to {points(interval[1])}"


def lift_sentence(name: str, baseline: str, lift: LiftPublic | None, fewest: int) -> str:
    """`B converts 2.1 points better than A (95 %: 0.4 to 3.8); this holds however often you
    look.` — or why it cannot be said yet."""
    if lift is None:
        return f"Not enough data yet: {MIN_PER_GROUP} per group needed (the smallest has {fewest})."
    size = points(abs(lift.absolute))
    way = "better" if lift.absolute > 0 else "worse"
    if round(lift.absolute * 1000) == 0:
        compared = f"{name} converts as well as {baseline}"
    else:
        compared = f"{name} converts {size} points {way} than {baseline}"
    interval = interval_words(lift.anytime_ci95)
    if lift.significant:
        return f"{compared} (95 %: {interval}); this holds however often you look."
    return (
        f"{compared}, but that may still be chance: the difference lies between {interval} "
        "points (95 %, however often you look), which includes none at all."
    )


def fixed_horizon_words(lift: LiftPublic | None) -> str | None:
    if lift is None:
        return None
    return (
        f"Looked at once, at a size fixed in advance: {interval_words(lift.ci95)} points "
        "(Newcombe 95 %)."
    )


def winner_sentence(decision: SplitWinner) -> str:
    day = decision.decided_at.strftime("%d %b %Y")
    sign = "+" if decision.lift >= 0 else ""
    return (
        f"Winner: {decision.path_name} since {day}: {sign}{points(decision.lift)} points "
        f"({interval_words((decision.ci_low, decision.ci_high))}); new enrollments all take "
        f"{decision.path_name}."
    )


@dataclass(frozen=True)
class SplitPanel:
    label: str
    figures: SplitFigures
    sentences: list[str]
    auto_winner: bool
    winner: str | None


@dataclass(frozen=True)
class ExperimentPanel:
    version: int
    goal_window: str
    holdout_percent: int
    figures: ExperimentPublic
    lift: str
    fixed_horizon: str | None
    splits: list[SplitPanel]


def experiment_panel(session: Session, workflow: Workflow) -> ExperimentPanel:
    assert workflow.id is not None
    plan = experiment_plan(version_definition(session, workflow.id, workflow.version))
    figures = workflow_experiment(session, workflow)
    decisions = split_winners_of(session, workflow.id, workflow.version) if plan.splits else {}
    groups = figures.groups
    splits = []
    for split_plan, split in zip(plan.splits, figures.splits, strict=True):
        first = split.paths[0] if split.paths else None
        sentences = [
            lift_sentence(
                path.name, first.name, path.lift_vs_first, min(path.enrolled, first.enrolled)
            )
            for path in split.paths[1:]
            if first is not None
        ]
        decision = decisions.get(split.path)
        splits.append(
            SplitPanel(
                label=engine_path_label(split.path),
                figures=split,
                sentences=sentences,
                auto_winner=split_plan.auto_winner,
                winner=winner_sentence(decision) if decision else None,
            )
        )
    return ExperimentPanel(
        version=workflow.version,
        goal_window=duration_in_words(plan.goal_window),
        holdout_percent=plan.holdout_percent,
        figures=figures,
        lift=lift_sentence(
            "Treatment",
            "holdout",
            figures.lift,
            min(groups.treatment.enrolled, groups.holdout.enrolled),
        ),
        fixed_horizon=fixed_horizon_words(figures.lift),
        splits=splits,
    )
