"""The edit page's form: a saved workflow definition as the strings the form shows.

The inverse of `workflow_form.payload_from_form`: posting this form back unchanged gives the
saved definition again.
"""

import json
from typing import Any

from flowline.definitions.durations import duration_in_words
from flowline.definitions.step_kinds import KINDS, children
from flowline.definitions.step_tree import BranchStep
from flowline.definitions.workflows import WorkflowDefinition
from flowline.web.form_tree import FormTree
from flowline.web.split_form import split_form
from flowline.web.workflow_form import profile_value_text, text_from_scalar


def form_from_definition(definition: WorkflowDefinition, enabled: bool) -> FormTree:
    data = definition.model_dump(mode="python", by_alias=True)
    trigger = data["trigger"]
    goal = data["goal"]
    window = data["send_window"]
    return {
        "name": definition.name,
        "enabled": "on" if enabled else "",
        "trigger": {
            "type": trigger["type"],
            "segment_id": str(trigger.get("segment_id") or ""),
            "event": trigger.get("event") or "",
            "filter": _filter_form(trigger.get("filter")),
        },
        "consent_property": definition.consent_property or "-",
        "goal": _goal_form(goal),
        "exit_on_goal": "on" if definition.exit_on_goal else "",
        "reentry": definition.reentry,
        "ignore_frequency_cap": "on" if definition.ignore_frequency_cap else "",
        "send_window": (
            {
                "enabled": "on",
                "days": list(window["days"]),
                "start": window["start"],
                "end": window["end"],
                "timezone_property": window["timezone_property"] or "",
                "default_timezone": window["default_timezone"],
            }
            if window
            else {}
        ),
        "steps": [_step_form(step) for step in definition.steps],
        "holdout_percent": str(definition.holdout_percent),
        "goal_window": duration_in_words(definition.goal_window),
    }


def _filter_form(value: dict[str, Any] | None) -> dict[str, str]:
    if not value:
        return {}
    return {
        "enabled": "on",
        "property": value["property"],
        "value": text_from_scalar(value["value"]),
    }


def _goal_form(goal: dict[str, Any] | None) -> dict[str, Any]:
    if goal is None:
        return {"kind": ""}
    if "segment_entered" in goal:
        return {"kind": "segment", "segment": str(goal["segment_entered"])}
    return {"kind": "event", "event": goal["event"], "filter": _filter_form(goal.get("filter"))}


def _step_form(step: Any) -> dict[str, Any]:
    """A step's own fields as text, then the step lists it holds."""
    kind = KINDS.get(getattr(step, "type", ""))
    if kind is not None and kind.paths:
        return split_form(step, _step_form)
    form = _step_fields_form(step)
    for arm, held in children(step):
        form[arm] = [_step_form(s) for s in held]
    return form


def _step_fields_form(step: Any) -> dict[str, Any]:
    data = step.model_dump(mode="python", by_alias=True)
    kind = data["type"]
    if kind == "wait":
        return {"type": kind, "duration": duration_in_words(step.duration)}
    if kind == "wait_for_event":
        return {
            "type": kind,
            "event": step.event,
            "filter": _filter_form(data.get("filter")),
            "timeout": duration_in_words(step.timeout),
            "on_timeout": step.on_timeout,
        }
    if kind == "http_call":
        return {
            "type": kind,
            "method": step.method,
            "url": step.url,
            "headers": "\n".join(f"{k}: {v}" for k, v in step.headers.items()),
            "body": "" if step.body is None else json.dumps(step.body, indent=2),
            "timeout": duration_in_words(step.timeout),
            "on_failure": step.on_failure,
        }
    if kind == "send_email":
        return {
            "type": kind,
            "campaign_id": str(step.campaign_id),
            "email_property": step.email_property,
            "merge_tags": {
                tag: {"property": m.property, "default": m.default}
                for tag, m in step.merge_tags.items()
            },
        }
    if kind == "update_profile":
        return {
            "type": kind,
            "properties": [
                {"name": name, "value": profile_value_text(value)}
                for name, value in step.properties.items()
            ],
        }
    assert isinstance(step, BranchStep)
    return {"type": kind, "condition": json.dumps(step.condition, indent=2)}
