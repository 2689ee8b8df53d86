"""Ingestion: events and profile changes, their segment transitions and the intents they cause,
all in ONE transaction (the transactional outbox). Work is done per batch, not per event: a few
statements whatever the batch size.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from flowline.core.metrics import count_events_on_commit
from flowline.core.models.event_schemas import EventIn
from flowline.core.services.ingestion.locking import lock_profiles
from flowline.core.services.ingestion.storage import merge_properties, new_events, store_events
from flowline.core.services.ingestion.triggers import (
    active_enrollments,
    enrollment_intents,
    event_wait_intents,
    goal_intents,
    live_workflows,
)
from flowline.core.services.outbox.intents import add_intents
from flowline.core.services.segments.condition_counters import count_new_events, lock_for_ingestion
from flowline.core.services.segments.membership import (
    compiled_segments,
    counted_conditions_of,
    recompute,
)
from flowline.core.timestamps import utcnow
from flowline.definitions.identifiers import ProfileId


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


def apply_changes(
    session: Session,
    *,
    events: list[EventIn] = (),  # type: ignore[assignment]
    properties: dict[ProfileId, dict[str, Any]] | None = None,
    now: datetime | None = None,
    not_starting: tuple[int, ProfileId] | None = None,
) -> IngestResult:
    """Store events and property changes, then segment transitions and intents, in one go.

    `not_starting` (workflow id, profile id): a change an enrollment makes itself never starts
    that same workflow for that profile again.
    """
    now = now or utcnow()
    properties = properties or {}
    lock_for_ingestion(session)
    segments = compiled_segments(session)
    profiles = lock_profiles(session, [e.profile_id for e in events] + list(properties), now)
    merge_properties(session, profiles, properties, now)
    fresh = new_events(session, list(events))
    stored = store_events(session, fresh, now)
    count_new_events(
        session,
        counted_conditions_of(segments),
        ((e.profile_id, e.name, e.properties) for e in stored),
    )
    transitions = recompute(session, profiles, now, segments)
    workflows = live_workflows(session)
    intents = enrollment_intents(workflows, stored, transitions)
    if not_starting is not None:
        workflow_id, profile_id = not_starting
        intents = [
            (kind, payload)
            for kind, payload in intents
            if (payload["workflow_id"], payload["profile_id"]) != (workflow_id, profile_id)
        ]
    running = active_enrollments(
        session, {e.profile_id for e in stored} | {pid for pid, _ in transitions.entered}
    )
    intents += goal_intents(workflows, running, stored, transitions, now)
    intents += event_wait_intents(running, stored)
    add_intents(session, intents)
    count_events_on_commit(session, len(fresh))
    return IngestResult(accepted=len(fresh), duplicates=len(events) - len(fresh))
