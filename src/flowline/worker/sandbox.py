"""How `EnrollmentWorkflow` runs: in the worker without the sandbox, in tests inside it.

The sandbox re-imports and recompiles the workflow module for every new workflow run: at a
burst of enrollments that was a fifth of the worker's CPU. The worker therefore runs workflows
unsandboxed. The workflow code stays a pure interpreter (no I/O, no clock but `workflow.now()`,
no randomness), and every test of it (tests/worker, the replay tests over every saved history)
runs inside the sandbox with its restrictions, so a nondeterministic call fails in CI rather
than in production.
"""

from temporalio.worker import UnsandboxedWorkflowRunner, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

# Pure modules the workflow imports (and their libraries): passed through the sandbox, so they
# load once per process, not once per workflow run.
PASSED_THROUGH = ("flowline.definitions", "flowline.worker.contracts", "jinja2", "markupsafe")


def worker_runner() -> WorkflowRunner:
    """What the production worker runs workflows with."""
    return UnsandboxedWorkflowRunner()


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox with its restrictions: what the tests run the workflow in."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
    )
