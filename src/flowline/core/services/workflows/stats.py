"""Per-workflow numbers, from the database (Temporal keeps closed runs only for a while).

Test enrollments (`{"test": true}`) are left out of every figure.
"""

from collections import Counter

from sqlalchemy import false
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from flowline.core.models.enrollments import HOLDOUT, Delivery, Enrollment
from flowline.core.models.workflow_schemas import (
    GroupStats,
    StepStats,
    VersionStats,
    WorkflowStats,
)
from flowline.core.models.workflows import Workflow
from flowline.core.services.email_figures import step_figures
from flowline.core.services.enrollments import failures
from flowline.definitions.steps import WaitStep
from flowline.definitions.workflows import WorkflowDefinition


def _rate(converted: int, enrolled: int) -> float:
    return round(converted / enrolled, 4) if enrolled else 0.0


def workflow_stats(
    session: Session, workflow: Workflow, definition: WorkflowDefinition
) -> WorkflowStats:
    """Two aggregate queries, each over one index only (`ix_enrollments_stats`,
    `ix_deliveries_funnel`): fast whatever the number of enrollments; Send email steps add
    their email figures (one index range each, `email_figures.step_figures`)."""
    workflow_id = workflow.id
    assert workflow_id is not None
    # Core select: five columns is more than sqlmodel's typed `select` takes.
    groups = session.execute(
        sa_select(
            col(Enrollment.version),
            col(Enrollment.status),
            col(Enrollment.steps_completed),
            func.count(),
            func.count(col(Enrollment.converted_at)),
        )
        .where(col(Enrollment.workflow_id) == workflow.id, col(Enrollment.test) == false())
        .group_by(col(Enrollment.version), col(Enrollment.status), col(Enrollment.steps_completed))
    ).all()
    by_status: Counter[str] = Counter()
    enrolled_in: Counter[int] = Counter()
    converted_in: Counter[int] = Counter()
    progress: Counter[int] = Counter()  # steps completed -> enrollments, current version
    for version, status, steps_completed, count, converted in groups:
        by_status[status] += count
        enrolled_in[version] += count
        converted_in[version] += converted
        if version == workflow.version:
            progress[steps_completed] += count
    enrolled = sum(by_status.values())
    converted = sum(converted_in.values())
    return WorkflowStats(
        enrolled=enrolled,
        active=by_status["active"],
        completed=by_status["completed"],
        converted=converted,
        exited=by_status["exited"],
        failed=by_status["failed"],
        skipped_no_consent=workflow.skipped_no_consent,
        with_failures=failures.with_failures(session, workflow_id),
        recent_failures=failures.recent_failures(session, workflow_id),
        conversion_rate=_rate(converted, enrolled),
        holdout=_holdout(session, workflow_id),
        steps=_step_stats(session, workflow, definition, progress),
        versions=[
            VersionStats(
                version=v,
                enrolled=enrolled_in[v],
                converted=converted_in[v],
                conversion_rate=_rate(converted_in[v], enrolled_in[v]),
            )
            for v in sorted(enrolled_in)
        ],
    )


def _holdout(session: Session, workflow_id: int) -> GroupStats:
    """From `ix_enrollments_holdout` alone (holdout rows only)."""
    enrolled, converted = session.execute(
        sa_select(func.count(), func.count(col(Enrollment.converted_at))).where(
            col(Enrollment.workflow_id) == workflow_id,
            col(Enrollment.test) == false(),
            HOLDOUT,
        )
    ).one()
    return GroupStats(
        enrolled=enrolled, converted=converted, conversion_rate=_rate(converted, enrolled)
    )


def _step_stats(
    session: Session,
    workflow: Workflow,
    definition: WorkflowDefinition,
    progress: Counter[int],
) -> list[StepStats]:
    """The funnel of the current version: how many enrollments each step acted for, by path.

    Every step leaves a record when it ran (a delivery for email and HTTP; `done` or `skipped`
    for the others). Top-level waits of enrollments from before step records also count by
    progress: everyone who got past them. Send email steps add what became of their emails.
    """
    deliveries = session.exec(
        select(Delivery.step_path, Delivery.status, func.count())
        .where(
            col(Delivery.workflow_id) == workflow.id,
            col(Delivery.version) == workflow.version,
            col(Delivery.test) == false(),
        )
        .group_by(col(Delivery.step_path), col(Delivery.status))
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for path, status, count in deliveries:
        counts.setdefault(path, {})[status] = count
    email_paths = [path for path, _ in definition.email_steps()]
    sent = {path: counts.get(path, {}).get("sent", 0) for path in email_paths}
    assert workflow.id is not None
    emails = step_figures(session, workflow.id, workflow.version, sent, email_paths)
    steps = []
    for path, step in definition.all_steps():
        found = counts.get(path, {})
        executed = sum(found.values())
        succeeded = found.get("sent", 0) + found.get("done", 0)
        if isinstance(step, WaitStep) and "." not in path:
            passed = sum(n for done, n in progress.items() if done > int(path))
            executed = succeeded = max(executed, passed)
        steps.append(
            StepStats(
                index=int(path.rsplit(".", 1)[-1]),
                path=path,
                type=step.type,
                executed=executed,
                succeeded=succeeded,
                failed=found.get("failed", 0),
                skipped=found.get("skipped", 0),
                email=emails.get(path),
            )
        )
    return steps
