"""`EnrollmentWorkflow`: one profile's journey, a pure interpreter of the definition snapshot."""

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    # Not `from flowline.worker import policies`: that form loads a private copy inside the
    # sandbox instead of passing the module through, so the workflow and its activities would
    # not share one set of timeouts.
    import flowline.worker.policies as policies
    from flowline.definitions.durations import humanize
    from flowline.definitions.enrollment import (
        EXIT_SIGNAL,
        GOAL_SIGNAL,
        PROGRESS_QUERY,
        SA_STATUS,
        WORKFLOW_TYPE,
        EnrollmentInput,
        EnrollmentOutcome,
        EnrollmentStatus,
        ExitRequest,
        GoalReached,
        Progress,
    )
    from flowline.definitions.steps import HttpCallStep, SendEmailStep, WaitStep
    from flowline.worker.contracts import (
        FINISH_ENROLLMENT,
        HTTP_CALL,
        RECORD_CONVERSION,
        RECORD_DELIVERY,
        SEND_EMAIL,
        ConversionInput,
        DeliveryRecordInput,
        EnrollmentRef,
        FinishInput,
        HttpCallInput,
        SendEmailInput,
        StepResult,
    )

# Issue 6: a failed email activity no longer fails the enrollment, and outcomes a step activity
# could not write are written by the workflow (RECORD_DELIVERY). Histories from before replay
# without it: there the enrollment failed, and no delivery was written by the workflow.
STEP_OUTCOMES_RECORDED = "step-outcomes-recorded"


@workflow.defn(name=WORKFLOW_TYPE)
class EnrollmentWorkflow:
    def __init__(self) -> None:
        self._goal: GoalReached | None = None
        self._goal_at: datetime | None = None
        self._conversion_recorded = False
        self._exit: ExitRequest | None = None
        self._status: EnrollmentStatus = "active"
        self._reason: str | None = None
        self._step_index = 0
        self._steps = 0
        self._details = "starting"

    @workflow.signal(name=GOAL_SIGNAL)
    def goal_reached(self, goal: GoalReached) -> None:
        # A goal counts once; repeated deliveries of the same or later events change nothing.
        if self._goal is None and self._status == "active":
            self._goal = goal
            self._goal_at = workflow.now()

    @workflow.signal(name=EXIT_SIGNAL)
    def exit(self, request: ExitRequest) -> None:
        if self._exit is None:
            self._exit = request

    @workflow.query(name=PROGRESS_QUERY)
    def progress(self) -> Progress:
        return Progress(
            status=self._status,
            step_index=self._step_index,
            steps=self._steps,
            details=self._details,
            converted=self._goal is not None,
            exit_reason=self._reason,
        )

    @workflow.run
    async def run(self, input: EnrollmentInput) -> EnrollmentOutcome:
        definition = input.definition
        self._steps = len(definition.steps)
        info = workflow.info()
        ref = EnrollmentRef(
            workflow_id=input.workflow_id,
            version=input.version,
            profile_id=input.profile_id,
            temporal_workflow_id=info.workflow_id,
            run_id=info.run_id,
            test=input.test,
            trigger_id=input.trigger_id,
            triggered_at=input.triggered_at,
        )
        for index, step in enumerate(definition.steps):
            # Set before the stop check: the step before this one is done, even if we stop now.
            self._step_index = index
            if self._should_stop(input):
                break
            await self._record_conversion_once(input, ref)
            position = f"step {index + 1}/{self._steps}"
            if isinstance(step, WaitStep):
                until = workflow.now() + step.duration
                self._set_details(f"{position}: waiting until {until:%Y-%m-%d %H:%M} UTC")
                await self._wait(input, ref, step.duration)
                if self._should_stop(input):
                    break  # an interrupted wait does not count as a completed step
            elif isinstance(step, SendEmailStep):
                name = input.campaign_names.get(step.campaign_id, f"campaign {step.campaign_id}")
                self._set_details(f"{position}: sending email '{name}'")
                result = await self._send_email(input, ref, index, step, name)
                if result.ends_enrollment:
                    self._end("exited", result.outcome)
                    break
            elif isinstance(step, HttpCallStep):
                self._set_details(f"{position}: {step.method} {step.url}")
                result = await self._http_call(input, ref, index, step)
                if result.ends_enrollment:
                    self._end("exited", result.outcome)
                    break
                if result.outcome == "failed" and step.on_failure == "exit":
                    self._end("failed", "http_step_failed")
                    break
        else:
            self._step_index = self._steps
        if self._status == "active":
            self._finish_from_signals(input)
        return await self._finish(ref)

    async def _wait(self, input: EnrollmentInput, ref: EnrollmentRef, duration: timedelta) -> None:
        """A durable wait that an exit (or exit-on-goal) interrupts at once.

        Without exit-on-goal, a goal wakes the wait only to record the conversion, then it goes on.
        """
        deadline = workflow.now() + duration
        while not self._should_stop(input):
            remaining = deadline - workflow.now()
            if remaining <= timedelta(0):
                return
            try:
                await workflow.wait_condition(
                    lambda: self._should_stop(input) or self._conversion_pending(),
                    timeout=remaining,
                    timeout_summary=f"wait {humanize(duration)}",
                )
            except TimeoutError:
                return
            await self._record_conversion_once(input, ref)

    async def _send_email(
        self, input: EnrollmentInput, ref: EnrollmentRef, index: int, step: SendEmailStep, name: str
    ) -> StepResult:
        consent = input.definition.consent_property
        return await self._run_step(
            ref,
            index,
            "email",
            SEND_EMAIL,
            SendEmailInput(enrollment=ref, step_index=index, step=step, consent_property=consent),
            start_to_close=policies.EMAIL_TIMEOUT,
            # The hard backstop: the activity gives up (and records) long before this.
            schedule_to_close=policies.EMAIL_SCHEDULE_TO_CLOSE,
            retry_policy=policies.EMAIL_RETRY,
            summary=f"send email '{name}'",
        )

    async def _http_call(
        self, input: EnrollmentInput, ref: EnrollmentRef, index: int, step: HttpCallStep
    ) -> StepResult:
        consent = input.definition.consent_property
        return await self._run_step(
            ref,
            index,
            "http",
            HTTP_CALL,
            HttpCallInput(enrollment=ref, step_index=index, step=step, consent_property=consent),
            start_to_close=policies.http_start_to_close(step.timeout),
            schedule_to_close=policies.HTTP_SCHEDULE_TO_CLOSE,
            retry_policy=policies.HTTP_RETRY,
            summary=f"{step.method} {step.url}",
        )

    async def _run_step(
        self,
        ref: EnrollmentRef,
        index: int,
        type: str,
        activity: str,
        arg: SendEmailInput | HttpCallInput,
        *,
        start_to_close: timedelta,
        schedule_to_close: timedelta,
        retry_policy: RetryPolicy,
        summary: str,
    ) -> StepResult:
        """An action step's activity; whatever happens, its outcome ends up recorded."""
        try:
            result = await workflow.execute_activity(
                activity,
                arg,
                result_type=StepResult,
                start_to_close_timeout=start_to_close,
                schedule_to_close_timeout=schedule_to_close,
                retry_policy=retry_policy,
                summary=summary,
            )
        except ActivityError as error:
            # Before the patch an email activity error failed the whole enrollment.
            if type == "email" and not workflow.patched(STEP_OUTCOMES_RECORDED):
                raise
            # Not done as far as anyone knows: the step counts as failed. (Older HTTP activities
            # recorded their failure before raising: RECORD_DELIVERY keeps what is there.)
            result = StepResult(outcome="failed", detail=_failure(error), recorded=False)
        await self._record_unrecorded(ref, index, type, result)
        return result

    async def _record_unrecorded(
        self, ref: EnrollmentRef, index: int, type: str, result: StepResult
    ) -> None:
        if result.recorded or not workflow.patched(STEP_OUTCOMES_RECORDED):
            return
        try:
            await self._bookkeeping(
                RECORD_DELIVERY,
                DeliveryRecordInput(
                    enrollment=ref,
                    step_index=index,
                    type=type,
                    outcome=result.outcome,
                    detail=result.detail,
                    attempts=result.attempts,
                ),
                summary=f"record {type} {result.outcome}",
            )
        except ActivityError:
            # Our database was gone for the whole backstop: the delivery stays unwritten, but
            # the enrollment still ends rather than waiting forever.
            workflow.logger.warning("delivery of step %s could not be recorded", index)

    def _should_stop(self, input: EnrollmentInput) -> bool:
        return self._exit is not None or (self._goal is not None and input.definition.exit_on_goal)

    def _conversion_pending(self) -> bool:
        return self._goal is not None and not self._conversion_recorded

    async def _record_conversion_once(self, input: EnrollmentInput, ref: EnrollmentRef) -> None:
        if input.definition.exit_on_goal or not self._conversion_pending():
            return
        self._conversion_recorded = True
        await self._bookkeeping(
            RECORD_CONVERSION,
            ConversionInput(enrollment=ref, converted_at=self._converted_at()),
            summary="record conversion",
        )

    def _finish_from_signals(self, input: EnrollmentInput) -> None:
        if self._exit is not None:
            self._end("exited", self._exit.reason)
        elif self._goal is not None and input.definition.exit_on_goal:
            self._end("converted", "goal_reached")
        else:
            self._end("completed", None)

    def _end(self, status: EnrollmentStatus, reason: str | None) -> None:
        self._status = status
        self._reason = reason

    def _converted_at(self) -> datetime:
        assert self._goal_at is not None
        return self._goal.at if self._goal and self._goal.at else self._goal_at

    async def _finish(self, ref: EnrollmentRef) -> EnrollmentOutcome:
        outcome = EnrollmentOutcome(
            status=self._status,
            reason=self._reason,
            steps_completed=self._step_index,
            converted_at=self._converted_at() if self._goal is not None else None,
        )
        self._set_details(f"{self._status}" + (f" ({self._reason})" if self._reason else ""))
        workflow.upsert_search_attributes([SA_STATUS.value_set(self._status)])
        await self._bookkeeping(
            FINISH_ENROLLMENT,
            FinishInput(
                enrollment=ref,
                status=outcome.status,
                reason=outcome.reason,
                steps_completed=outcome.steps_completed,
                converted_at=outcome.converted_at,
            ),
            summary=f"record {self._status}",
        )
        return outcome

    async def _bookkeeping(self, activity: str, input: object, summary: str) -> None:
        """A write to our own database: retried until it is back, up to the backstop."""
        await workflow.execute_activity(
            activity,
            input,
            start_to_close_timeout=policies.RECORD_TIMEOUT,
            schedule_to_close_timeout=policies.RECORD_SCHEDULE_TO_CLOSE,
            retry_policy=policies.RECORD_RETRY,
            summary=summary,
        )

    def _set_details(self, text: str) -> None:
        self._details = text
        workflow.set_current_details(text)


def _failure(error: ActivityError) -> str:
    return str(error.cause or error)
