"""Small builders shared by the definition tests: workflow bodies, segment rules, merge tags."""

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from flowline.definitions.segments import SegmentRule
from flowline.definitions.steps import MergeTagMapping
from flowline.definitions.workflows import WorkflowDefinition

# --- workflow bodies ---------------------------------------------------------------------

# The example workflow body of DESIGN §3.
WELCOME: dict[str, Any] = {
    "name": "Welcome series",
    "trigger": {
        "type": "event",
        "event": "registered",
        "filter": {"property": "source", "value": "web"},
    },
    "consent_property": "email_optin",
    "goal": {"event": "purchase"},
    "exit_on_goal": True,
    "reentry": "after_completion",
    "steps": [
        {
            "type": "send_email",
            "campaign_id": 1,
            "email_property": "email",
            "merge_tags": {"first_name": {"property": "first_name", "default": "there"}},
        },
        {"type": "wait", "duration": "P1D"},
        {
            "type": "http_call",
            "method": "POST",
            "url": "https://crm.example/api/tasks",
            "headers": {"Authorization": "Bearer ..."},
            "body": {"profile": "{{ profile_id }}"},
            "on_failure": "continue",
        },
    ],
}


def body(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(WELCOME)
    data.update(changes)
    return data


def with_step(index: int, step: dict[str, Any]) -> dict[str, Any]:
    data = body()
    data["steps"][index] = step
    return data


def errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """`(path, error type)` of each error of a workflow body that must not validate."""
    with pytest.raises(ValidationError) as caught:
        WorkflowDefinition.model_validate(data)
    return [(error["loc"], error["type"]) for error in caught.value.errors()]


def locs(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [loc for loc, _ in errors(data)]


# --- segment rules -----------------------------------------------------------------------

# The examples of DESIGN §3.
CITY = {"property": "city", "op": "eq", "value": "Amsterdam"}
NO_PAYMENT = {"event": "payment", "performed": False}
PRO_BUYER = {
    "event": "purchase",
    "performed": True,
    "min_count": 2,
    "within": "P30D",
    "where": {"property": "plan", "op": "eq", "value": "pro"},
}


def rule(data: Any) -> SegmentRule:
    return SegmentRule.model_validate(data)


def prop(op: str, value: Any = None, name: str = "x") -> dict[str, Any]:
    data: dict[str, Any] = {"property": name, "op": op}
    if value is not None:
        data["value"] = value
    return data


# --- merge tags --------------------------------------------------------------------------


def mapping(**tags: MergeTagMapping) -> dict[str, MergeTagMapping]:
    return tags
