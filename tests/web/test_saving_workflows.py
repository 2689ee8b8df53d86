"""The form is saved by the API's own model and services; their errors come back placed."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.errors import ValidationFailed
from flowline.core.models.campaigns import Campaign
from flowline.core.services.workflows.crud import current_definition
from flowline.web.form_errors import place_errors
from flowline.web.form_tree import parse_form
from flowline.web.workflow_editing import load_choices, save_from_form

TOP = [
    ("name", "Nested"),
    ("enabled", "on"),
    ("consent_property", "-"),
    ("trigger.type", "event"),
    ("trigger.event", "e"),
]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as opened:
        yield opened


def _campaign(session: Session, **fields: str) -> int:
    campaign = Campaign(
        name=fields.pop("name", "Welcome"),
        subject="Hi {{ first_name }}",
        html="<p>{{ first_name }}</p>",
        **{"status": "active", **fields},
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    return campaign.id


def _email_step(path: str, campaign_id: int) -> list[tuple[str, str]]:
    return [
        (f"{path}.type", "send_email"),
        (f"{path}.campaign_id", str(campaign_id)),
        (f"{path}.email_property", "email"),
    ]


def test_nested_branch_errors_come_back_at_their_nested_fields(session: Session) -> None:
    draft = _campaign(session, status="draft")
    form = parse_form(
        TOP
        + [
            ("steps.0.type", "wait"),
            ("steps.0.duration", "0 minutes"),
            ("steps.1.type", "branch"),
            ("steps.1.condition", '{"property": "plan", "op": "eq", "value": "pro"}'),
            ("steps.1.then.0.type", "http_call"),
            ("steps.1.then.0.url", "ftp://nope"),
            ("steps.1.else.0.type", "branch"),
            ("steps.1.else.0.condition", '{"property": "x", "op": "bogus"}'),
            *_email_step("steps.1.else.0.then.0", draft),
            ("steps.1.else.0.else.0.type", "http_call"),
            ("steps.1.else.0.else.0.url", "https://ok.example/"),
            ("steps.1.else.0.else.0.body", "{broken"),
        ]
    )
    with pytest.raises(ValidationFailed) as raised:
        save_from_form(session, form, None)
    placed = place_errors(raised.value.errors)
    assert set(placed.fields) == {
        "steps.0.duration",
        "steps.1.then.0.url",
        "steps.1.else.0.condition",
        "steps.1.else.0.else.0.body",
    }
    assert placed.at("steps.0.duration") == [
        "Enter a duration greater than zero, such as 2 days or 30 minutes."
    ]
    assert "starts with https:// or http://" in placed.at("steps.1.then.0.url")[0]
    assert placed.at("steps.1.else.0.else.0.body")[0].startswith("Write this as JSON")


def test_reference_errors_name_the_nested_campaign_field(session: Session) -> None:
    draft = _campaign(session, status="draft")
    active = _campaign(session, name="Active")
    form = parse_form(
        TOP
        + [
            ("steps.0.type", "branch"),
            ("steps.0.condition", '{"property": "plan", "op": "eq", "value": "pro"}'),
            *_email_step("steps.0.then.0", draft),
            *_email_step("steps.0.else.0", active),
        ]
    )
    with pytest.raises(ValidationFailed) as raised:
        save_from_form(session, form, None)
    placed = place_errors(raised.value.errors)
    assert placed.at("steps.0.then.0.campaign_id") == [
        "Choose an active campaign: “Welcome” is a draft"
    ]
    assert placed.at("steps.0.else.0.merge_tags.first_name") == [
        "Choose the profile property for merge tag 'first_name'"
    ]


def test_a_valid_form_is_saved_as_a_new_version_by_the_api_service(session: Session) -> None:
    form = parse_form(TOP + [("steps.0.type", "wait"), ("steps.0.duration", "2 hours")])
    workflow = save_from_form(session, form, None)
    assert workflow.version == 1 and workflow.enabled
    changed = [*TOP[:-1], ("trigger.event", "other"), ("steps.0.type", "wait")]
    updated = save_from_form(
        session, parse_form([*changed, ("steps.0.duration", "1 day")]), workflow
    )
    assert updated.version == 2
    definition = current_definition(session, updated)
    assert definition.trigger.model_dump()["event"] == "other"
    assert [step.model_dump(mode="json") for step in definition.steps] == [
        {"type": "wait", "duration": "PT86400S"}
    ]


def test_the_campaign_dropdown_offers_triggered_active_campaigns_and_the_one_in_use(
    session: Session,
) -> None:
    active = _campaign(session, name="Active")
    draft = _campaign(session, name="Draft", status="draft")
    _campaign(session, name="Broadcast", type="broadcast")
    choices = load_choices(session, {})
    assert [(c.id, c.merge_tags) for c in choices.campaigns] == [(active, ["first_name"])]
    in_use = load_choices(session, {"steps": [{"type": "send_email", "campaign_id": str(draft)}]})
    assert [(c.name, c.usable) for c in in_use.campaigns] == [("Active", True), ("Draft", False)]


def test_a_form_without_a_consent_choice_is_refused_in_words(session: Session) -> None:
    no_choice = [pair for pair in TOP if pair[0] != "consent_property"]
    form = parse_form([*no_choice, ("steps.0.type", "wait"), ("steps.0.duration", "1 day")])
    with pytest.raises(ValidationFailed) as raised:
        save_from_form(session, form, None)
    placed = place_errors(raised.value.errors)
    assert placed.fields == {
        "consent_property": ["Choose a consent property, or - to ignore consent."]
    }


def test_each_save_time_refusal_is_placed_next_to_its_field(session: Session) -> None:
    form = parse_form(
        [
            *TOP,
            ("exit_on_goal", "on"),
            ("steps.0.type", "http_call"),
            ("steps.0.method", "POST"),
            ("steps.0.url", "http://169.254.169.254/latest"),
            ("steps.0.body", '{"profile": "{{ profile_id }"}'),
        ]
    )
    with pytest.raises(ValidationFailed) as raised:
        save_from_form(session, form, None)
    placed = place_errors(raised.value.errors)
    assert set(placed.fields) == {"exit_on_goal", "steps.0.url", "steps.0.body"}
    assert placed.at("steps.0.body") == [
        "The body has a broken merge tag on line 1: '}' without '{{'."
    ]
    assert "private address" in placed.at("steps.0.url")[0]
    with pytest.raises(ValidationFailed) as raised:
        save_from_form(session, parse_form(TOP), None)
    assert place_errors(raised.value.errors).fields == {
        "steps": ["Add at least one step: a workflow without steps does nothing."]
    }
