"""Starts made by hand, as a starter would send them, for tests of what Temporal answers."""

import uuid
from datetime import timedelta

from temporalio.common import TypedSearchAttributes, WorkflowIDReusePolicy

from flowline.core.temporal_executions import StartOptions
from flowline.definitions.enrollment import WORKFLOW_TYPE


def start_options(temporal_id: str, task_queue: str, summary: str) -> StartOptions:
    """A fresh request id, duplicates allowed, no search attributes."""
    return StartOptions(
        workflow_id=temporal_id,
        workflow_type=WORKFLOW_TYPE,
        task_queue=task_queue,
        request_id=str(uuid.uuid4()),
        reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        search_attributes=TypedSearchAttributes([]),
        summary=summary,
        details="",
        timeout=timedelta(seconds=5),
    )
