"""What saving a workflow refuses beyond its shape: mistakes that would otherwise only show when
an enrollment runs (a broken merge tag, a URL to a private network, exit on a goal that is not
there, nothing to do). Each problem carries the path of its field and says what to do.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from flowline.definitions.journey_steps import UpdateProfileStep
from flowline.definitions.network_ranges import refused_host
from flowline.definitions.step_tree import path_loc
from flowline.definitions.steps import TAG_PATTERN, HttpCallStep
from flowline.definitions.templates import TemplateError, merge_tags_in
from flowline.definitions.workflows import WorkflowDefinition

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]

NO_STEPS = "Add at least one step: a workflow without steps does nothing."
NO_GOAL = (
    "Choose a goal, or untick “Stop the workflow when the goal is reached”: "
    "there is no goal to stop on."
)
NO_GOAL_FOR_HOLDOUT = (
    "Choose a goal, or set Holdout (%) to 0: a holdout shows whether people reach the goal "
    "without the steps, so there must be a goal."
)
PRIVATE_NETWORKS = "FLOWLINE_HTTP_ALLOW_PRIVATE_NETWORKS"


def save_problems(definition: WorkflowDefinition, *, allow_private_networks: bool) -> list[Problem]:
    problems: list[Problem] = []
    if not definition.steps:
        problems.append((("steps",), NO_STEPS))
    if definition.exit_on_goal and definition.goal is None:
        problems.append((("exit_on_goal",), NO_GOAL))
    if definition.holdout_percent > 0 and definition.goal is None:
        problems.append((("holdout_percent",), NO_GOAL_FOR_HOLDOUT))
    for path, step in definition.all_steps():
        where = path_loc(path)
        if isinstance(step, HttpCallStep):
            problems += _http_problems(where, step, allow_private_networks)
        elif isinstance(step, UpdateProfileStep):
            for name, value in step.properties.items():
                problems += _broken_tags(
                    (*where, "properties", name), value, f"The value of '{name}'"
                )
    return problems


def _http_problems(where: Loc, step: HttpCallStep, allow_private: bool) -> list[Problem]:
    problems = _broken_tags((*where, "url"), step.url, "The URL")
    if not allow_private:
        host = urlsplit(TAG_PATTERN.sub("x", step.url)).hostname or ""
        if refused_host(host):
            problems.append(
                (
                    (*where, "url"),
                    f"The URL points to {host}, a private address HTTP steps may not call: "
                    f"use a public address (the operator can allow private networks with "
                    f"{PRIVATE_NETWORKS}=true).",
                )
            )
    for name, value in step.headers.items():
        problems += _broken_tags((*where, "headers", name), value, f"The header {name}")
    problems += _broken_tags((*where, "body"), step.body, "The body")
    return problems


def _broken_tags(where: Loc, value: Any, what: str) -> list[Problem]:
    """Every string in `value` (nested in lists and objects too) whose merge tags do not parse."""
    problems = []
    for at, text in _strings(value, where):
        try:
            merge_tags_in(text)
        except TemplateError as error:
            problems.append((at, error.in_words(what)))
    return problems


def _strings(value: Any, where: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*where, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*where, index))
