"""Summaries in words: what changed, never what a step or a body holds."""

from datetime import timedelta
from typing import Any

from flowline.core.models.campaigns import Campaign
from flowline.core.models.installation_settings import FrequencyCap, InstallationSettings
from flowline.core.services.audit.summaries import (
    campaign_facts,
    campaign_updated,
    changes_in_words,
    frequency_cap_in_words,
    shown,
    workflow_saved,
)
from flowline.definitions.workflows import WorkflowDefinition

SECRET_HEADER = "Bearer crm-secret-token"


def definition(**fields: Any) -> WorkflowDefinition:
    body: dict[str, Any] = {
        "name": "Welcome",
        "trigger": {"type": "event", "event": "signed_up"},
        "steps": [
            {
                "type": "http_call",
                "url": "https://crm.example/api",
                "headers": {"Authorization": SECRET_HEADER},
            }
        ],
        **fields,
    }
    return WorkflowDefinition.model_validate(body)


def test_a_first_version_says_what_it_holds() -> None:
    assert workflow_saved(1, None, definition(), None, True) == (
        "version 1: 1 step(s), trigger event 'signed_up', enabled"
    )


def test_a_new_version_lists_only_what_changed() -> None:
    before = definition()
    after = definition(name="Welcome 2", consent_property="email_optin")

    assert workflow_saved(2, before, after, True, False) == (
        "version 2: name: 'Welcome' → 'Welcome 2'; consent: '-' → 'email_optin'; enabled: on → off"
    )


def test_an_edited_step_is_said_without_its_content() -> None:
    step = {"type": "http_call", "url": "https://crm.example/v2", "headers": {"X-Key": "k-123"}}
    after = definition(steps=[step], goal={"event": "purchase"})

    said = workflow_saved(3, definition(), after, True, True)

    assert said == "version 3: steps edited; goal changed"
    assert "crm.example" not in said and "k-123" not in said and SECRET_HEADER not in said


def test_saving_without_a_change_says_so() -> None:
    assert workflow_saved(4, definition(), definition(), True, True) == "version 4: saved unchanged"


def test_campaign_bodies_are_only_said_to_have_changed() -> None:
    campaign = Campaign(name="A", subject="Hi", html="<p>Old private note</p>", status="draft")
    before = campaign_facts(campaign)
    campaign.html, campaign.status = "<p>New</p>", "active"

    said = campaign_updated(before, campaign_facts(campaign))

    assert said == "status: 'draft' → 'active'; HTML changed"


def test_long_values_are_cut_and_switches_read_on_off() -> None:
    assert shown("x" * 500) == "'" + "x" * 119 + "…'"
    assert changes_in_words([("track opens", True, False), ("same", 1, 1)]) == (
        "track opens: on → off"
    )


def test_the_frequency_cap_in_words() -> None:
    cap = InstallationSettings(email_frequency_cap=FrequencyCap(max=3, per=timedelta(days=7)))
    assert frequency_cap_in_words(cap) == "3 email(s) per 7 days"
    assert frequency_cap_in_words(InstallationSettings()) == "off"
