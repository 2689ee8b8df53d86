"""Workflow versions: their parsed definitions, and the current versions of all workflows."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from flowline.core.models.workflows import Workflow, WorkflowVersion
from flowline.definitions.workflows import WorkflowDefinition

_parsed: dict[tuple[int, int, datetime], WorkflowDefinition] = {}


def parsed_definition(version: WorkflowVersion) -> WorkflowDefinition:
    """The version's definition, parsed once per process (never change the result).

    Versions are immutable. The creation time is part of the key so that a database reset
    (tests, benchmarks) cannot serve a stale definition.
    """
    key = (version.workflow_id, version.version, version.created_at)
    found = _parsed.get(key)
    if found is None:
        found = _parsed[key] = WorkflowDefinition.model_validate(version.definition)
    return found


def definition_of(session: Session, workflow_id: int, version: int) -> WorkflowDefinition | None:
    """A version's parsed definition; its JSON is read (and decoded) only the first time."""
    created_at = session.exec(
        select(WorkflowVersion.created_at).where(
            col(WorkflowVersion.workflow_id) == workflow_id, col(WorkflowVersion.version) == version
        )
    ).first()
    if created_at is None:
        return None
    found = _parsed.get((workflow_id, version, created_at))
    if found is not None:
        return found
    row = session.exec(
        select(WorkflowVersion).where(
            col(WorkflowVersion.workflow_id) == workflow_id, col(WorkflowVersion.version) == version
        )
    ).one()
    return parsed_definition(row)


def current_definitions(session: Session) -> list[tuple[int, Mapping[str, Any]]]:
    rows = session.exec(
        select(Workflow.id, WorkflowVersion.definition)
        .join(WorkflowVersion, col(WorkflowVersion.workflow_id) == col(Workflow.id))
        .where(col(WorkflowVersion.version) == col(Workflow.version))
    )
    return [(wid, definition) for wid, definition in rows if wid is not None]
