"""The workflow form ↔ the API body: flat field names, words, JSON text, and error paths."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.web.form_errors import field_for, field_title, place_errors
from flowline.web.form_tree import parse_form, step_label
from flowline.web.workflow_form import payload_from_form
from flowline.web.workflow_form_fill import form_from_definition

BRANCH_FORM = [
    ("name", "Trial nurture"),
    ("enabled", "on"),
    ("trigger.type", "event"),
    ("trigger.event", "signed_up"),
    ("trigger.filter.enabled", "on"),
    ("trigger.filter.property", "plan"),
    ("trigger.filter.value", "42"),
    ("consent_property", "-"),
    ("goal.kind", "segment"),
    ("goal.segment", "7"),
    ("send_window.enabled", "on"),
    ("send_window.days", "mon"),
    ("send_window.days", "sat"),
    ("send_window.start", "09:00"),
    ("send_window.end", "18:00"),
    ("send_window.timezone_property", "tz"),
    ("send_window.default_timezone", "Europe/Amsterdam"),
    ("steps.0.type", "wait"),
    ("steps.0.duration", "2 hours"),
    ("steps.1.type", "branch"),
    ("steps.1.condition", '{"property": "plan", "op": "eq", "value": "pro"}'),
    ("steps.1.then.0.type", "wait_for_event"),
    ("steps.1.then.0.event", "purchase"),
    ("steps.1.then.0.timeout", "3 days"),
    ("steps.1.then.0.on_timeout", "exit"),
    ("steps.1.then.1.type", "update_profile"),
    ("steps.1.then.1.properties.0.name", "stage"),
    ("steps.1.then.1.properties.0.value", "customer"),
    ("steps.1.then.1.properties.1.name", "score"),
    ("steps.1.then.1.properties.1.value", "10"),
    ("steps.1.else.0.type", "http_call"),
    ("steps.1.else.0.method", "PUT"),
    ("steps.1.else.0.url", "https://crm.example/{{ profile_id }}"),
    ("steps.1.else.0.headers", "Authorization: Bearer x\nX-Source: flowline"),
    ("steps.1.else.0.body", '{"profile": "{{ profile_id }}"}'),
    ("steps.1.else.0.timeout", "30 seconds"),
    ("steps.2.type", "send_email"),
    ("steps.2.campaign_id", "3"),
    ("steps.2.email_property", "email"),
    ("steps.2.merge_tags.first_name.property", "first_name"),
    ("steps.2.merge_tags.first_name.default", "there"),
]


def test_flat_field_names_become_nested_lists_in_index_order() -> None:
    form = parse_form(
        [("steps.1.type", "wait"), ("steps.0.type", "branch"), ("steps.0.then.0.type", "wait")]
    )
    assert form == {"steps": [{"type": "branch", "then": [{"type": "wait"}]}, {"type": "wait"}]}


def test_a_branching_form_becomes_the_api_body_and_validates() -> None:
    body, problems = payload_from_form(parse_form(BRANCH_FORM))
    assert problems == []
    workflow = WorkflowCreate.model_validate(body)
    assert workflow.trigger.model_dump() == {
        "type": "event",
        "event": "signed_up",
        "filter": {"property": "plan", "value": 42},  # numbers match as numbers
    }
    assert workflow.consent_property is None
    assert workflow.goal is not None and workflow.goal.model_dump() == {"segment_entered": 7}
    assert workflow.send_window is not None and workflow.send_window.days == ["mon", "sat"]
    dumped = workflow.model_dump(mode="json", by_alias=True)
    assert dumped["steps"][0] == {"type": "wait", "duration": "PT7200S"}
    branch = dumped["steps"][1]
    assert branch["condition"] == {"property": "plan", "op": "eq", "value": "pro"}
    assert branch["then"][0]["timeout"] == "PT259200S"
    assert branch["then"][0]["on_timeout"] == "exit"
    assert branch["then"][1]["properties"] == {"stage": "customer", "score": 10}
    assert branch["else"][0]["headers"] == {"Authorization": "Bearer x", "X-Source": "flowline"}
    assert branch["else"][0]["body"] == {"profile": "{{ profile_id }}"}
    assert branch["else"][0]["timeout"] == "PT30S"
    assert dumped["steps"][2]["merge_tags"] == {
        "first_name": {"property": "first_name", "default": "there"}
    }


def test_a_saved_definition_shows_in_the_form_and_saves_back_unchanged() -> None:
    body, _ = payload_from_form(parse_form(BRANCH_FORM))
    workflow = WorkflowCreate.model_validate(body)
    form = form_from_definition(workflow, enabled=True)
    assert form["steps"][0]["duration"] == "2 hours"
    assert form["steps"][1]["then"][0]["timeout"] == "3 days"
    assert form["trigger"]["filter"]["value"] == "42"
    again, problems = payload_from_form(form)
    assert problems == []
    assert WorkflowCreate.model_validate(again) == workflow


def test_text_that_reads_as_another_type_is_quoted_when_shown() -> None:
    body, _ = payload_from_form(parse_form(BRANCH_FORM))
    body["trigger"]["filter"]["value"] = "42"  # the string, not the number
    body["steps"][1]["then"][1]["properties"]["stage"] = "true"
    workflow = WorkflowCreate.model_validate(body)
    form = form_from_definition(workflow, enabled=True)
    assert form["trigger"]["filter"]["value"] == '"42"'
    assert form["steps"][1]["then"][1]["properties"][0] == {"name": "stage", "value": '"true"'}
    again, _ = payload_from_form(form)
    assert WorkflowCreate.model_validate(again) == workflow


def test_iso_and_unreadable_durations_go_to_the_api_type_unchanged() -> None:
    form = parse_form(
        [("name", "x"), ("trigger.type", "event"), ("trigger.event", "e")]
        + [("steps.0.type", "wait"), ("steps.0.duration", "P1D")]
        + [("steps.1.type", "wait"), ("steps.1.duration", "soon")]
    )
    body, _ = payload_from_form(form)
    assert body["steps"][0]["duration"] == "P1D"
    assert body["steps"][1]["duration"] == "soon"
    with pytest.raises(ValidationError) as raised:
        WorkflowCreate.model_validate(body)
    assert [e["loc"][:2] for e in raised.value.errors()] == [("steps", 1)]
    first = WorkflowCreate.model_validate({**body, "steps": body["steps"][:1]}).steps[0]
    assert first.duration == timedelta(days=1)


def test_text_a_form_cannot_read_is_reported_at_its_nested_field() -> None:
    form = parse_form(
        [
            ("consent_property", "-"),
            ("steps.0.type", "branch"),
            ("steps.0.condition", "{not json"),
            ("steps.0.else.0.type", "http_call"),
            ("steps.0.else.0.headers", "no colon here"),
            ("steps.0.else.0.body", "[1, 2"),
        ]
    )
    _, problems = payload_from_form(form)
    assert [loc for loc, _ in problems] == [
        ("steps", 0, "condition"),
        ("steps", 0, "else", 0, "headers"),
        ("steps", 0, "else", 0, "body"),
    ]


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (["name"], "name"),
        (["steps", 2, "duration"], "steps.2.duration"),
        (["steps", 1, "then", 0, "url"], "steps.1.then.0.url"),
        (["steps", 3, "else", 1, "then", 0, "timeout"], "steps.3.else.1.then.0.timeout"),
        (["steps", 0, "merge_tags", "first_name"], "steps.0.merge_tags.first_name"),
        (["steps", 0, "merge_tags"], "steps.0.campaign_id"),
        (["steps", 0, "filter", "value"], "steps.0.filter.value"),
        (["steps", 0, "properties", "stage"], "steps.0.properties"),
        (["steps", 4], "steps.4.type"),
        (["steps", 1, "then"], "steps.1.type"),
        (["trigger"], "trigger.type"),
        (["trigger", "filter", "value"], "trigger.filter.value"),
        (["goal", "segment_entered"], "goal.segment"),
        (["goal"], "goal.kind"),
        (["send_window", "default_timezone"], "send_window.default_timezone"),
        (["send_window"], "send_window.days"),
        ([], None),
        (["steps"], "steps"),
    ],
)
def test_an_api_error_path_names_the_form_field_it_is_shown_next_to(
    loc: list[str | int], field: str | None
) -> None:
    assert field_for(loc) == field


def test_every_error_is_in_the_summary_and_placed_errors_are_titled_in_words() -> None:
    placed = place_errors(
        [
            {"loc": ["steps", 1, "then", 0, "url"], "msg": "bad url"},
            {"loc": [], "msg": "Nest branches at most 3 levels deep."},
        ]
    )
    assert placed.at("steps.1.then.0.url") == ["bad url"]
    assert placed.summary == [
        ("steps.1.then.0.url", "bad url"),
        (None, "Nest branches at most 3 levels deep."),
    ]
    assert field_title("steps.1.then.0.url") == "Step 2.then.1 · url"
    assert step_label("steps.0.else.2") == "Step 1.else.3"
