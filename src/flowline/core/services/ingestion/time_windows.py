"""The worker's periodic pass over time windows: segments whose rules have `within` move
profiles in or out as time passes, with no event to trigger it."""

from datetime import datetime

from sqlmodel import Session

from flowline.core.services.ingestion.locking import locked_properties
from flowline.core.services.ingestion.triggers import (
    active_enrollments,
    enrollment_intents,
    goal_intents,
    live_workflows,
)
from flowline.core.services.outbox.intents import add_intents
from flowline.core.services.segments.condition_counters import lock_for_ingestion
from flowline.core.services.segments.membership import (
    candidates_for_time_windows,
    compiled_segments,
    recompute,
)
from flowline.core.timestamps import utcnow


def refresh_time_windows(session: Session, now: datetime | None = None) -> int:
    """Re-evaluate the segments whose rules have `within`: time alone moves profiles in or out.

    Returns how many transitions it found. Called periodically (a Temporal Schedule).
    """
    now = now or utcnow()
    lock_for_ingestion(session)
    segments = compiled_segments(session)
    timed = [s for s in segments if s.time_window]
    changed = 0
    ids = candidates_for_time_windows(session, timed)
    workflows = live_workflows(session) if ids else []
    for start in range(0, len(ids), 500):
        profiles = locked_properties(session, ids[start : start + 500])
        transitions = recompute(session, profiles, now, segments)
        intents = enrollment_intents(workflows, [], transitions)
        running = active_enrollments(session, {pid for pid, _ in transitions.entered})
        intents += goal_intents(workflows, running, [], transitions, now)
        add_intents(session, intents)
        changed += len(transitions.entered) + len(transitions.left)
    return changed
