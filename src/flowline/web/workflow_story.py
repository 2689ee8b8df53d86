"""The workflow page in words: the story in the header, each step, where an enrollment waits."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from flowline.core.models.campaigns import Campaign
from flowline.core.models.enrollments import Delivery, EnrollmentPublic
from flowline.core.services.workflows.crud import definition_of
from flowline.definitions.durations import humanize
from flowline.definitions.journey_steps import UpdateProfileStep, WaitForEventStep
from flowline.definitions.segments import describe_rule
from flowline.definitions.step_kinds import step_in_words, walk
from flowline.definitions.step_position import current_path
from flowline.definitions.step_tree import BranchStep
from flowline.definitions.steps import HttpCallStep, SendEmailStep, WaitStep
from flowline.definitions.triggers import EventGoal, SegmentGoal
from flowline.definitions.workflows import DEFAULT_GOAL_WINDOW, WorkflowDefinition
from flowline.web.form_tree import engine_path_label
from flowline.web.words import HOLDOUT_WORDS, trigger_words
from flowline.web.workflow_form import text_from_scalar


def story(definition: WorkflowDefinition, segment_names: dict[int, str]) -> list[str]:
    """`["When …", "Consent: …", "Goal: …, then stop"]`: what the workflow does, in words."""
    trigger = trigger_words(definition.trigger, segment_names)
    parts = [f"When {trigger[0].lower()}{trigger[1:]}"]
    consent = definition.consent_property
    parts.append(f"Consent: {consent}" if consent else "Consent: not asked")
    goal = definition.goal
    if isinstance(goal, EventGoal):
        words = f"event '{goal.event}'"
        if goal.filter is not None:
            words += f" where {goal.filter.property} = {text_from_scalar(goal.filter.value)}"
    elif isinstance(goal, SegmentGoal):
        name = segment_names.get(goal.segment_entered, f"#{goal.segment_entered}")
        words = f"profile is added to segment '{name}'"
    else:
        return [*parts, "No goal"]
    then = ", then stop" if definition.exit_on_goal else ", then carry on to the end"
    parts.append(f"Goal: {words}{then}")
    if definition.goal_window != DEFAULT_GOAL_WINDOW:
        parts.append(f"Goal counted up to {humanize(definition.goal_window)} after enrolling")
    if definition.holdout_percent:
        parts.append(f"Holdout: {definition.holdout_percent} % get no step")
    return parts


def campaign_words(session: Session, definition: WorkflowDefinition) -> dict[int, str]:
    """`{campaign id: "'Name' (subject 'Subject')"}` for the campaigns the workflow sends."""
    ids = {s.campaign_id for _, s in walk(definition.steps) if isinstance(s, SendEmailStep)}
    if not ids:
        return {}
    rows = session.exec(select(Campaign).where(col(Campaign.id).in_(ids))).all()
    return {c.id: f"'{c.name}' (subject '{c.subject}')" for c in rows if c.id is not None}


def step_words(step: Any, campaigns: dict[int, str]) -> str:
    """One step described for a marketer."""
    if isinstance(step, SendEmailStep):
        campaign = campaigns.get(step.campaign_id, f"#{step.campaign_id} (no longer exists)")
        return f"Send campaign {campaign} to the address in '{step.email_property}'"
    if isinstance(step, WaitStep):
        return f"Wait {humanize(step.duration)}"
    if isinstance(step, HttpCallStep):
        return f"{step.method} {step.url}"
    if isinstance(step, WaitForEventStep):
        words = f"Wait up to {humanize(step.timeout)} for event '{step.event}'"
        if step.filter is not None:
            words += f" where {step.filter.property} = {text_from_scalar(step.filter.value)}"
        return words + ("; exit if it does not come" if step.on_timeout == "exit" else "")
    if isinstance(step, BranchStep):
        return f"If {describe_rule(step.rule())}"
    if isinstance(step, UpdateProfileStep):
        sets = ", ".join(f"{k} to {text_from_scalar(v)}" for k, v in step.properties.items())
        return f"Set {sets}"
    # Kinds without words of their own here (a random split) use the step-kind table's.
    return step_in_words(step)


def steps_in_words(session: Session, definition: WorkflowDefinition) -> dict[str, str]:
    """`{engine path: words}` for every step, nested ones under their arm's path."""
    campaigns = campaign_words(session, definition)
    return {path: step_words(step, campaigns) for path, step in walk(definition.steps)}


@dataclass
class Whereabouts:
    """Where an active enrollment is: its step in words and, while it waits, until when."""

    step: str
    until: datetime | None = None


def whereabouts(
    session: Session, workflow_id: int, rows: Sequence[EnrollmentPublic]
) -> dict[int, Whereabouts]:
    """From the database alone (no call to the engine per row): the step an active enrollment is
    at, placed by its records as the journey map places it (`current_path`); a wait started
    when the step before it was recorded (or when the enrollment started), so it lasts until
    then + duration."""
    active = [e for e in rows if e.status == "active"]
    if not active:
        return {}
    recorded: dict[int, dict[str, str | None]] = {e.id: {} for e in active}
    last: dict[int, datetime] = {}
    for enrollment_id, step_path, detail, updated_at in session.exec(
        select(
            Delivery.enrollment_id, Delivery.step_path, Delivery.detail, Delivery.updated_at
        ).where(col(Delivery.enrollment_id).in_(list(recorded)))
    ).all():
        recorded[enrollment_id][step_path] = detail
        if enrollment_id not in last or updated_at > last[enrollment_id]:
            last[enrollment_id] = updated_at
    definitions = {v: definition_of(session, workflow_id, v) for v in {e.version for e in active}}
    campaigns = {v: campaign_words(session, d) for v, d in definitions.items() if d is not None}
    found: dict[int, Whereabouts] = {}
    for e in active:
        if e.group == "holdout":
            found[e.id] = Whereabouts(HOLDOUT_WORDS)
            continue
        definition = definitions.get(e.version)
        steps = definition.steps if definition is not None else []
        at = current_path(steps, recorded[e.id], e.steps_completed)
        if definition is None or at is None:
            found[e.id] = Whereabouts("Finishing")
            continue
        step = dict(walk(steps))[at]
        label = f"{engine_path_label(at)} · {step_words(step, campaigns[e.version])}"
        length = step.duration if isinstance(step, WaitStep) else None
        if isinstance(step, WaitForEventStep):
            length = step.timeout
        since = last.get(e.id) or e.started_at
        found[e.id] = Whereabouts(label, since + length if length is not None else None)
    return found
