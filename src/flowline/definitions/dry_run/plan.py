"""What a dry run replays and under which rules: the history it is fed, in time order, and the
installation's sending rules it applies."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flowline.definitions.journey_steps import WaitForEventStep
from flowline.definitions.triggers import (
    EventGoal,
    EventTrigger,
    SegmentEnteredTrigger,
    SegmentGoal,
)
from flowline.definitions.workflows import WorkflowDefinition

MIN_DAYS = 1
MAX_DAYS = 90
DEFAULT_DAYS = 30


@dataclass(slots=True)
class StoredEvent:
    """An event as it was stored: replayed at its timestamp."""

    at: datetime
    id: int
    profile_id: str
    name: str
    properties: dict[str, Any]


@dataclass(slots=True)
class SegmentEntry:
    """A recorded entry into a segment (a membership's `since`)."""

    at: datetime
    profile_id: str
    segment_id: int
    id: int = 0
    """Orders it before the events of the same moment (ingestion commits the segment
    transitions an event causes with that event)."""


Happening = StoredEvent | SegmentEntry


@dataclass(frozen=True, slots=True)
class EmailCap:
    """The installation's frequency cap: at most `max` workflow emails in any rolling `per`."""

    max: int
    per: timedelta


@dataclass(frozen=True)
class DryRunPlan:
    definition: WorkflowDefinition
    start: datetime
    end: datetime
    cap: EmailCap | None = None
    """None: no cap, or the workflow ignores it."""
    workflow_id: int = 0
    version: int = 0
    """The saved workflow's id and version the holdout and splits are drawn for (0: a body)."""


def replayed_event_names(definition: WorkflowDefinition) -> list[str]:
    """The only event names whose history changes what the workflow does: its trigger event,
    its goal event and the events its `wait_for_event` steps wait for."""
    names: set[str] = set()
    if isinstance(definition.trigger, EventTrigger):
        names.add(definition.trigger.event)
    if isinstance(definition.goal, EventGoal):
        names.add(definition.goal.event)
    names.update(s.event for _, s in definition.all_steps() if isinstance(s, WaitForEventStep))
    return sorted(names)


def filtered_event_names(definition: WorkflowDefinition) -> set[str]:
    """The replayed event names whose properties matter: a trigger, goal or wait filters them."""
    filtered: list[object] = [definition.trigger, definition.goal]
    filtered += [s for _, s in definition.all_steps() if isinstance(s, WaitForEventStep)]
    return {
        item.event
        for item in filtered
        if isinstance(item, EventTrigger | EventGoal | WaitForEventStep) and item.filter is not None
    }


def replayed_segments(definition: WorkflowDefinition) -> list[int]:
    """The segments whose recorded entries matter: an entered trigger, a segment goal."""
    ids: set[int] = set()
    if isinstance(definition.trigger, SegmentEnteredTrigger):
        ids.add(definition.trigger.segment_id)
    if isinstance(definition.goal, SegmentGoal):
        ids.add(definition.goal.segment_entered)
    return sorted(ids)
