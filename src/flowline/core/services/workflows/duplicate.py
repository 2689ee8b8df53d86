"""A copy of a workflow to change without touching the original: disabled, same definition."""

from sqlmodel import Session

from flowline.core.models.audit import Actor
from flowline.core.models.workflows import Workflow, WorkflowVersion
from flowline.core.services.workflows.crud import current_definition

COPY_PREFIX = "Copy of "
MAX_NAME = 200  # the width of the name column and of a definition's name


def copy_name(name: str) -> str:
    return f"{COPY_PREFIX}{name}"[:MAX_NAME].rstrip()


def duplicate_workflow(
    session: Session, workflow: Workflow, saved_by: Actor | None = None
) -> Workflow:
    """A new workflow, version 1, with the original's current definition under "Copy of <name>".

    It starts disabled, so nothing enrolls until someone switches it on, which checks its
    segments and campaigns again. Its figures start at zero: enrollments stay with the original.
    """
    definition = current_definition(session, workflow)
    copied = definition.model_copy(update={"name": copy_name(definition.name)})
    duplicate = Workflow(name=copied.name, enabled=False, version=1, enabled_at=None)
    session.add(duplicate)
    session.flush()
    assert duplicate.id is not None
    session.add(
        WorkflowVersion(
            workflow_id=duplicate.id,
            version=1,
            definition=copied.model_dump(mode="json"),
            saved_by=saved_by.as_json() if saved_by is not None else None,
        )
    )
    session.flush()
    return duplicate
