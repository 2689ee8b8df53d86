"""Dry run: what a workflow would have done with the stored history of the last days.

Pure code. `Simulator` replays `StoredEvent`s and `SegmentEntry`s in time order through the
trigger, consent, goal, steps, branches, send window and frequency cap with virtual time, and
`finish` answers a `DryRunReport`. Nothing is sent, stored or started. The caller (the core
service) streams the history from the database and tells the simulator the profiles it asks for.
"""

from flowline.definitions.dry_run.plan import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MIN_DAYS,
    DryRunPlan,
    EmailCap,
    Happening,
    SegmentEntry,
    StoredEvent,
    filtered_event_names,
    replayed_event_names,
    replayed_segments,
)
from flowline.definitions.dry_run.report import DayFigures, DryRunReport, StepFigures
from flowline.definitions.dry_run.simulator import Simulator

__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "MIN_DAYS",
    "DayFigures",
    "DryRunPlan",
    "DryRunReport",
    "EmailCap",
    "Happening",
    "SegmentEntry",
    "Simulator",
    "StepFigures",
    "StoredEvent",
    "filtered_event_names",
    "replayed_event_names",
    "replayed_segments",
]
