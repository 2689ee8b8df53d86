"""Reading the current versions of all workflows (to see what uses a campaign or segment)."""

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from flowline.core.models.workflows import Workflow, WorkflowVersion


def current_definitions(session: Session) -> list[tuple[int, Mapping[str, Any]]]:
    rows = session.exec(
        select(Workflow.id, WorkflowVersion.definition)
        .join(WorkflowVersion, col(WorkflowVersion.workflow_id) == col(Workflow.id))
        .where(col(WorkflowVersion.version) == col(Workflow.version))
    )
    return [(wid, definition) for wid, definition in rows if wid is not None]
