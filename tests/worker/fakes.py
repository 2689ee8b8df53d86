"""Stand-ins for the real activities, registered under the same names, plus enrollment builders.

Shared by the tests (through conftest fixtures) and by `make_history`.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError

from flowline.definitions.enrollment import (
    SA_PROFILE_ID,
    SA_STATUS,
    SA_VERSION,
    SA_WORKFLOW_ID,
    WORKFLOW_TYPE,
    EnrollmentInput,
    EnrollmentOutcome,
    enrollment_workflow_id,
)
from flowline.definitions.experiments import chosen_path
from flowline.definitions.workflows import WorkflowDefinition
from flowline.worker.contracts import (
    FINISH_ENROLLMENT,
    HTTP_CALL,
    RECORD_CONVERSION,
    RECORD_DELIVERY,
    SEND_EMAIL,
    ConversionInput,
    DeliveryRecordInput,
    FinishInput,
    HttpCallInput,
    SendEmailInput,
    StepResult,
)
from flowline.worker.journey_contracts import (
    CHOOSE_SPLIT_PATH,
    EVALUATE_BRANCH,
    SEND_WINDOW,
    UPDATE_PROFILE,
    BranchInput,
    BranchResult,
    SplitInput,
    SplitResult,
    UpdateProfileInput,
    UpdateProfileResult,
    WindowCheck,
    WindowInput,
)

STEP_ACTIVITIES = (SEND_EMAIL, HTTP_CALL, EVALUATE_BRANCH, UPDATE_PROFILE, CHOOSE_SPLIT_PATH)


@dataclass(frozen=True)
class ActivityCall:
    name: str
    input: BaseModel
    scheduled_at: datetime  # server time, so time skipping shows in it


@dataclass
class FakeActivities:
    """Record every call; answer "sent" unless a test scripted another answer for a step."""

    email_results: dict[int, StepResult] = field(default_factory=dict)
    failing_http_steps: set[int] = field(default_factory=set)
    # Steps whose email activity fails for good (as the backstop or a bug would end it).
    failing_email_steps: set[int] = field(default_factory=set)
    calls: list[ActivityCall] = field(default_factory=list)
    # Steps whose email is held until the test releases it, to signal while the activity runs.
    held_emails: dict[int, asyncio.Event] = field(default_factory=dict)
    # Which arm each branch (by path) takes; "then" unless scripted.
    branch_arms: dict[str, str] = field(default_factory=dict)
    # The live profiles the send-window lookup reads (their `timezone`), by profile id.
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The path index each split (by path) takes; the worker's own draw unless scripted.
    split_paths: dict[str, int] = field(default_factory=dict)
    # Steps whose HTTP call is held until the test releases it.
    held_http: dict[int, asyncio.Event] = field(default_factory=dict)

    def activities(self) -> list[Any]:
        return [
            self.send_email,
            self.http_call,
            self.record_delivery,
            self.record_conversion,
            self.finish_enrollment,
            self.evaluate_branch,
            self.choose_split_path,
            self.update_profile,
            self.send_window_opening,
        ]

    @activity.defn(name=SEND_EMAIL)
    async def send_email(self, input: SendEmailInput) -> StepResult:
        self._record(SEND_EMAIL, input)
        if input.step_index in self.held_emails:
            await self.held_emails[input.step_index].wait()
        if input.step_index in self.failing_email_steps:
            raise ApplicationError("SMTP server gone", type="Unexpected", non_retryable=True)
        return self.email_results.get(input.step_index, StepResult(outcome="sent"))

    @activity.defn(name=HTTP_CALL)
    async def http_call(self, input: HttpCallInput) -> StepResult:
        self._record(HTTP_CALL, input)
        if input.step_index in self.held_http:
            await self.held_http[input.step_index].wait()
        if input.step_index in self.failing_http_steps:
            # What the real activity raises for a 4xx answer: not worth retrying.
            raise ApplicationError(
                "target rejected request (400)", type="HttpClientError", non_retryable=True
            )
        # As the real activity: the ending asked for is written with the delivery.
        return StepResult(outcome="sent", detail="200 OK", ended=input.end_if_done is not None)

    @activity.defn(name=RECORD_DELIVERY)
    async def record_delivery(self, input: DeliveryRecordInput) -> None:
        self._record(RECORD_DELIVERY, input)

    @activity.defn(name=RECORD_CONVERSION)
    async def record_conversion(self, input: ConversionInput) -> None:
        self._record(RECORD_CONVERSION, input)

    @activity.defn(name=FINISH_ENROLLMENT)
    async def finish_enrollment(self, input: FinishInput) -> None:
        self._record(FINISH_ENROLLMENT, input)

    @activity.defn(name=EVALUATE_BRANCH)
    async def evaluate_branch(self, input: BranchInput) -> BranchResult:
        self._record(EVALUATE_BRANCH, input)
        arm = self.branch_arms.get(input.step_path, "then")
        return (
            BranchResult(arm=None, ended="profile_deleted")
            if arm == "gone"
            else BranchResult(
                arm=arm  # type: ignore[arg-type]
            )
        )

    @activity.defn(name=CHOOSE_SPLIT_PATH)
    async def choose_split_path(self, input: SplitInput) -> SplitResult:
        self._record(CHOOSE_SPLIT_PATH, input)
        ref = input.enrollment
        drawn = chosen_path(
            ref.workflow_id, ref.version, input.step_path, ref.profile_id, input.weights
        )
        return SplitResult(path_index=self.split_paths.get(input.step_path, drawn))

    @activity.defn(name=UPDATE_PROFILE)
    async def update_profile(self, input: UpdateProfileInput) -> UpdateProfileResult:
        self._record(UPDATE_PROFILE, input)
        return UpdateProfileResult(outcome="done")

    @activity.defn(name=SEND_WINDOW)
    async def send_window_opening(self, input: WindowInput) -> WindowCheck:
        # The real computation over the scripted profile: the same pure code the activity runs.
        self._record(SEND_WINDOW, input)
        window = input.window
        properties = self.profiles.get(input.profile_id, {})
        opening = window.next_opening(input.now, window.zone_for(properties))
        if opening is None:
            return WindowCheck(opens_at=None)
        return WindowCheck(opens_at=opening, words=window.describe_opening(opening))

    def _record(self, name: str, input: BaseModel) -> None:
        self.calls.append(ActivityCall(name, input, activity.info().scheduled_time))

    def named(self, name: str) -> list[Any]:
        return [call.input for call in self.calls if call.name == name]

    def steps_run(self) -> list[tuple[str, int]]:
        """The step activities in the order they ran, with their step index."""
        return [
            (call.name, call.input.step_index)  # type: ignore[attr-defined]
            for call in self.calls
            if call.name in (SEND_EMAIL, HTTP_CALL)
        ]

    def paths_run(self) -> list[tuple[str, str]]:
        """The step activities in the order they ran, with their step path."""
        return [
            (call.name, getattr(call.input, "path", None) or call.input.step_path)  # type: ignore[attr-defined]
            for call in self.calls
            if call.name in STEP_ACTIVITIES
        ]


def email(campaign_id: int = 1) -> dict[str, Any]:
    return {"type": "send_email", "campaign_id": campaign_id}


def wait(duration: str = "P3D") -> dict[str, Any]:
    return {"type": "wait", "duration": duration}


def http(on_failure: str = "continue") -> dict[str, Any]:
    return {
        "type": "http_call",
        "url": "https://crm.example/api/tasks",
        "body": {"profile": "{{ profile_id }}"},
        "on_failure": on_failure,
    }


WELCOME_STEPS = [email(1), wait("P3D"), http(), email(2)]


def enrollment_input(
    profile_id: str,
    steps: list[dict[str, Any]] | None = None,
    *,
    exit_on_goal: bool = False,
    **fields: Any,
) -> EnrollmentInput:
    definition = WorkflowDefinition.model_validate(
        {
            "name": "Welcome series",
            "trigger": {"type": "event", "event": "registered"},
            "consent_property": "email_optin",
            "goal": {"event": "purchase"},
            "exit_on_goal": exit_on_goal,
            "steps": WELCOME_STEPS if steps is None else steps,
            **fields,
        }
    )
    return EnrollmentInput(
        workflow_id=7,
        version=1,
        profile_id=profile_id,
        definition=definition,
        campaign_names={1: "Welcome #1", 2: "Welcome #2"},
    )


async def start_enrollment(
    client: Client, task_queue: str, input: EnrollmentInput
) -> WorkflowHandle[Any, EnrollmentOutcome]:
    """Start the way core does: same id scheme, search attributes and summary."""
    return await client.start_workflow(
        WORKFLOW_TYPE,
        input,
        id=enrollment_workflow_id(input.workflow_id, input.profile_id),
        task_queue=task_queue,
        result_type=EnrollmentOutcome,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(SA_WORKFLOW_ID, input.workflow_id),
                SearchAttributePair(SA_PROFILE_ID, input.profile_id),
                SearchAttributePair(SA_VERSION, input.version),
                SearchAttributePair(SA_STATUS, "active"),
            ]
        ),
        static_summary=f"{input.definition.name} → profile {input.profile_id}",
    )
