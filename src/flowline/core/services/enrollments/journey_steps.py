"""What the journey steps do to the database: evaluate a branch, update the profile."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from flowline.core.models.profiles import Profile
from flowline.core.services.ingestion.changes import apply_changes
from flowline.core.services.segments.membership import CompiledSegment, load_facts
from flowline.definitions.segments import SegmentRule, compile_rule, has_time_window, log_windows
from flowline.definitions.templates import render_json


def profile_meets(session: Session, profile: Profile, rule: SegmentRule, now: datetime) -> bool:
    """Whether the profile meets a segment-rule condition now, read live like a segment."""
    # No counters for a branch's own `where` conditions (counters follow segments): it reads
    # the profile's events of those names instead, through the same index.
    compiled = CompiledSegment(
        0, rule, log_windows(rule), has_time_window(rule), counted={}, matches=compile_rule(rule)
    )
    facts = load_facts(session, {profile.id: dict(profile.properties)}, [compiled], now)
    # None: count the `where` conditions from the events loaded, not from (absent) counters.
    return compiled.matches(replace(facts[profile.id], condition_counts=None), now)


def rendered_update(
    properties: dict[str, Any], profile: Profile, workflow_name: str
) -> dict[str, Any]:
    """The step's values with merge tags filled in from the live profile (one render budget,
    `TemplateTooExpensive` past it)."""
    context = {**profile.properties, "profile_id": profile.id, "workflow_name": workflow_name}
    rendered = render_json(properties, context)
    assert isinstance(rendered, dict)
    return rendered


def update_profile(
    session: Session, profile: Profile, changes: dict[str, Any], *, workflow_id: int
) -> None:
    """Merge the rendered values (`rendered_update`) like `PUT /v1/profiles/{id}`; segments and
    other workflows' triggers follow, but never this workflow's own trigger for this profile."""
    apply_changes(session, properties={profile.id: changes}, not_starting=(workflow_id, profile.id))
