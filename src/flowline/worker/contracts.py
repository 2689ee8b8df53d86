"""Activity inputs and results: one typed object each, so fields can be added later."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from flowline.definitions.enrollment import EnrollmentStatus
from flowline.definitions.steps import HttpCallStep, SendEmailStep


class EnrollmentRef(BaseModel):
    """Which enrollment an activity acts for; the run id tells re-entries apart."""

    workflow_id: int
    version: int
    profile_id: str
    temporal_workflow_id: str
    run_id: str
    test: bool = False
    trigger_id: str | None = None
    triggered_at: datetime | None = None
    cohort: str = "treatment"  # so whichever writes the row first writes its group


class StepPassage(BaseModel):
    """A step the workflow ran without an activity of its own (a wait, a wait for an event):
    recorded by the next activity it calls, so the funnel counts it without a round trip."""

    step_path: str
    type: str
    status: Literal["done", "skipped"]
    detail: str = ""


class SendEmailInput(BaseModel):
    enrollment: EnrollmentRef
    step_index: int  # the top-level step it lies under
    step: SendEmailStep
    consent_property: str | None
    step_path: str | None = None  # None: recorded before step paths, = str(step_index)
    passed: list[StepPassage] = []
    ignore_frequency_cap: bool = False

    @property
    def path(self) -> str:
        return self.step_path or str(self.step_index)


class LastStepEnding(BaseModel):
    """The ending a run's last step writes with its delivery when its outcome lets the journey
    end there (`completed`): the run then has no finishing write of its own to make."""

    steps_completed: int
    converted_at: datetime | None = None


class HttpCallInput(BaseModel):
    enrollment: EnrollmentRef
    step_index: int  # the top-level step it lies under
    step: HttpCallStep
    consent_property: str | None
    step_path: str | None = None
    passed: list[StepPassage] = []
    end_if_done: LastStepEnding | None = None  # the last step of a run that asks for it

    @property
    def path(self) -> str:
        return self.step_path or str(self.step_index)


class StepResult(BaseModel):
    """`consent_withdrawn` and `profile_deleted` end the enrollment; the others do not.

    `recorded` is False when the activity reached its outcome (an email the SMTP server accepted,
    say) but could not write the delivery: it still reports the outcome, so Temporal never
    retries what was done, and the workflow writes the delivery with RECORD_DELIVERY.
    """

    outcome: str  # sent | failed | skipped | consent_withdrawn | profile_deleted
    detail: str = ""
    recorded: bool = True  # results of older workers lack the field: they always recorded
    attempts: int | None = None
    # What the enrollment's timeline tells about it (masked address, campaign, answer status).
    facts: dict[str, Any] | None = None
    # The enrollment's ending (`end_if_done`) was written with the delivery. Results of workers
    # that predate the field lack it: the run then writes its ending itself, as before.
    ended: bool = False

    @property
    def ends_enrollment(self) -> bool:
        return self.outcome in ("consent_withdrawn", "profile_deleted")


class DeliveryRecordInput(BaseModel):
    """A step outcome the step activity could not write itself (with the steps it passed)."""

    enrollment: EnrollmentRef
    step_path: str
    type: str  # email | http
    outcome: str
    detail: str = ""
    attempts: int | None = None
    passed: list[StepPassage] = []


class ConversionInput(BaseModel):
    enrollment: EnrollmentRef
    converted_at: datetime


class FinishInput(BaseModel):
    enrollment: EnrollmentRef
    status: EnrollmentStatus
    reason: str | None
    steps_completed: int
    converted_at: datetime | None
    passed: list[StepPassage] = []
    # The last step wrote `completed` before a signal changed the ending: this one replaces it.
    replaces_step_ending: bool = False


# Activity names: the workflow calls activities by name, so it never imports their modules
# (SMTP, HTTP and database code stay out of the workflow sandbox).
SEND_EMAIL = "send_email"
HTTP_CALL = "http_call"
RECORD_DELIVERY = "record_delivery"
RECORD_CONVERSION = "record_conversion"
FINISH_ENROLLMENT = "finish_enrollment"
