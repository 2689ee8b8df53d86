"""What a dry run found: figures per step, per day, and in all."""

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(slots=True)
class StepFigures:
    path: str
    type: str
    reached: int = 0
    """Enrollments that arrived at the step (one still waiting in it at the end counts)."""
    emails: int = 0
    """Emails the step would send (not those it skips: no address, frequency cap)."""
    http_calls: int = 0
    skipped_frequency_cap: int = 0
    arms: dict[str, int] = field(default_factory=dict)
    """A branch's arms (`then`, `else`): how many enrollments went down each."""


@dataclass(slots=True)
class DayFigures:
    date: date
    enrollments: int = 0
    emails: int = 0


@dataclass
class DryRunReport:
    start: datetime
    end: datetime
    events_replayed: int
    would_enroll: int
    skipped_no_consent: int
    converted: int
    conversion_rate: float
    steps: list[StepFigures]
    per_day: list[DayFigures]
    sample_profiles: list[str]
    approximations: list[str]
    still_running: int = 0
    """Enrollments still in their journey at the end of the period."""
