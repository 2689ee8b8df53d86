"""`EnrollmentRun`: what one run of `EnrollmentWorkflow` acts on, fixed when the run starts.

Steps are addressed by paths (`"3"`, `"3.then.0"`). Enrollments that started before step paths
existed replay on the code they ran: `paths` is False for them, and every difference between the
two is decided by it where it is made.
"""

from dataclasses import dataclass
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # Not `from flowline.worker import policies`: see the comment in `step_handlers`.
    import flowline.worker.policies as policies
    from flowline.definitions.enrollment import EnrollmentInput
    from flowline.definitions.workflows import WorkflowDefinition
    from flowline.worker.contracts import EnrollmentRef

STEP_PATHS = "flowline-step-paths"
"""Patch: step paths, journey steps, send windows, bookkeeping as local activities."""


@dataclass(frozen=True)
class EnrollmentRun:
    input: EnrollmentInput
    ref: EnrollmentRef  # the enrollment every activity acts for
    paths: bool  # the step-path code (see the module docstring)

    @classmethod
    def start(cls, input: EnrollmentInput) -> "EnrollmentRun":
        # Deterministic either way: the input is in the history. Runs started with `step_paths`
        # take the step-path code without asking; only runs whose starter predates the field ask
        # the patch (a marker in theirs, none in older ones).
        paths = input.step_paths or workflow.patched(STEP_PATHS)
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
            cohort=input.cohort,
        )
        return cls(input=input, ref=ref, paths=paths)

    @property
    def definition(self) -> WorkflowDefinition:
        return self.input.definition

    async def record(self, activity: str, arg: Any, summary: str) -> None:
        """A bookkeeping write (a conversion, the finish).

        With step paths it is a local activity, inside the workflow task: no round trip through
        the server. Runs from before keep the regular activity they scheduled then.
        """
        if self.paths:
            await workflow.execute_local_activity(
                activity,
                arg,
                start_to_close_timeout=policies.LOCAL_TIMEOUT,
                schedule_to_close_timeout=policies.LOCAL_SCHEDULE_TO_CLOSE,
                retry_policy=policies.LOCAL_RETRY,
                summary=summary,
            )
            return
        await workflow.execute_activity(
            activity,
            arg,
            start_to_close_timeout=policies.RECORD_TIMEOUT,
            schedule_to_close_timeout=policies.RECORD_SCHEDULE_TO_CLOSE,
            retry_policy=policies.RECORD_RETRY,
            summary=summary,
        )
