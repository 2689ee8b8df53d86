"""Every step kind in one table: its tag, model, label, the step lists it holds, its words.

A new step kind is its model (in `definitions`), one `StepKind` row below, its handler in the
worker and its form fields in the web UI. What else names step kinds reads this table: the tags
taken out of error paths, the step lists in a path (`steps`, `then`, `else`, a split's
`paths.k`), the form's Action
dropdown, how deep steps nest and which figures the stats funnel shows.

The walks here read parsed steps and stored JSON (dicts) alike: a scan of saved definitions
(which campaigns a workflow sends) and a walk of the parsed tree meet the same arms.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import BaseModel

from flowline.definitions.durations import humanize
from flowline.definitions.journey_steps import UpdateProfileStep, WaitForEventStep
from flowline.definitions.segments import describe_rule
from flowline.definitions.step_tree import SPLIT_PATHS, BranchStep, SplitStep, child_path
from flowline.definitions.steps import HttpCallStep, SendEmailStep, WaitStep

MAX_BRANCH_DEPTH = 3
"""Steps that hold steps (branches, splits) nest up to this many levels in all."""


class Arm(NamedTuple):
    """A list of steps a step holds: a branch's `then` and `else`."""

    name: str
    """Its name in paths and stored JSON (`3.else.0`)."""
    label: str
    """Its name in the UI."""
    attribute: str
    """Its attribute on the parsed model (`else_`: `else` is a keyword)."""


@dataclass(frozen=True)
class StepKind:
    tag: str
    """The `type` a step of this kind carries."""
    model: type[BaseModel]
    label: str
    """The UI's name of the kind (the Action dropdown, the stats funnel)."""
    words: Callable[[Any], str]
    """One line about a parsed step of this kind (the enrollment's Temporal summary)."""
    arms: tuple[Arm, ...] = ()
    outcome: bool = True
    """Whether a run can succeed, fail or be skipped; a wait and a branch only pass."""
    paths: bool = False
    """Whether it holds a list of named paths (a split: arms `paths.0`, `paths.1`, ...)."""

    @property
    def holds_steps(self) -> bool:
        return bool(self.arms) or self.paths

    def children(self, step: Any) -> list[tuple[str, Sequence[Any]]]:
        """`[(arm, steps)]` of a parsed step or of its stored JSON; none for most kinds."""
        return [(name, held) for name, _, held in self.labelled_children(step)]

    def labelled_children(self, step: Any) -> list[tuple[str, str, Sequence[Any]]]:
        """`[(arm, label, steps)]`: a branch's Then and Else, a split's paths by name."""
        if self.paths:
            return [
                (f"{SPLIT_PATHS}.{k}", name, held) for k, (name, held) in enumerate(_paths(step))
            ]
        if isinstance(step, Mapping):
            return [(arm.name, arm.label, _listed(step.get(arm.name))) for arm in self.arms]
        return [(arm.name, arm.label, getattr(step, arm.attribute)) for arm in self.arms]


def _listed(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def _paths(step: Any) -> list[tuple[str, Sequence[Any]]]:
    """A split's `(name, steps)` per path, parsed or stored JSON."""
    if isinstance(step, Mapping):
        found = _listed(step.get(SPLIT_PATHS))
        return [
            (str(p.get("name", k)), _listed(p.get("steps")))
            if isinstance(p, Mapping)
            else (
                str(k),
                [],
            )
            for k, p in enumerate(found)
        ]
    return [(p.name, p.steps) for p in step.paths]


# In the order the Action dropdown offers them.
STEP_KINDS: tuple[StepKind, ...] = (
    StepKind("wait", WaitStep, "Wait", lambda s: f"wait {humanize(s.duration)}", outcome=False),
    StepKind(
        "wait_for_event",
        WaitForEventStep,
        "Wait for event",
        lambda s: f"wait up to {humanize(s.timeout)} for event '{s.event}'",
    ),
    StepKind("http_call", HttpCallStep, "HTTP call", lambda s: f"{s.method} {s.url}"),
    StepKind(
        "send_email",
        SendEmailStep,
        "Send email",
        lambda s: f"send email (campaign {s.campaign_id})",
    ),
    StepKind(
        "update_profile",
        UpdateProfileStep,
        "Update profile",
        lambda s: "update profile: " + ", ".join(sorted(s.properties)),
    ),
    StepKind(
        "branch",
        BranchStep,
        "Branch",
        lambda s: f"branch: if {describe_rule(s.rule())}",
        arms=(Arm("then", "Then", "then"), Arm("else", "Else", "else_")),
        outcome=False,
    ),
    StepKind("split", SplitStep, "Random split", lambda s: s.words(), outcome=False, paths=True),
)
KINDS: dict[str, StepKind] = {kind.tag: kind for kind in STEP_KINDS}
ARM_NAMES: frozenset[str] = frozenset(
    {arm.name for kind in STEP_KINDS for arm in kind.arms}
    | ({SPLIT_PATHS} if any(kind.paths for kind in STEP_KINDS) else set())
)
"""Names of the step lists in a body location (`then`, `else`, a split's `paths`)."""


def kind_of(step: Any) -> StepKind | None:
    """The kind of a parsed step or of stored JSON; None for anything else."""
    tag = step.get("type") if isinstance(step, Mapping) else getattr(step, "type", None)
    return KINDS.get(tag) if isinstance(tag, str) else None


def children(step: Any) -> list[tuple[str, Sequence[Any]]]:
    """The step lists a step holds, as `[(arm, steps)]`: `[("then", ...), ("else", ...)]`,
    `[("paths.0", ...), ("paths.1", ...)]`."""
    kind = kind_of(step)
    return kind.children(step) if kind is not None else []


def labelled_children(step: Any) -> list[tuple[str, str, Sequence[Any]]]:
    """`[(arm, label, steps)]`: labels are `Then`/`Else`, or a split's path names."""
    kind = kind_of(step)
    return kind.labelled_children(step) if kind is not None else []


def walk(steps: Sequence[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every step with its path, in the order a reader meets them (a branch, then its arms).

    Parsed steps or stored JSON; anything in a list that is not a step is yielded as it is.
    """
    for index, step in enumerate(steps):
        path = child_path(prefix, index)
        yield path, step
        for arm, held in children(step):
            yield from walk(held, f"{path}.{arm}")


def nesting_depth(steps: Sequence[Any]) -> int:
    """How many steps that hold steps (branches) are nested inside each other at most."""
    deepest = 0
    for step in steps:
        arms = children(step)
        if arms:
            deepest = max(deepest, 1 + max(nesting_depth(held) for _, held in arms))
    return deepest


def step_in_words(step: Any) -> str:
    kind = kind_of(step)
    return kind.words(step) if kind is not None else str(getattr(step, "type", "step"))
