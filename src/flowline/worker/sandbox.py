"""The workflow sandbox, with Flowline's pure modules and their libraries passed through.

`EnrollmentWorkflow` decodes its snapshot with pydantic models whose validators use Jinja2
(merge tags) and zoneinfo (send windows). Passed through, they are imported once per process
instead of once per workflow run; they hold no state a workflow could change.
"""

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSED_THROUGH = ("flowline.definitions", "flowline.worker.contracts", "jinja2", "markupsafe")


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
    )
