"""API error paths → the form field each error is shown next to.

`["steps", 2, "duration"]` → `steps.2.duration`; `["steps", 1, "then", 0, "url"]` →
`steps.1.then.0.url`; an error about a whole step (an unknown action) goes to its Action field;
an error about the whole workflow (branches nested too deep) stays at the top of the form. Every
error is also listed in the form's summary, so none can go unseen.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowline.core.errors import ValidationFailed
from flowline.definitions.step_kinds import ARM_NAMES
from flowline.definitions.step_tree import SPLIT_PATHS
from flowline.web.form_tree import dotted, step_label

_TOP_FIELDS = {"name", "enabled", "consent_property", "exit_on_goal", "reentry"}
_TOP_FIELDS |= {"ignore_frequency_cap", "holdout_percent", "goal_window"}
_WINDOW_FIELDS = {"days", "start", "end", "timezone_property", "default_timezone"}
_STEP_FIELDS = {"type", "duration", "event", "timeout", "on_timeout", "method", "url"}
_STEP_FIELDS |= {"headers", "body", "on_failure", "email_property", "campaign_id", "condition"}
_STEP_FIELDS |= {"auto_winner"}
_FILTER_FIELDS = ("property", "value")
# Step lists in a field's path: a branch's arms, a split's paths and each path's steps.
_LISTS = ARM_NAMES | {"steps"}


@dataclass
class FormErrors:
    fields: dict[str, list[str]] = field(default_factory=dict)
    summary: list[tuple[str | None, str]] = field(default_factory=list)

    def at(self, key: str) -> list[str]:
        return self.fields.get(key, [])

    def under(self, prefix: str) -> bool:
        return any(key.startswith(prefix) for key in self.fields)


def errors_of(failed: ValidationFailed) -> list[tuple[list[str | int], str]]:
    return [(list(e["loc"]), str(e["msg"])) for e in failed.errors]


def place_errors(
    errors: Iterable[Mapping[str, Any]],
    key_of: Callable[[Sequence[str | int]], str | None] | None = None,
) -> FormErrors:
    """Each error next to its field (`key_of` its path; the workflow form's by default)."""
    placed = FormErrors()
    for error in errors:
        key = (key_of or field_for)(error["loc"])
        message = str(error["msg"])
        if key is not None:
            placed.fields.setdefault(key, []).append(message)
        placed.summary.append((key, message))
    return placed


def field_for(loc: Sequence[str | int]) -> str | None:
    """The form field an API error path belongs to; None for the form as a whole."""
    if not loc:
        return None
    head, rest = loc[0], list(loc[1:])
    if head in _TOP_FIELDS:
        return str(head)
    if head == "trigger":
        return _trigger_or_goal("trigger", rest, {"type", "segment_id", "event"}, "type")
    if head == "goal":
        rest = ["segment" if part == "segment_entered" else part for part in rest]
        return _trigger_or_goal("goal", rest, {"event", "segment"}, "kind")
    if head == "send_window":
        name = rest[0] if rest and rest[0] in _WINDOW_FIELDS else "days"
        return f"send_window.{name}"
    if head == "steps" and rest and isinstance(rest[0], int):
        return _step_field(loc)
    if head == "steps":
        return "steps"  # the list as a whole (no steps at all): next to "Add step"
    return None


def _trigger_or_goal(prefix: str, rest: list[Any], fields: set[str], whole: str) -> str:
    if rest and rest[0] == "filter":
        name = rest[1] if len(rest) > 1 and rest[1] in _FILTER_FIELDS else "property"
        return f"{prefix}.filter.{name}"
    if rest and rest[0] in fields:
        return f"{prefix}.{rest[0]}"
    return f"{prefix}.{whole}"


def _step_field(loc: Sequence[str | int]) -> str:
    path: list[str | int] = ["steps", loc[1]]
    at = 2
    while at + 1 < len(loc) and loc[at] in _LISTS and isinstance(loc[at + 1], int):
        if loc[at] == SPLIT_PATHS and not (at + 3 < len(loc) and loc[at + 2] == "steps"):
            break  # a split path's own field (its name or weight), not a step inside it
        path += [loc[at], loc[at + 1]]
        at += 2
    step = dotted(path)
    rest = list(loc[at:])
    if not rest:
        return f"{step}.type"
    name = rest[0]
    if name == SPLIT_PATHS:
        # A path's name or weight; the paths as a whole (weights that do not add up to 100,
        # names used twice) next to the first path's weight.
        if len(rest) > 2 and isinstance(rest[1], int) and rest[2] in ("name", "weight"):
            return f"{step}.paths.{rest[1]}.{rest[2]}"
        return f"{step}.paths.0.weight"
    if name == "merge_tags":
        return f"{step}.merge_tags.{rest[1]}" if len(rest) > 1 else f"{step}.campaign_id"
    if name == "filter":
        part = rest[1] if len(rest) > 1 and rest[1] in _FILTER_FIELDS else "property"
        return f"{step}.filter.{part}"
    if name == "properties":
        return f"{step}.properties"
    if name in _STEP_FIELDS:
        return f"{step}.{name}"
    return f"{step}.type"


def field_title(key: str) -> str:
    """`steps.1.then.0.url` → `Step 2.then.1 · url`, for the error summary."""
    parts = key.split(".")
    if parts[0] != "steps" or len(parts) < 2:
        return key.replace("_", " ").replace(".", " · ")
    at = 2
    while at + 1 < len(parts) and parts[at] in _LISTS and parts[at + 1].isdigit():
        at += 2
    rest = " ".join(parts[at:]).replace("_", " ")
    return f"{step_label('.'.join(parts[:at]))} · {rest}"
