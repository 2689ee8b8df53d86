"""An enrollment's timeline: one entry per decision, in order, each with a marketer's sentence.

Built when read from what the enrollment's own writes already hold: the row (its trigger in
`entered`, conversion, ending) and one delivery per step that ran (status, detail, attempts and
the `facts` written with it). Rows from before facts were written still read: their sentences
come from the status and detail alone. An active enrollment ends with what it waits for now
(the workflow's current details, when the engine answers).
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flowline.core.models.enrollments import Delivery, Enrollment, TimelineEntry
from flowline.core.services.enrollments.records import ERASED_DETAIL
from flowline.core.services.suppressions import SUPPRESSED
from flowline.definitions.durations import humanize
from flowline.definitions.triggers import EventGoal, EventTrigger, SegmentGoal
from flowline.definitions.workflows import WorkflowDefinition

_TIMES = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times"}
_TYPE_WORDS = {
    "email": "Email",
    "http": "HTTP call",
    "update_profile": "Profile update",
    "branch": "Branch",
    "split": "Random split",
    "wait": "Wait",
    "wait_for_event": "Wait for event",
}
_REASONS = {
    "consent_withdrawn": "consent withdrawn",
    "wait_for_event_timeout": "the awaited event did not come in time",
    "disabled": "the workflow was disabled",
    "profile_deleted": "the profile was erased",
    "http_step_failed": "an HTTP call failed and the step says exit",
}


def status_label(status: str, has_failures: bool) -> str:
    """The status in words; an enrollment with a failed step never reads as plain success."""
    if has_failures and status in ("completed", "converted"):
        return "Completed with errors" if status == "completed" else "Converted with errors"
    if status == "failed" or (has_failures and status == "exited"):
        return "Exited with errors"
    return status.capitalize()


def _quoted(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "nothing" if value is None else str(value)


def _times(attempts: int) -> str:
    return _TIMES.get(attempts, f"{attempts} times")


def _entry(
    at: Any, path: str | None, kind: str, outcome: str, summary: str, facts: Mapping[str, Any]
) -> TimelineEntry:
    return TimelineEntry(
        at=at, path=path, kind=kind, outcome=outcome, summary=summary, facts=dict(facts)
    )


def _entered(enrollment: Enrollment, definition: WorkflowDefinition | None) -> TimelineEntry:
    facts = dict(enrollment.entered or {})
    if facts.get("manual"):
        words = "Enrolled by hand" + (" for a test" if enrollment.test else "")
    elif "event" in facts:
        words = f"Entered: event '{facts['event']}' (event {facts.get('event_id')}) arrived"
    elif "segment_id" in facts:
        change = facts.get("change", "entered")
        words = f"Entered: the profile {change} segment {facts['segment_id']}"
    elif definition is not None and isinstance(definition.trigger, EventTrigger):
        words = f"Entered: event '{definition.trigger.event}' arrived"
        facts = {"event": definition.trigger.event}
    elif definition is not None:
        change = "entered" if definition.trigger.type == "segment_entered" else "left"
        segment = getattr(definition.trigger, "segment_id", None)
        words = f"Entered: the profile {change} segment {segment}"
        facts = {"segment_id": segment, "change": change}
    else:
        words = "Entered"
    return _entry(enrollment.started_at, None, "entered", "info", words, facts)


def _consent(enrollment: Enrollment, definition: WorkflowDefinition) -> TimelineEntry:
    name = definition.consent_property
    facts: dict[str, Any]
    if name is None:
        words, facts = "Consent not checked: the workflow is transactional", {"property": None}
    else:
        words, facts = f"Consent: {name} is true", {"property": name, "value": True}
    return _entry(enrollment.started_at, None, "consent", "info", words, facts)


def _email(d: Delivery, facts: dict[str, Any]) -> tuple[str, str, str]:
    campaign = f"'{facts['campaign']}'" if "campaign" in facts else "the email"
    to = f" to {facts['to']}" if "to" in facts else ""
    if d.status == "sent":
        subject = f" (subject '{facts['subject']}')" if facts.get("subject") else ""
        return "sent", "ok", f"Sent {campaign}{to}{subject}"
    if d.status == "skipped":
        if d.detail == "frequency_cap" and "cap_max" in facts:
            cap = f"{facts['cap_max']} emails in the last {facts['cap_per']}"
            return "skipped", "skipped", f"Skipped {campaign}: {cap} (frequency cap)"
        if d.detail == SUPPRESSED:
            words = f"Skipped {campaign}{to}: the address is on the suppression list"
            return "skipped", "skipped", words
        reason = "frequency cap" if d.detail == "frequency_cap" else d.detail
        return "skipped", "skipped", f"Skipped {campaign}{to}: {reason}"
    return "failed", "failed", f"Could not send {campaign}{to}: {d.detail}"


def _http(d: Delivery, facts: dict[str, Any], step: Any) -> tuple[str, str, str]:
    method = facts.get("method") or getattr(step, "method", "HTTP")
    url = facts.get("url") or getattr(step, "url", "")
    status = facts.get("status")
    if d.status == "sent":
        return "sent", "ok", f"{method} {url} answered {status or 'with success'}"
    error = re.sub(r"^gave up after \d+ attempts: ", "", d.detail or "")
    if status is not None and d.attempts > 1:
        words = f"{method} {url} answered {status} {_times(d.attempts)}: gave up ({error})"
    elif status is not None:
        words = f"{method} {url} answered {status}: not retried ({error})"
    else:
        tries = f" after {d.attempts} attempts" if d.attempts > 1 else ""
        words = f"{method} {url} failed{tries}: {error}"
    return "failed", "failed", words


def _branch(d: Delivery, facts: dict[str, Any], step: Any) -> tuple[str, str, str]:
    arm = (facts.get("arm") or d.detail or "?").capitalize()
    values = facts.get("values") or {}
    needs = facts.get("needs") or {}
    said = ", ".join(f"{name} is {_quoted(value)}" for name, value in values.items())
    wanted = ", ".join(f"{_quoted(v)}" for v in needs.values())
    if said and wanted:
        return "arm", "ok", f"Branch: {said}, the condition needs {wanted} → {arm}"
    condition = facts.get("condition") or "the condition"
    return "arm", "ok", f"Branch: {said or condition} → {arm}"


def _split(d: Delivery, facts: dict[str, Any]) -> tuple[str, str, str]:
    name = facts.get("path_name") or d.detail or "?"
    if facts.get("winner"):
        return "path", "ok", f"Random split: path '{name}', the winner every new enrollment takes"
    weight = facts.get("weight")
    share = f" ({weight} % of profiles)" if weight is not None else ""
    return "path", "ok", f"Random split: drawn for path '{name}'{share}"


def _step(d: Delivery, step: Any) -> tuple[str, str, str]:
    facts = d.facts or {}
    if d.type == "email":
        return _email(d, facts)
    if d.type == "http":
        return _http(d, facts, step)
    if d.type == "branch":
        return _branch(d, facts, step)
    if d.type == "split":
        return _split(d, facts)
    if d.type == "update_profile":
        if d.status == "failed":
            return "failed", "failed", f"Could not update the profile: {d.detail}"
        changed = facts.get("properties") or {}
        words = ", ".join(f"{k} to {_quoted(v)}" for k, v in changed.items())
        said = f"Updated {words}" if words else (d.detail or "updated").capitalize()
        return "updated", "ok", said
    if d.type == "wait":
        duration = getattr(step, "duration", None)
        return "waiting", "ok", f"Waited {humanize(duration)}" if duration else "Waited"
    if d.type == "wait_for_event":
        event = getattr(step, "event", "the event")
        if d.status == "done":
            return "arrived", "ok", f"Event '{event}' arrived"
        timeout = getattr(step, "timeout", None)
        within = f" within {humanize(timeout)}" if timeout else ""
        return "timed_out", "skipped", f"Waited for '{event}'{within}: it did not come"
    return d.status, "ok", f"{d.type.replace('_', ' ').capitalize()}: {d.status}"


def _step_facts(d: Delivery, step: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {"type": d.type, "status": d.status, "attempts": d.attempts}
    if d.detail:
        facts["detail"] = d.detail
    for name in ("duration", "timeout", "event"):
        value = getattr(step, name, None)
        if value is not None:
            facts[name] = humanize(value) if name != "event" else value
    return {**facts, **(d.facts or {})}


def _held_out(enrollment: Enrollment, definition: WorkflowDefinition | None) -> TimelineEntry:
    words = "Holdout: no step runs for this profile; only the goal is watched"
    facts: dict[str, Any] = {"group": "holdout"}
    if definition is not None:
        until = enrollment.started_at + definition.goal_window
        words += (
            f", until {until:%Y-%m-%d %H:%M} UTC (goal window {humanize(definition.goal_window)})"
        )
        facts["goal_window_ends"] = until.isoformat()
    return _entry(enrollment.started_at, None, "holdout", "info", words, facts)


def _goal_words(definition: WorkflowDefinition | None) -> str:
    goal = definition.goal if definition is not None else None
    if isinstance(goal, EventGoal):
        return f"event '{goal.event}'"
    if isinstance(goal, SegmentGoal):
        return f"entered segment {goal.segment_entered}"
    return "the goal"


def build_timeline(
    enrollment: Enrollment,
    definition: WorkflowDefinition | None,
    deliveries: Sequence[Delivery],
    *,
    live_details: str | None = None,
) -> list[TimelineEntry]:
    steps = dict(definition.all_steps()) if definition is not None else {}
    entries = [_entered(enrollment, definition)]
    if definition is not None:
        entries.append(_consent(enrollment, definition))
    if enrollment.cohort == "holdout":
        entries.append(_held_out(enrollment, definition))
    # Steps run in the order of the tree (one arm of a branch); a step that ran without an
    # activity is written by the next one that records, so its row may come after a later step.
    order = {path: n for n, path in enumerate(steps)}
    for d in sorted(deliveries, key=lambda d: (order.get(d.step_path, len(order)), d.created_at)):
        step = steps.get(d.step_path)
        if d.detail == ERASED_DETAIL:
            what = _TYPE_WORDS.get(d.type, d.type.replace("_", " ").capitalize())
            words = f"{what}: {d.status} (the details were erased with the profile)"
            outcome = {"failed": "failed", "skipped": "skipped"}.get(d.status, "ok")
            entries.append(_entry(d.updated_at, d.step_path, d.status, outcome, words, {}))
            continue
        kind, outcome, words = _step(d, step)
        facts = _step_facts(d, step)
        entries.append(_entry(d.updated_at, d.step_path, kind, outcome, words, facts))
    if enrollment.converted_at is not None:
        goal = _goal_words(definition)
        entries.append(
            _entry(enrollment.converted_at, None, "goal", "ok", f"Reached the goal: {goal}", {})
        )
    failed = enrollment.has_failures or any(d.status == "failed" for d in deliveries)
    if enrollment.status == "active":
        words = live_details or f"Running: {enrollment.steps_completed} steps done"
        entries.append(_entry(None, None, "waiting", "waiting", words, {"details": live_details}))
        return entries
    reason = enrollment.exit_reason
    if enrollment.status == "converted" and definition is not None and definition.exit_on_goal:
        words = "Stopped: goal reached"
        entries.append(_entry(enrollment.ended_at, None, "exit", "info", words, {}))
    elif reason is not None:
        words = f"Exited: {_REASONS.get(reason, reason.replace('_', ' '))}"
        entries.append(_entry(enrollment.ended_at, None, "exit", "info", words, {"reason": reason}))
    label = status_label(enrollment.status, failed)
    outcome = "failed" if failed or enrollment.status == "failed" else "ok"
    end = {"status": enrollment.status, "has_failures": failed}
    entries.append(_entry(enrollment.ended_at, None, "end", outcome, label, end))
    return entries
