"""`EnrollmentWorkflow`: one profile's journey, a pure interpreter of the definition snapshot.

The run's fixed facts are an `EnrollmentRun` (`enrollment_run`), its changing state a `Journey`
(`journey`), and each step kind has its handler in `step_handlers`. Every module of the workflow
runs in the sandbox in tests: no I/O, no clock but `workflow.now()`, no randomness.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from flowline.definitions.enrollment import (
        EVENT_SIGNAL,
        EXIT_SIGNAL,
        GOAL_SIGNAL,
        PROGRESS_QUERY,
        WORKFLOW_TYPE,
        EnrollmentInput,
        EnrollmentOutcome,
        EventReceived,
        ExitRequest,
        GoalReached,
        Progress,
    )

from flowline.worker.enrollment_run import EnrollmentRun
from flowline.worker.holdout import hold_out
from flowline.worker.journey import Journey
from flowline.worker.step_handlers import run_steps


@workflow.defn(name=WORKFLOW_TYPE)
class EnrollmentWorkflow:
    def __init__(self) -> None:
        self._journey = Journey()

    @workflow.signal(name=GOAL_SIGNAL)
    def goal_reached(self, goal: GoalReached) -> None:
        self._journey.reach_goal(goal)

    @workflow.signal(name=EVENT_SIGNAL)
    def event_received(self, event: EventReceived) -> None:
        self._journey.receive_event(event)

    @workflow.signal(name=EXIT_SIGNAL)
    def exit(self, request: ExitRequest) -> None:
        self._journey.request_exit(request)

    @workflow.query(name=PROGRESS_QUERY)
    def progress(self) -> Progress:
        return self._journey.progress()

    @workflow.run
    async def run(self, input: EnrollmentInput) -> EnrollmentOutcome:
        run = EnrollmentRun.start(input)
        journey = self._journey
        journey.steps = len(input.definition.steps)
        if input.cohort == "holdout":
            # Only holdout runs take this branch, and only starters that know the field start
            # them: no run that started before replays through it.
            await hold_out(journey, run)
        elif not await run_steps(journey, run, input.definition.steps, ""):
            journey.step_index = journey.steps
        if journey.status == "active":
            journey.end_from_signals(run)
        return await journey.finish(run)
