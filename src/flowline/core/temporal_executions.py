"""Starting an execution with a request id of our choosing; deleting one.

The SDK's `start_workflow` always sends a random request id. Temporal answers a start whose
request id equals the one that created the workflow id's current run — running or closed — with
that run instead of starting another. An outbox start sent twice (by a dispatcher that lost its
lease and by the one that took over, even after the first run completed) therefore starts one
run. The request is built as the SDK builds it, through the client's data converter, so a
payload codec applies to the input and the summary alike.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import temporalio.converter
from temporalio.api.common.v1 import Payloads, WorkflowExecution, WorkflowType
from temporalio.api.sdk.v1 import UserMetadata
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import (
    DeleteWorkflowExecutionRequest,
    StartWorkflowExecutionRequest,
)
from temporalio.client import Client
from temporalio.common import TypedSearchAttributes, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode


@dataclass(frozen=True)
class StartOptions:
    workflow_id: str
    workflow_type: str
    task_queue: str
    request_id: str
    reuse_policy: WorkflowIDReusePolicy
    search_attributes: TypedSearchAttributes
    summary: str
    details: str
    timeout: timedelta
    eager: bool = True


@dataclass(frozen=True)
class StartedRun:
    run_id: str
    # True when this request's id made the run (now or by an earlier identical request); False
    # when "use existing" answered with a run another request started.
    started: bool
    # The server handed the run's first workflow task to this process's worker with the answer.
    eager: bool = False


async def start_execution(client: Client, arg: Any, options: StartOptions) -> StartedRun:
    converter = client.data_converter
    summary, details = await converter.encode([options.summary, options.details])
    request = StartWorkflowExecutionRequest(
        namespace=client.namespace,
        workflow_id=options.workflow_id,
        workflow_type=WorkflowType(name=options.workflow_type),
        task_queue=TaskQueue(name=options.task_queue),
        input=Payloads(payloads=await converter.encode([arg])),
        identity=client.identity,
        request_id=options.request_id,
        # USE_EXISTING: a duplicate trigger must not restart a running enrollment.
        workflow_id_conflict_policy=int(WorkflowIDConflictPolicy.USE_EXISTING),  # type: ignore[arg-type]
        workflow_id_reuse_policy=int(options.reuse_policy),  # type: ignore[arg-type]
        user_metadata=UserMetadata(summary=summary, details=details),
        # Eager start: when this client's worker (same process) has a free slot, the server
        # hands it the first workflow task in the answer, with no trip through matching.
        # Elsewhere (the API process, a busy worker) the SDK clears the flag.
        request_eager_execution=options.eager,
    )
    temporalio.converter.encode_search_attributes(
        options.search_attributes, request.search_attributes
    )
    try:
        response = await client.workflow_service.start_workflow_execution(
            request, retry=True, timeout=options.timeout
        )
    except RPCError as error:
        if error.status == RPCStatusCode.ALREADY_EXISTS:
            raise WorkflowAlreadyStartedError(options.workflow_id, options.workflow_type) from None
        raise
    return StartedRun(
        run_id=response.run_id,
        started=response.started,
        eager=response.HasField("eager_workflow_task"),
    )


async def delete_execution(
    client: Client, workflow_id: str, run_id: str, timeout: timedelta
) -> bool:
    """Delete one run and its history (a running one is terminated first); False if unknown."""
    try:
        await client.workflow_service.delete_workflow_execution(
            DeleteWorkflowExecutionRequest(
                namespace=client.namespace,
                workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id),
            ),
            retry=True,
            timeout=timeout,
        )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False  # deleted before (erasure is idempotent) or never there
        raise
    return True
