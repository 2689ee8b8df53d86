"""The timeline's sentences for outcomes the journeys rarely reach: a refused email, a broken
update, an erased step, an HTTP failure that exits, a segment trigger, a 4xx not retried."""

from datetime import UTC, datetime
from typing import Any

from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.services.enrollments.records import ERASED_DETAIL
from flowline.core.services.enrollments.timeline import build_timeline, status_label
from flowline.core.services.enrollments.timeline_facts import mask_address
from flowline.definitions.workflows import WorkflowDefinition

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DEFINITION = WorkflowDefinition.model_validate(
    {
        "name": "w",
        "trigger": {"type": "segment_entered", "segment_id": 3},
        "consent_property": "email_optin",
        "steps": [
            {"type": "send_email", "campaign_id": 1, "email_property": "email"},
            {"type": "update_profile", "properties": {"stage": "{{ 1/0 }}"}},
            {"type": "http_call", "method": "PUT", "url": "https://crm.example/a"},
            {"type": "http_call", "method": "POST", "url": "https://crm.example/b"},
        ],
    }
)


def enrollment(**fields: Any) -> Enrollment:
    values: dict[str, Any] = {
        "id": 1,
        "workflow_id": 1,
        "version": 1,
        "profile_id": "p",
        "temporal_workflow_id": "enroll:1:p",
        "temporal_run_id": "run",
        "status": "failed",
        "exit_reason": "http_step_failed",
        "has_failures": True,
        "started_at": AT,
        "ended_at": AT,
        "entered": {"segment_id": 3, "change": "entered"},
    }
    return Enrollment(**(values | fields))


def delivery(path: str, type: str, status: str, detail: str, **fields: Any) -> Delivery:
    return Delivery(
        enrollment_id=1,
        workflow_id=1,
        version=1,
        step_path=path,
        step_index=int(path),
        type=type,
        status=status,
        detail=detail,
        created_at=AT,
        updated_at=AT,
        **fields,
    )


def test_failures_of_every_kind_in_words() -> None:
    facts = {"campaign_id": 1, "campaign": "Welcome", "to": "a***@example.com"}
    deliveries = [
        delivery("0", "email", "failed", "550 mailbox unavailable", facts=facts),
        delivery("1", "update_profile", "failed", "template error: ZeroDivisionError()"),
        delivery("2", "http", "failed", "HTTP 404: no such task", facts={"status": 404}),
        delivery("3", "http", "failed", ERASED_DETAIL),
    ]
    timeline = build_timeline(enrollment(), DEFINITION, deliveries)
    summaries = [(e.kind, e.outcome, e.summary) for e in timeline]
    assert summaries == [
        ("entered", "info", "Entered: the profile entered segment 3"),
        ("consent", "info", "Consent: email_optin is true"),
        (
            "failed",
            "failed",
            "Could not send 'Welcome' to a***@example.com: 550 mailbox unavailable",
        ),
        (
            "failed",
            "failed",
            "Could not update the profile: template error: ZeroDivisionError()",
        ),
        (
            "failed",
            "failed",
            "PUT https://crm.example/a answered 404: not retried (HTTP 404: no such task)",
        ),
        ("failed", "failed", "HTTP call: failed (the details were erased with the profile)"),
        ("exit", "info", "Exited: an HTTP call failed and the step says exit"),
        ("end", "failed", "Exited with errors"),
    ]


def test_status_words_never_call_a_failure_success() -> None:
    assert status_label("completed", True) == "Completed with errors"
    assert status_label("completed", False) == "Completed"
    assert status_label("exited", True) == "Exited with errors"
    assert status_label("failed", False) == "Exited with errors"
    assert status_label("converted", True) == "Converted with errors"
    assert status_label("active", True) == "Active"


def test_addresses_are_masked() -> None:
    assert mask_address("ann@example.com") == "a***@example.com"
    assert mask_address("  bo@x.test ") == "b***@x.test"
    assert mask_address("") is None and mask_address(None) is None
    assert mask_address("nobody") == "n***"
