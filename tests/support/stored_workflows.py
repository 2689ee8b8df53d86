"""A workflow stored without the save-time checks: one saved while the operator allowed private
networks (or before those checks), which the worker must still guard when it runs."""

from typing import Any

from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.workflows import Workflow, WorkflowVersion
from flowline.core.timestamps import utcnow
from flowline.definitions.workflows import WorkflowDefinition


def store_unchecked_workflow(engine: Engine, steps: list[dict[str, Any]]) -> int:
    definition = WorkflowDefinition.model_validate(
        {
            "name": "Saved earlier",
            "trigger": {"type": "event", "event": "registered"},
            "steps": steps,
        }
    )
    with session_scope(engine) as session:
        workflow = Workflow(name=definition.name, enabled=True, version=1, enabled_at=utcnow())
        session.add(workflow)
        session.flush()
        assert workflow.id is not None
        session.add(
            WorkflowVersion(
                workflow_id=workflow.id, version=1, definition=definition.model_dump(mode="json")
            )
        )
        return workflow.id
