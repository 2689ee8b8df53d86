"""The workflow form ↔ the API's workflow body.

`payload_from_form` turns what the form posted into the same body `POST /v1/workflows` takes
(words become durations, JSON text becomes values); the API's own models and services then
validate it, so the form has no rule set of its own (`workflow_form_fill` goes the other way,
for the edit page). Only what a form cannot express as a value (JSON that does not parse, a header
line without a colon) is reported here.
"""

import json
from typing import Any

from flowline.definitions.durations import parse_duration_words
from flowline.definitions.step_kinds import KINDS
from flowline.web.form_tree import FormTree
from flowline.web.split_form import split_payload

Loc = tuple[str | int, ...]
Problems = list[tuple[Loc, str]]


def _text(node: Any, key: str) -> str:
    value = node.get(key, "") if isinstance(node, dict) else ""
    return value if isinstance(value, str) else ""


def _checked(node: Any, key: str) -> bool:
    return _text(node, key) not in ("", "off", "false")


def _dict(node: Any, key: str) -> dict[str, Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, dict) else {}


def _list(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []


def scalar_from_text(text: str) -> Any:
    """`42` → 42, `true` → True, `"42"` → "42", anything else stays text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, bool | int | float | str) else text


def text_from_scalar(value: Any) -> str:
    """The inverse of `scalar_from_text`: text that reads back as the same value."""
    if isinstance(value, str):
        return value if scalar_from_text(value) == value else json.dumps(value)
    return json.dumps(value)


def _duration(text: str) -> Any:
    # Words become a timedelta; anything else (ISO-8601, garbage) goes to the API's own type.
    parsed = parse_duration_words(text)
    return parsed if parsed is not None else text.strip()


def _json(text: str, loc: Loc, problems: Problems) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        problems.append((loc, f'Write this as JSON, such as {{"plan": "pro"}} (see {where}).'))
        return None


def _filter(node: Any) -> dict[str, Any] | None:
    if not _checked(node, "enabled"):
        return None
    return {"property": _text(node, "property"), "value": scalar_from_text(_text(node, "value"))}


def payload_from_form(form: FormTree) -> tuple[dict[str, Any], Problems]:
    """The API body for this form, and the fields whose text could not be read as values."""
    problems: Problems = []
    trigger = _dict(form, "trigger")
    kind = _text(trigger, "type")
    body: dict[str, Any] = {
        "name": _text(form, "name"),
        "enabled": _checked(form, "enabled"),
        "trigger": _trigger(kind, trigger),
        "consent_property": _consent(_text(form, "consent_property"), problems),
        "goal": _goal(_dict(form, "goal")),
        "exit_on_goal": _checked(form, "exit_on_goal"),
        "reentry": _text(form, "reentry") or "after_completion",
        "ignore_frequency_cap": _checked(form, "ignore_frequency_cap"),
        "send_window": _send_window(_dict(form, "send_window")),
        "steps": _steps(_list(form, "steps"), ("steps",), problems),
        "holdout_percent": _whole_number(_text(form, "holdout_percent")),
        "goal_window": _duration(_text(form, "goal_window")) or "P30D",
    }
    return body, problems


def _whole_number(text: str) -> Any:
    # Blank is no holdout; anything but digits goes to the API, which says what to enter.
    value = text.strip().removesuffix("%").strip()
    return int(value) if value.isdigit() else (value or 0)


NO_CONSENT_CHOICE = "Choose a consent property, or - to ignore consent."


def _consent(text: str, problems: Problems) -> str | None:
    """The form has no default: "-" (consent not taken into account) is a choice like the rest."""
    if not text.strip():
        problems.append((("consent_property",), NO_CONSENT_CHOICE))
        return None
    return None if text.strip() == "-" else text


def _trigger(kind: str, node: dict[str, Any]) -> dict[str, Any]:
    if kind in ("segment_entered", "segment_left"):
        return {"type": kind, "segment_id": _id(_text(node, "segment_id"))}
    if kind == "event":
        return {"type": kind, "event": _text(node, "event"), "filter": _filter(node.get("filter"))}
    return {"type": kind}


def _id(text: str) -> Any:
    return int(text) if text.isdigit() else (text or None)


def _goal(node: dict[str, Any]) -> dict[str, Any] | None:
    kind = _text(node, "kind")
    if kind == "event":
        return {"event": _text(node, "event"), "filter": _filter(node.get("filter"))}
    if kind == "segment":
        return {"segment_entered": _id(_text(node, "segment"))}
    return None


def _send_window(node: dict[str, Any]) -> dict[str, Any] | None:
    if not _checked(node, "enabled"):
        return None
    return {
        "days": [d for d in node.get("days", []) if isinstance(d, str)],
        "start": _text(node, "start"),
        "end": _text(node, "end"),
        "timezone_property": _text(node, "timezone_property") or None,
        "default_timezone": _text(node, "default_timezone") or "UTC",
    }


def _steps(nodes: list[Any], loc: Loc, problems: Problems) -> list[dict[str, Any]]:
    return [_step(node, (*loc, index), problems) for index, node in enumerate(nodes)]


def _step(node: Any, loc: Loc, problems: Problems) -> dict[str, Any]:
    """A step's own fields, then the step lists it holds (a branch's `then` and `else`)."""
    kind = _text(node, "type")
    if kind in KINDS and KINDS[kind].paths:
        return split_payload(node, loc, lambda nodes, at: _steps(nodes, at, problems))
    step = _step_fields(kind, node, loc, problems)
    for arm in KINDS[kind].arms if kind in KINDS else ():
        step[arm.name] = _steps(_list(node, arm.name), (*loc, arm.name), problems)
    return step


def _step_fields(kind: str, node: Any, loc: Loc, problems: Problems) -> dict[str, Any]:
    if kind == "wait":
        return {"type": kind, "duration": _duration(_text(node, "duration"))}
    if kind == "wait_for_event":
        return {
            "type": kind,
            "event": _text(node, "event"),
            "filter": _filter(node.get("filter")),
            "timeout": _duration(_text(node, "timeout")),
            "on_timeout": _text(node, "on_timeout") or "continue",
        }
    if kind == "http_call":
        return _http_call(node, loc, problems)
    if kind == "send_email":
        tags = _dict(node, "merge_tags")
        return {
            "type": kind,
            "campaign_id": _id(_text(node, "campaign_id")),
            "email_property": _text(node, "email_property"),
            "merge_tags": {
                tag: {"property": _text(row, "property"), "default": _text(row, "default")}
                for tag, row in tags.items()
                if isinstance(row, dict)
            },
        }
    if kind == "update_profile":
        return {"type": kind, "properties": _properties(node, loc, problems)}
    if kind == "branch":
        condition = _text(node, "condition")
        return {
            "type": kind,
            "condition": _json(condition, (*loc, "condition"), problems) if condition else {},
        }
    return {"type": kind}


def _http_call(node: Any, loc: Loc, problems: Problems) -> dict[str, Any]:
    headers: dict[str, str] = {}
    for number, line in enumerate(_text(node, "headers").splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon:
            words = f"Write one header a line as 'Name: value' (line {number})."
            problems.append(((*loc, "headers"), words))
            continue
        headers[name.strip()] = value.strip()
    body_text = _text(node, "body")
    step: dict[str, Any] = {
        "type": "http_call",
        "method": _text(node, "method") or "POST",
        "url": _text(node, "url"),
        "headers": headers,
        "body": _json(body_text, (*loc, "body"), problems) if body_text.strip() else None,
        "on_failure": _text(node, "on_failure") or "continue",
    }
    if _text(node, "timeout").strip():
        step["timeout"] = _duration(_text(node, "timeout"))
    return step


def _properties(node: Any, loc: Loc, problems: Problems) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for row in _list(node, "properties"):
        name, value = _text(row, "name").strip(), _text(row, "value")
        if not name and not value:
            continue
        if name in properties:
            problems.append(((*loc, "properties"), f"Set property '{name}' once: it is set twice."))
        properties[name] = _profile_value(value)
    return properties


def _profile_value(text: str) -> Any:
    """JSON when it reads as JSON (`42`, `true`, `null`, `[1, 2]`), text otherwise."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def profile_value_text(value: Any) -> str:
    """How the form shows a property value `_profile_value` reads back as the same value."""
    if isinstance(value, str) and _profile_value(value) == value:
        return value
    return json.dumps(value)
