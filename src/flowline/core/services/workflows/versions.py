"""Workflow versions: their parsed definitions, the current versions of all workflows, and how
many enrollments each version has (in all, and still running)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, false
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from flowline.core.models.enrollments import Enrollment
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


def cached_definition(
    workflow_id: int, version: int, created_at: datetime
) -> WorkflowDefinition | None:
    """The version's parsed definition if this process has parsed it already."""
    return _parsed.get((workflow_id, version, created_at))


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


@dataclass(frozen=True)
class VersionSummary:
    version: int
    saved_at: datetime
    enrolled: int
    """Enrollments that started on it (test ones left out, as in every figure)."""
    active: int
    """Of those, the ones still running: they finish on this version."""
    saved_by: str | None = None
    """The name of who saved it (None for versions saved before the audit log)."""


def version_summaries(session: Session, workflow_id: int) -> list[VersionSummary]:
    """Every version, newest first, with its enrollment counts: one grouped query."""
    rows = session.execute(
        sa_select(
            col(WorkflowVersion.version),
            col(WorkflowVersion.created_at),
            # Columns of `ix_enrollments_stats` only: the count reads the index, not the rows.
            func.count(col(Enrollment.version)),
            func.count(case((col(Enrollment.status) == "active", 1))),
        )
        .select_from(WorkflowVersion)
        .outerjoin(
            Enrollment,
            and_(
                col(Enrollment.workflow_id) == col(WorkflowVersion.workflow_id),
                col(Enrollment.version) == col(WorkflowVersion.version),
                col(Enrollment.test) == false(),
            ),
        )
        .where(col(WorkflowVersion.workflow_id) == workflow_id)
        .group_by(col(WorkflowVersion.version), col(WorkflowVersion.created_at))
        .order_by(col(WorkflowVersion.version).desc())
    ).all()
    # Apart from the grouped count: PostgreSQL cannot group by a `json` column.
    savers = {
        version: saved_by.get("name") if isinstance(saved_by, dict) else None
        for version, saved_by in session.execute(
            sa_select(col(WorkflowVersion.version), col(WorkflowVersion.saved_by)).where(
                col(WorkflowVersion.workflow_id) == workflow_id
            )
        ).all()
    }
    return [
        VersionSummary(version, saved_at, enrolled, active, savers.get(version))
        for version, saved_at, enrolled, active in rows
    ]


def running_by_version(session: Session, workflow_id: int) -> dict[int, int]:
    """`{version: active enrollments}` (test ones left out): who finishes on an older version
    when the workflow is saved again."""
    rows = session.execute(
        sa_select(col(Enrollment.version), func.count())
        .where(
            col(Enrollment.workflow_id) == workflow_id,
            col(Enrollment.status) == "active",
            col(Enrollment.test) == false(),
        )
        .group_by(col(Enrollment.version))
    ).all()
    return {version: count for version, count in rows}
