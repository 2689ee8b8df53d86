"""The contract between whoever starts an enrollment (core) and `EnrollmentWorkflow` (worker).

Names, search attributes and payloads live here so that core can start and signal enrollments
without importing the worker.
"""

import hashlib
import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from temporalio.common import SearchAttributeKey

from flowline.definitions.experiments import Cohort
from flowline.definitions.workflows import WorkflowDefinition

WORKFLOW_TYPE = "EnrollmentWorkflow"
GOAL_SIGNAL = "goal_reached"
EVENT_SIGNAL = "event_received"
EXIT_SIGNAL = "exit"
PROGRESS_QUERY = "progress"

SA_WORKFLOW_ID = SearchAttributeKey.for_int("FlowlineWorkflowId")
SA_PROFILE_ID = SearchAttributeKey.for_keyword("FlowlineProfileId")
SA_VERSION = SearchAttributeKey.for_int("FlowlineVersion")
SA_STATUS = SearchAttributeKey.for_keyword("FlowlineStatus")
SEARCH_ATTRIBUTES = (SA_WORKFLOW_ID, SA_PROFILE_ID, SA_VERSION, SA_STATUS)

EnrollmentStatus = Literal["active", "completed", "converted", "exited", "failed"]
MAX_TEMPORAL_ID_BYTES = 1000
"""Temporal refuses longer workflow ids (`limit.maxIDLength`, in UTF-8 bytes): a profile id of
255 four-byte characters is 1,020 bytes."""
MAX_SEARCH_ATTRIBUTE_BYTES = 2048
"""Temporal refuses a longer search attribute value (`limit.searchAttributeSizeLimit`), counted
as the SDK encodes it: JSON with every non-ASCII character escaped (12 bytes for an emoji)."""


def enrollment_workflow_id(workflow_id: int, profile_id: str) -> str:
    """At most one running enrollment per (workflow, profile): the id says so.

    A profile id too long for Temporal is named by its SHA-256 under another prefix, which no
    profile id written out can produce."""
    plain = f"enroll:{workflow_id}:{profile_id}"
    if len(plain.encode()) <= MAX_TEMPORAL_ID_BYTES:
        return plain
    return f"enroll-sha256:{workflow_id}:{hashlib.sha256(profile_id.encode()).hexdigest()}"


class EnrollmentInput(BaseModel):
    """Everything the enrollment runs on: the definition as it was when the profile enrolled."""

    workflow_id: int
    version: int
    profile_id: str
    definition: WorkflowDefinition
    campaign_names: dict[int, str] = {}
    test: bool = False
    trigger_id: str | None = None  # the outbox intent that started it, if any
    triggered_at: datetime | None = None  # when the trigger happened (before any outage)
    # Email and HTTP activities run on task queues of their own (slots of their own, and the
    # email rate limit); None in runs started before, whose activities keep the main queue.
    email_task_queue: str | None = None
    http_task_queue: str | None = None
    # Set by every starter today: the run takes the step-path code without asking
    # `workflow.patched` (each patch taken records a marker and a search-attribute upsert, a
    # visibility write per enrollment). Runs whose starter predates the field lack it and ask
    # the patch, as they did when they started.
    step_paths: bool = False
    # Set by every starter since: the last top-level step, when it is an HTTP call, writes the
    # ending with its delivery (`LastStepEnding`), so the run needs no finishing write. Runs
    # whose starter predates the field replay as they ran: with the finishing write.
    end_with_last_step: bool = False
    # "holdout": enrolled only to see whether the goal is reached without the steps (no step
    # runs); decided by the starter (`experiments.cohort_of`), so the row has it from the start.
    cohort: Cohort = "treatment"


class GoalReached(BaseModel):
    """The profile reached the workflow's goal; `event_id` de-duplicates repeated deliveries."""

    event_id: str | None = None
    event: str | None = None
    at: datetime | None = None


class EventReceived(BaseModel):
    """The profile performed an event that `wait_for_event` steps at `step_paths` wait for.

    The dispatcher matched the event's properties against each step's filter: the signal carries
    no properties (no personal data in the history). `at` is when Flowline received the event.
    """

    event_id: str
    event: str
    at: datetime
    step_paths: list[str]


class ExitRequest(BaseModel):
    reason: str


class Progress(BaseModel):
    status: EnrollmentStatus
    step_index: int
    step_path: str | None = None
    steps: int
    details: str
    converted: bool
    exit_reason: str | None = None


class EnrollmentOutcome(BaseModel):
    status: EnrollmentStatus
    reason: str | None = None
    steps_completed: int
    converted_at: datetime | None = None


def has_consent(properties: dict[str, Any], consent_property: str | None) -> bool:
    """Consent is a boolean profile property; `None` means consent is not taken into account."""
    if consent_property is None:
        return True
    value = properties.get(consent_property)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return value is True or (type(value) is int and value == 1)


def profile_search_attribute(profile_id: str) -> str | None:
    """The profile id as `FlowlineProfileId`; None when Temporal would refuse it as too long
    (that profile's runs are then found through the database alone)."""
    return profile_id if len(json.dumps(profile_id)) <= MAX_SEARCH_ATTRIBUTE_BYTES else None
