"""`EnrollmentWorkflow`: one profile's journey, a pure interpreter of the definition snapshot."""

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
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
    from flowline.worker import policies
    from flowline.worker.contracts import (
        FINISH_ENROLLMENT,
        HTTP_CALL,
        RECORD_CONVERSION,
        SEND_EMAIL,
        ConversionInput,
        EnrollmentRef,
        FinishInput,
        HttpCallInput,
        SendEmailInput,
        StepResult,
    )


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
                result = await workflow.execute_activity(
                    SEND_EMAIL,
                    SendEmailInput(
                        enrollment=ref,
                        step_index=index,
                        step=step,
                        consent_property=definition.consent_property,
                    ),
                    result_type=StepResult,
                    start_to_close_timeout=policies.EMAIL_TIMEOUT,
                    retry_policy=policies.EMAIL_RETRY,
                    summary=f"send email '{name}'",
                )
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

    async def _http_call(
        self, input: EnrollmentInput, ref: EnrollmentRef, index: int, step: HttpCallStep
    ) -> StepResult:
        try:
            return await workflow.execute_activity(
                HTTP_CALL,
                HttpCallInput(
                    enrollment=ref,
                    step_index=index,
                    step=step,
                    consent_property=input.definition.consent_property,
                ),
                result_type=StepResult,
                start_to_close_timeout=step.timeout + policies.HTTP_START_TO_CLOSE_MARGIN,
                schedule_to_close_timeout=policies.HTTP_SCHEDULE_TO_CLOSE,
                retry_policy=policies.HTTP_RETRY,
                summary=f"{step.method} {step.url}",
            )
        except ActivityError as error:
            # The activity recorded the failed delivery before giving up.
            return StepResult(outcome="failed", detail=str(error.cause or error))

    def _should_stop(self, input: EnrollmentInput) -> bool:
        return self._exit is not None or (self._goal is not None and input.definition.exit_on_goal)

    def _conversion_pending(self) -> bool:
        return self._goal is not None and not self._conversion_recorded

    async def _record_conversion_once(self, input: EnrollmentInput, ref: EnrollmentRef) -> None:
        if input.definition.exit_on_goal or not self._conversion_pending():
            return
        self._conversion_recorded = True
        await workflow.execute_activity(
            RECORD_CONVERSION,
            ConversionInput(enrollment=ref, converted_at=self._converted_at()),
            start_to_close_timeout=policies.RECORD_TIMEOUT,
            retry_policy=policies.RECORD_RETRY,
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
        await workflow.execute_activity(
            FINISH_ENROLLMENT,
            FinishInput(
                enrollment=ref,
                status=outcome.status,
                reason=outcome.reason,
                steps_completed=outcome.steps_completed,
                converted_at=outcome.converted_at,
            ),
            start_to_close_timeout=policies.RECORD_TIMEOUT,
            retry_policy=policies.RECORD_RETRY,
            summary=f"record {self._status}",
        )
        return outcome

    def _set_details(self, text: str) -> None:
        self._details = text
        workflow.set_current_details(text)
