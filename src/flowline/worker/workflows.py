"""`EnrollmentWorkflow`: one profile's journey, a pure interpreter of the definition snapshot.

Steps are addressed by paths (`"3"`, `"3.then.0"`). Enrollments that started before step paths
existed replay on the code they ran (`workflow.patched(STEP_PATHS)` is False for them); every
difference between the two is marked where it is made. Runs started since issue 8 carry
`input.step_paths` and take the step-path code without the patch's marker.
"""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

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
        EVENT_SIGNAL,
        EXIT_SIGNAL,
        GOAL_SIGNAL,
        PROGRESS_QUERY,
        SA_STATUS,
        WORKFLOW_TYPE,
        EnrollmentInput,
        EnrollmentOutcome,
        EnrollmentStatus,
        EventReceived,
        ExitRequest,
        GoalReached,
        Progress,
    )
    from flowline.definitions.journey_steps import UpdateProfileStep, WaitForEventStep
    from flowline.definitions.step_tree import BranchStep, child_path
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
        StepPassage,
        StepResult,
    )
    from flowline.worker.journey_contracts import (
        EVALUATE_BRANCH,
        SEND_WINDOW,
        UPDATE_PROFILE,
        BranchInput,
        BranchResult,
        UpdateProfileInput,
        UpdateProfileResult,
        WindowCheck,
        WindowInput,
    )

STEP_PATHS = "flowline-step-paths"
"""Patch: step paths, journey steps, send windows, bookkeeping as local activities."""
STEP_OUTCOMES_RECORDED = "step-outcomes-recorded"
"""Patch (issue 6): a failed email activity no longer fails the enrollment, and an outcome a
step activity could not write is written by the workflow (RECORD_DELIVERY). Histories from
before replay without it: there the enrollment failed, and the workflow wrote no delivery."""
MAX_REMEMBERED_EVENTS = 200


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
        self._step_path: str | None = None
        self._steps = 0
        self._details = "starting"
        self._events: list[EventReceived] = []
        self._passed: list[StepPassage] = []
        self._paths = False  # set from the input (or the patch) when the run starts

    @workflow.signal(name=GOAL_SIGNAL)
    def goal_reached(self, goal: GoalReached) -> None:
        # A goal counts once; repeated deliveries of the same or later events change nothing.
        if self._goal is None and self._status == "active":
            self._goal = goal
            self._goal_at = workflow.now()

    @workflow.signal(name=EVENT_SIGNAL)
    def event_received(self, event: EventReceived) -> None:
        # Delivered at least once by the outbox: the event id de-duplicates.
        if any(known.event_id == event.event_id for known in self._events):
            return
        self._events.append(event)
        del self._events[:-MAX_REMEMBERED_EVENTS]

    @workflow.signal(name=EXIT_SIGNAL)
    def exit(self, request: ExitRequest) -> None:
        if self._exit is None:
            self._exit = request

    @workflow.query(name=PROGRESS_QUERY)
    def progress(self) -> Progress:
        return Progress(
            status=self._status,
            step_index=self._step_index,
            step_path=self._step_path,
            steps=self._steps,
            details=self._details,
            converted=self._goal is not None,
            exit_reason=self._reason,
        )

    @workflow.run
    async def run(self, input: EnrollmentInput) -> EnrollmentOutcome:
        # Deterministic either way: the input is in the history. Only runs whose starter predates
        # `step_paths` ask the patch (a marker in theirs, none in older ones).
        self._paths = input.step_paths or workflow.patched(STEP_PATHS)
        self._steps = len(input.definition.steps)
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
        stopped = await self._run_steps(input, ref, input.definition.steps, "")
        if not stopped:
            self._step_index = self._steps
        if self._status == "active":
            self._finish_from_signals(input)
        return await self._finish(ref)

    async def _run_steps(
        self, input: EnrollmentInput, ref: EnrollmentRef, steps: Sequence[Any], prefix: str
    ) -> bool:
        """Run a list of steps (the top level, or a branch's arm); True when the journey stops."""
        for index, step in enumerate(steps):
            path = child_path(prefix, index)
            if not prefix:
                # Set before the stop check: the step before this one is done, even if we stop.
                self._step_index = index
            self._step_path = path
            if self._should_stop(input):
                return True
            await self._record_conversion_once(input, ref)
            if await self._run_step(input, ref, step, path):
                return True
        return False

    async def _run_step(
        self, input: EnrollmentInput, ref: EnrollmentRef, step: Any, path: str
    ) -> bool:
        position = self._position(path)
        if isinstance(step, WaitStep):
            until = workflow.now() + step.duration
            self._set_details(f"{position}: waiting until {until:%Y-%m-%d %H:%M} UTC")
            await self._wait(input, ref, step.duration, f"wait {humanize(step.duration)}")
            if self._should_stop(input):
                return True  # an interrupted wait does not count as a completed step
            self._pass(path, "wait", "done")
        elif isinstance(step, SendEmailStep):
            if await self._hold_for_send_window(input, ref, position):
                return True
            return await self._send_email(input, ref, step, path, position)
        elif isinstance(step, HttpCallStep):
            if await self._hold_for_send_window(input, ref, position):
                return True
            self._set_details(f"{position}: {step.method} {step.url}")
            result = await self._http_call(input, ref, path, step)
            if result.ends_enrollment:
                self._end("exited", result.outcome)
                return True
            if result.outcome == "failed" and step.on_failure == "exit":
                self._end("failed", "http_step_failed")
                return True
        elif isinstance(step, WaitForEventStep):
            return await self._wait_for_event(input, ref, step, path, position)
        elif isinstance(step, BranchStep):
            return await self._branch(input, ref, step, path, position)
        elif isinstance(step, UpdateProfileStep):
            return await self._update_profile(input, ref, step, path, position)
        return False

    async def _send_email(
        self,
        input: EnrollmentInput,
        ref: EnrollmentRef,
        step: SendEmailStep,
        path: str,
        position: str,
    ) -> bool:
        name = input.campaign_names.get(step.campaign_id, f"campaign {step.campaign_id}")
        self._set_details(f"{position}: sending email '{name}'")
        email = SendEmailInput(
            enrollment=ref,
            step_index=self._step_index,
            step=step,
            consent_property=input.definition.consent_property,
        )
        options: dict[str, Any] = {}
        if self._paths:
            email.step_path = path
            email.passed = self._take_passed()
            email.ignore_frequency_cap = input.definition.ignore_frequency_cap
            if input.email_task_queue:
                options["task_queue"] = input.email_task_queue
        result = await self._act(
            ref,
            path,
            "email",
            SEND_EMAIL,
            email,
            start_to_close=policies.EMAIL_TIMEOUT,
            # The hard backstop: the activity gives up (and records) long before this.
            schedule_to_close=policies.EMAIL_SCHEDULE_TO_CLOSE,
            retry_policy=policies.EMAIL_RETRY,
            summary=f"send email '{name}'",
            **options,
        )
        if result.ends_enrollment:
            self._end("exited", result.outcome)
            return True
        return False

    async def _http_call(
        self, input: EnrollmentInput, ref: EnrollmentRef, path: str, step: HttpCallStep
    ) -> StepResult:
        call = HttpCallInput(
            enrollment=ref,
            step_index=self._step_index,
            step=step,
            consent_property=input.definition.consent_property,
        )
        options: dict[str, Any] = {}
        if self._paths:
            call.step_path = path
            call.passed = self._take_passed()
        if input.http_task_queue:
            options["task_queue"] = input.http_task_queue
        return await self._act(
            ref,
            path,
            "http",
            HTTP_CALL,
            call,
            start_to_close=policies.http_start_to_close(step.timeout),
            schedule_to_close=policies.HTTP_SCHEDULE_TO_CLOSE,
            retry_policy=policies.HTTP_RETRY,
            summary=f"{step.method} {step.url}",
            **options,
        )

    async def _act(
        self,
        ref: EnrollmentRef,
        path: str,
        type: str,
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
            if type == "email" and not workflow.patched(STEP_OUTCOMES_RECORDED):
                raise
            # Not done as far as anyone knows: the step counts as failed. (Older HTTP activities
            # recorded their failure before raising: RECORD_DELIVERY keeps what is there.)
            result = StepResult(outcome="failed", detail=str(error.cause or error), recorded=False)
        if not result.recorded and workflow.patched(STEP_OUTCOMES_RECORDED):
            await self._record_delivery(ref, path, type, result, arg.passed)
        return result

    async def _record_delivery(
        self,
        ref: EnrollmentRef,
        path: str,
        type: str,
        result: StepResult,
        passed: list[StepPassage],
    ) -> None:
        """Write what the step's activity could not (rare: our database failed it)."""
        try:
            await workflow.execute_activity(
                RECORD_DELIVERY,
                DeliveryRecordInput(
                    enrollment=ref,
                    step_path=path,
                    type=type,
                    outcome=result.outcome,
                    detail=result.detail,
                    attempts=result.attempts,
                    passed=passed,
                ),
                start_to_close_timeout=policies.RECORD_TIMEOUT,
                schedule_to_close_timeout=policies.RECORD_SCHEDULE_TO_CLOSE,
                retry_policy=policies.RECORD_RETRY,
                summary=f"record {type} {result.outcome}",
            )
        except ActivityError:
            # Our database was gone for the whole backstop: the delivery stays unwritten, but
            # the enrollment still ends rather than waiting forever.
            workflow.logger.warning("delivery of step %s could not be recorded", path)

    async def _hold_for_send_window(
        self, input: EnrollmentInput, ref: EnrollmentRef, position: str
    ) -> bool:
        """Wait (durably) until the profile's local time is inside the send window.

        True when the journey stopped meanwhile. The window is looked up again after each wait:
        the profile may have moved to another time zone.
        """
        window = input.definition.send_window
        if window is None or not self._paths:
            return False
        while True:
            check = await workflow.execute_local_activity(
                SEND_WINDOW,
                WindowInput(profile_id=input.profile_id, window=window, now=workflow.now()),
                result_type=WindowCheck,
                start_to_close_timeout=policies.LOCAL_TIMEOUT,
                schedule_to_close_timeout=policies.LOCAL_SCHEDULE_TO_CLOSE,
                retry_policy=policies.LOCAL_RETRY,
                summary="find the send window",
            )
            if check.opens_at is None:
                return False
            self._set_details(f"{position}: waiting for the send window until {check.words}")
            await self._wait(
                input, ref, check.opens_at - workflow.now(), f"send window opens {check.words}"
            )
            if self._should_stop(input):
                return True

    async def _wait_for_event(
        self,
        input: EnrollmentInput,
        ref: EnrollmentRef,
        step: WaitForEventStep,
        path: str,
        position: str,
    ) -> bool:
        started = workflow.now()
        until = started + step.timeout
        self._set_details(
            f"{position}: waiting for event '{step.event}' until {until:%Y-%m-%d %H:%M} UTC"
        )
        came = await self._wait(
            input,
            ref,
            step.timeout,
            f"wait up to {humanize(step.timeout)} for '{step.event}'",
            until=lambda: self._event_since(path, started),
        )
        if self._should_stop(input):
            return True
        if came:
            self._pass(path, "wait_for_event", "done", f"event '{step.event}' came")
            return False
        self._pass(path, "wait_for_event", "skipped", "timed out")
        if step.on_timeout == "exit":
            self._end("exited", "wait_for_event_timeout")
            return True
        return False

    def _event_since(self, path: str, started: datetime) -> bool:
        # Only an event that arrived after the step started counts.
        return any(path in e.step_paths and e.at >= started for e in self._events)

    async def _branch(
        self, input: EnrollmentInput, ref: EnrollmentRef, step: BranchStep, path: str, position: str
    ) -> bool:
        self._set_details(f"{position}: checking the branch condition")
        result = await workflow.execute_local_activity(
            EVALUATE_BRANCH,
            BranchInput(
                enrollment=ref, step_path=path, condition=step.condition, now=workflow.now()
            ),
            result_type=BranchResult,
            start_to_close_timeout=policies.LOCAL_TIMEOUT,
            schedule_to_close_timeout=policies.LOCAL_SCHEDULE_TO_CLOSE,
            retry_policy=policies.LOCAL_RETRY,
            summary=f"branch at step {path}",
        )
        if result.arm is None:
            self._end("exited", result.ended or "profile_deleted")
            return True
        arm = step.then if result.arm == "then" else step.else_
        return await self._run_steps(input, ref, arm, f"{path}.{result.arm}")

    async def _update_profile(
        self,
        input: EnrollmentInput,
        ref: EnrollmentRef,
        step: UpdateProfileStep,
        path: str,
        position: str,
    ) -> bool:
        names = ", ".join(sorted(step.properties))
        self._set_details(f"{position}: updating the profile ({names})")
        result = await workflow.execute_activity(
            UPDATE_PROFILE,
            UpdateProfileInput(
                enrollment=ref,
                step_path=path,
                properties=step.properties,
                workflow_name=input.definition.name,
            ),
            result_type=UpdateProfileResult,
            start_to_close_timeout=policies.UPDATE_PROFILE_TIMEOUT,
            schedule_to_close_timeout=policies.RECORD_SCHEDULE_TO_CLOSE,
            retry_policy=policies.RECORD_RETRY,
            summary=f"update profile: {names}",
        )
        if result.outcome == "profile_deleted":
            self._end("exited", "profile_deleted")
            return True
        return False

    async def _wait(
        self,
        input: EnrollmentInput,
        ref: EnrollmentRef,
        duration: timedelta,
        summary: str,
        until: Callable[[], bool] | None = None,
    ) -> bool:
        """A durable wait that an exit (or exit-on-goal) interrupts at once; True when `until`
        became true before the time was up.

        Without exit-on-goal, a goal wakes the wait only to record the conversion, then it goes on.
        """
        deadline = workflow.now() + duration
        while not self._should_stop(input):
            if until is not None and until():
                return True
            remaining = deadline - workflow.now()
            if remaining <= timedelta(0):
                return False
            try:
                await workflow.wait_condition(
                    lambda: (
                        self._should_stop(input)
                        or self._conversion_pending()
                        or (until is not None and until())
                    ),
                    timeout=remaining,
                    timeout_summary=summary,
                )
            except TimeoutError:
                return until is not None and until()
            await self._record_conversion_once(input, ref)
        return False

    def _should_stop(self, input: EnrollmentInput) -> bool:
        return self._exit is not None or (self._goal is not None and input.definition.exit_on_goal)

    def _conversion_pending(self) -> bool:
        return self._goal is not None and not self._conversion_recorded

    async def _record_conversion_once(self, input: EnrollmentInput, ref: EnrollmentRef) -> None:
        if input.definition.exit_on_goal or not self._conversion_pending():
            return
        self._conversion_recorded = True
        conversion = ConversionInput(enrollment=ref, converted_at=self._converted_at())
        if self._paths:
            await workflow.execute_local_activity(
                RECORD_CONVERSION,
                conversion,
                start_to_close_timeout=policies.LOCAL_TIMEOUT,
                schedule_to_close_timeout=policies.LOCAL_SCHEDULE_TO_CLOSE,
                retry_policy=policies.LOCAL_RETRY,
                summary="record conversion",
            )
            return
        await workflow.execute_activity(
            RECORD_CONVERSION,
            conversion,
            start_to_close_timeout=policies.RECORD_TIMEOUT,
            schedule_to_close_timeout=policies.RECORD_SCHEDULE_TO_CLOSE,
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

    def _pass(self, path: str, type: str, status: str, detail: str = "") -> None:
        """Remember a step that ran without an activity; the next activity records it."""
        if self._paths:
            self._passed.append(
                StepPassage(step_path=path, type=type, status=status, detail=detail)  # type: ignore[arg-type]
            )

    def _take_passed(self) -> list[StepPassage]:
        passed, self._passed = self._passed, []
        return passed

    async def _finish(self, ref: EnrollmentRef) -> EnrollmentOutcome:
        outcome = EnrollmentOutcome(
            status=self._status,
            reason=self._reason,
            steps_completed=self._step_index,
            converted_at=self._converted_at() if self._goal is not None else None,
        )
        self._set_details(f"{self._status}" + (f" ({self._reason})" if self._reason else ""))
        workflow.upsert_search_attributes([SA_STATUS.value_set(self._status)])
        finish = FinishInput(
            enrollment=ref,
            status=outcome.status,
            reason=outcome.reason,
            steps_completed=outcome.steps_completed,
            converted_at=outcome.converted_at,
        )
        if self._paths:
            # Inside the last workflow task: no round trip through the server.
            finish.passed = self._take_passed()
            await workflow.execute_local_activity(
                FINISH_ENROLLMENT,
                finish,
                start_to_close_timeout=policies.LOCAL_TIMEOUT,
                schedule_to_close_timeout=policies.LOCAL_SCHEDULE_TO_CLOSE,
                retry_policy=policies.LOCAL_RETRY,
                summary=f"record {self._status}",
            )
            return outcome
        await workflow.execute_activity(
            FINISH_ENROLLMENT,
            finish,
            start_to_close_timeout=policies.RECORD_TIMEOUT,
            schedule_to_close_timeout=policies.RECORD_SCHEDULE_TO_CLOSE,
            retry_policy=policies.RECORD_RETRY,
            summary=f"record {self._status}",
        )
        return outcome

    def _position(self, path: str) -> str:
        if "." not in path:
            return f"step {int(path) + 1}/{self._steps}"
        return f"step {path}"

    def _set_details(self, text: str) -> None:
        self._details = text
        workflow.set_current_details(text)
