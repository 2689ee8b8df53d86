"""The activity of an action step (an email, an HTTP call): whatever happens, its outcome ends up
recorded as a delivery."""

from datetime import timedelta
from enum import StrEnum
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    # Not `from flowline.worker import policies`: see the comment in `step_handlers`.
    import flowline.worker.policies as policies
    from flowline.worker.contracts import (
        RECORD_DELIVERY,
        DeliveryRecordInput,
        HttpCallInput,
        SendEmailInput,
        StepPassage,
        StepResult,
    )

from flowline.worker.enrollment_run import EnrollmentRun

STEP_OUTCOMES_RECORDED = "step-outcomes-recorded"
"""Patch: a failed email activity no longer fails the enrollment, and an outcome a step activity
could not write is written by the workflow (RECORD_DELIVERY). Histories from before replay
without it: there the enrollment failed, and the workflow wrote no delivery."""


class Delivery(StrEnum):
    """The kind of delivery an action step records (`DeliveryRecordInput.type`); each kind's
    activities run on a task queue of their own (`EnrollmentInput.email_task_queue`, ...)."""

    EMAIL = "email"
    HTTP = "http"


async def run_step_activity(
    run: EnrollmentRun,
    path: str,
    kind: Delivery,
    activity: str,
    arg: SendEmailInput | HttpCallInput,
    *,
    start_to_close: timedelta,
    schedule_to_close: timedelta,
    retry_policy: RetryPolicy,
    summary: str,
    **options: Any,
) -> StepResult:
    """An action step's activity; whatever happens, its outcome ends up recorded."""
    try:
        result = await workflow.execute_activity(
            activity,
            arg,
            result_type=StepResult,
            start_to_close_timeout=start_to_close,
            schedule_to_close_timeout=schedule_to_close,
            # A dead worker's step moves on after this, not after start-to-close.
            heartbeat_timeout=policies.STEP_HEARTBEAT_TIMEOUT,
            retry_policy=retry_policy,
            summary=summary,
            **options,
        )
    except ActivityError as error:
        # Before the patch an email activity error failed the whole enrollment.
        if kind is Delivery.EMAIL and not workflow.patched(STEP_OUTCOMES_RECORDED):
            raise
        # Not done as far as anyone knows: the step counts as failed. (Older HTTP activities
        # recorded their failure before raising: RECORD_DELIVERY keeps what is there.)
        result = StepResult(outcome="failed", detail=str(error.cause or error), recorded=False)
    if not result.recorded and workflow.patched(STEP_OUTCOMES_RECORDED):
        await record_delivery(run, path, kind, result, arg.passed)
    return result


async def record_delivery(
    run: EnrollmentRun, path: str, kind: Delivery, result: StepResult, passed: list[StepPassage]
) -> None:
    """Write what the step's activity could not (rare: our database failed it)."""
    try:
        await workflow.execute_activity(
            RECORD_DELIVERY,
            DeliveryRecordInput(
                enrollment=run.ref,
                step_path=path,
                type=kind.value,
                outcome=result.outcome,
                detail=result.detail,
                attempts=result.attempts,
                passed=passed,
            ),
            start_to_close_timeout=policies.RECORD_TIMEOUT,
            schedule_to_close_timeout=policies.RECORD_SCHEDULE_TO_CLOSE,
            retry_policy=policies.RECORD_RETRY,
            summary=f"record {kind.value} {result.outcome}",
        )
    except ActivityError:
        # Our database was gone for the whole backstop: the delivery stays unwritten, but
        # the enrollment still ends rather than waiting forever.
        workflow.logger.warning("delivery of step %s could not be recorded", path)
