"""`Journey`: where one enrollment is in its steps, what its signals brought, and the moves every
step handler shares (current details, durable waits, passages, the conversion, the end)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from flowline.definitions.enrollment import (
        SA_STATUS,
        EnrollmentOutcome,
        EnrollmentStatus,
        EventReceived,
        ExitRequest,
        GoalReached,
        Progress,
    )
    from flowline.worker.contracts import (
        FINISH_ENROLLMENT,
        RECORD_CONVERSION,
        ConversionInput,
        FinishInput,
        LastStepEnding,
        StepPassage,
    )

from flowline.worker.enrollment_run import EnrollmentRun

MAX_REMEMBERED_EVENTS = 200


class Journey:
    def __init__(self) -> None:
        self.goal: GoalReached | None = None
        self.goal_at: datetime | None = None
        self.conversion_recorded = False
        self.exit: ExitRequest | None = None
        self.events: list[EventReceived] = []
        self.status: EnrollmentStatus = "active"
        self.reason: str | None = None
        self.step_index = 0  # the top-level step the journey is at
        self.step_path: str | None = None
        self.steps = 0  # top-level steps in all
        self.details = "starting"
        self.passed: list[StepPassage] = []
        # The last step was asked to write the ending (`LastStepEnding`), and the signals as
        # they stood when it was written, if it did.
        self.step_ending_asked = False
        self.step_ending_with: tuple[GoalReached | None, ExitRequest | None] | None = None

    # What the signals bring.

    def reach_goal(self, goal: GoalReached) -> None:
        # A goal counts once; repeated deliveries of the same or later events change nothing.
        if self.goal is None and self.status == "active":
            self.goal = goal
            self.goal_at = workflow.now()

    def receive_event(self, event: EventReceived) -> None:
        # Delivered at least once by the outbox: the event id de-duplicates.
        if any(known.event_id == event.event_id for known in self.events):
            return
        self.events.append(event)
        del self.events[:-MAX_REMEMBERED_EVENTS]

    def request_exit(self, request: ExitRequest) -> None:
        if self.exit is None:
            self.exit = request

    def progress(self) -> Progress:
        return Progress(
            status=self.status,
            step_index=self.step_index,
            step_path=self.step_path,
            steps=self.steps,
            details=self.details,
            converted=self.goal is not None,
            exit_reason=self.reason,
        )

    def event_since(self, path: str, started: datetime) -> bool:
        # Only an event that arrived after the step started counts.
        return any(path in e.step_paths and e.at >= started for e in self.events)

    # The moves of every step.

    def should_stop(self, run: EnrollmentRun) -> bool:
        return self.exit is not None or (self.goal is not None and run.definition.exit_on_goal)

    async def wait(
        self,
        run: EnrollmentRun,
        duration: timedelta,
        summary: str,
        until: Callable[[], bool] | None = None,
    ) -> bool:
        """A durable wait that an exit (or exit-on-goal) interrupts at once; True when `until`
        became true before the time was up.

        Without exit-on-goal, a goal wakes the wait only to record the conversion, then it goes on.
        """
        deadline = workflow.now() + duration
        while not self.should_stop(run):
            if until is not None and until():
                return True
            remaining = deadline - workflow.now()
            if remaining <= timedelta(0):
                return False
            try:
                await workflow.wait_condition(
                    lambda: (
                        self.should_stop(run)
                        or self._conversion_pending()
                        or (until is not None and until())
                    ),
                    timeout=remaining,
                    timeout_summary=summary,
                )
            except TimeoutError:
                return until is not None and until()
            await self.record_conversion_once(run)
        return False

    async def record_conversion_once(self, run: EnrollmentRun) -> None:
        if run.definition.exit_on_goal or not self._conversion_pending():
            return
        self.conversion_recorded = True
        conversion = ConversionInput(enrollment=run.ref, converted_at=self._converted_at())
        await run.record(RECORD_CONVERSION, conversion, "record conversion")

    def pass_step(
        self,
        run: EnrollmentRun,
        path: str,
        type: str,
        status: Literal["done", "skipped"],
        detail: str = "",
    ) -> None:
        """Remember a step that ran without an activity; the next activity records it."""
        if run.paths:
            self.passed.append(StepPassage(step_path=path, type=type, status=status, detail=detail))

    def take_passed(self) -> list[StepPassage]:
        passed, self.passed = self.passed, []
        return passed

    def end(self, status: EnrollmentStatus, reason: str | None) -> None:
        self.status = status
        self.reason = reason

    def is_last_step(self, path: str) -> bool:
        return "." not in path and int(path) == self.steps - 1

    def ending_for_last_step(self, run: EnrollmentRun, path: str) -> LastStepEnding | None:
        """What the last top-level step writes as the ending if its outcome lets the journey
        end there; None for other steps and for runs started without the field."""
        if not (run.input.end_with_last_step and self.is_last_step(path)):
            return None
        self.step_ending_asked = True
        converted_at = self._converted_at() if self.goal is not None else None
        return LastStepEnding(steps_completed=self.steps, converted_at=converted_at)

    def step_wrote_ending(self, signals: tuple[GoalReached | None, ExitRequest | None]) -> None:
        self.step_ending_with = signals

    def signals(self) -> tuple[GoalReached | None, ExitRequest | None]:
        return self.goal, self.exit

    def position(self, path: str) -> str:
        if "." not in path:
            return f"step {int(path) + 1}/{self.steps}"
        return f"step {path}"

    def set_details(self, text: str) -> None:
        self.details = text
        workflow.set_current_details(text)

    # The end of the run.

    def end_from_signals(self, run: EnrollmentRun) -> None:
        if self.exit is not None:
            self.end("exited", self.exit.reason)
        elif self.goal is not None and run.definition.exit_on_goal:
            self.end("converted", "goal_reached")
        else:
            self.end("completed", None)

    async def finish(self, run: EnrollmentRun) -> EnrollmentOutcome:
        outcome = EnrollmentOutcome(
            status=self.status,
            reason=self.reason,
            steps_completed=self.step_index,
            converted_at=self._converted_at() if self.goal is not None else None,
        )
        self.set_details(f"{self.status}" + (f" ({self.reason})" if self.reason else ""))
        workflow.upsert_search_attributes([SA_STATUS.value_set(self.status)])
        finish = FinishInput(
            enrollment=run.ref,
            status=outcome.status,
            reason=outcome.reason,
            steps_completed=outcome.steps_completed,
            converted_at=outcome.converted_at,
        )
        if run.paths:
            finish.passed = self.take_passed()
        if self._ending_written(finish):
            return outcome
        finish.replaces_step_ending = self.step_ending_asked
        await run.record(FINISH_ENROLLMENT, finish, f"record {self.status}")
        return outcome

    def _ending_written(self, finish: FinishInput) -> bool:
        """The last step wrote this very ending: nothing came since that would change it."""
        return (
            self.step_ending_with is not None
            and self.step_ending_with == self.signals()
            and finish.status == "completed"
            and finish.reason is None
            and not finish.passed
        )

    def _conversion_pending(self) -> bool:
        return self.goal is not None and not self.conversion_recorded

    def _converted_at(self) -> datetime:
        assert self.goal_at is not None
        return self.goal.at if self.goal and self.goal.at else self.goal_at
