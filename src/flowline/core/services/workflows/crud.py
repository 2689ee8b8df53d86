"""Workflow CRUD with immutable versions, and the checks that need the database."""

from sqlmodel import Session, col, func, select

from flowline.core.errors import NotFound, ValidationFailed, WorkflowHasRunningEnrollments
from flowline.core.models.audit import Actor
from flowline.core.models.campaigns import Campaign
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate, WorkflowPublic
from flowline.core.models.workflows import Workflow, WorkflowVersion
from flowline.core.services.campaigns.crud import campaign_merge_tags
from flowline.core.services.outbox.intents import EXIT, add_intents
from flowline.core.services.segments.crud import check_segments_exist
from flowline.core.services.workflows.versions import definition_of
from flowline.core.timestamps import utcnow
from flowline.definitions.http_headers import refused_header
from flowline.definitions.save_checks import save_problems
from flowline.definitions.step_tree import path_loc
from flowline.definitions.steps import SendEmailStep
from flowline.definitions.templates import UNSUBSCRIBE_TAG
from flowline.definitions.triggers import (
    SegmentEnteredTrigger,
    SegmentGoal,
    SegmentLeftTrigger,
    trigger_in_words,
)
from flowline.definitions.workflows import WorkflowDefinition


def check_references(
    session: Session, definition: WorkflowDefinition, *, allow_private_networks: bool = False
) -> None:
    """Segments exist; every email step names a triggered, active campaign and maps its tags;
    no HTTP step sets a header Flowline keeps for itself; and what `save_problems` refuses."""
    segments: dict[tuple[str | int, ...], int] = {}
    if isinstance(definition.trigger, SegmentEnteredTrigger | SegmentLeftTrigger):
        segments[("trigger", "segment_id")] = definition.trigger.segment_id
    if isinstance(definition.goal, SegmentGoal):
        segments[("goal", "segment_entered")] = definition.goal.segment_entered
    check_segments_exist(session, segments)
    errors = refused_headers(definition)
    errors += save_problems(definition, allow_private_networks=allow_private_networks)
    for path, step in definition.email_steps():
        where = (*path_loc(path), "campaign_id")
        campaign = session.get(Campaign, step.campaign_id)
        if campaign is None:
            errors.append((where, f"Choose a campaign: campaign {step.campaign_id} does not exist"))
        elif campaign.type != "triggered":
            errors.append((where, f"Choose a triggered campaign: “{campaign.name}” is not one"))
        elif campaign.status != "active":
            errors.append((where, f"Choose an active campaign: “{campaign.name}” is a draft"))
        else:
            for tag in campaign_merge_tags(campaign):
                errors += _merge_tag_problem(definition, path, step, tag)
    if errors:
        raise ValidationFailed(errors)


def refused_headers(definition: WorkflowDefinition) -> list[tuple[tuple[str | int, ...], str]]:
    return [
        ((*path_loc(path), "headers", name), why)
        for path, step in definition.http_steps()
        for name in step.headers
        if (why := refused_header(name)) is not None
    ]


def _merge_tag_problem(
    definition: WorkflowDefinition, path: str, step: SendEmailStep, tag: str
) -> list[tuple[tuple[str | int, ...], str]]:
    where = (*path_loc(path), "merge_tags", tag)
    if tag == UNSUBSCRIBE_TAG and tag not in step.merge_tags:
        # Filled in by Flowline: only workflows that take consent into account can unsubscribe.
        if definition.consent_property is None:
            return [
                (
                    (*path_loc(path), "campaign_id"),
                    f"the campaign uses {{{{ {UNSUBSCRIBE_TAG} }}}}, but a workflow without a "
                    "consent property sends transactional mail, which has no unsubscribe link",
                )
            ]
        return []
    if tag not in step.merge_tags:
        return [(where, f"Choose the profile property for merge tag '{tag}'")]
    return []


def get_workflow(session: Session, workflow_id: int) -> Workflow:
    workflow = session.get(Workflow, workflow_id)
    if workflow is None:
        raise NotFound(f"workflow {workflow_id} does not exist")
    return workflow


def get_version(session: Session, workflow_id: int, version: int) -> WorkflowVersion:
    row = session.exec(
        select(WorkflowVersion).where(
            WorkflowVersion.workflow_id == workflow_id, WorkflowVersion.version == version
        )
    ).first()
    if row is None:
        raise NotFound(f"workflow {workflow_id} has no version {version}")
    return row


def current_definition(session: Session, workflow: Workflow) -> WorkflowDefinition:
    assert workflow.id is not None
    definition = definition_of(session, workflow.id, workflow.version)
    if definition is None:
        raise NotFound(f"workflow {workflow.id} has no version {workflow.version}")
    return definition


def list_workflows(session: Session, *, offset: int = 0, limit: int = 100) -> list[Workflow]:
    return list(
        session.exec(select(Workflow).order_by(col(Workflow.id)).offset(offset).limit(limit))
    )


def create_workflow(
    session: Session,
    data: WorkflowCreate,
    *,
    allow_private_networks: bool = False,
    saved_by: Actor | None = None,
) -> Workflow:
    definition = WorkflowDefinition.model_validate(data.model_dump(exclude={"enabled"}))
    check_references(session, definition, allow_private_networks=allow_private_networks)
    now = utcnow()
    workflow = Workflow(
        name=definition.name,
        enabled=data.enabled,
        version=1,
        enabled_at=now if data.enabled else None,
    )
    session.add(workflow)
    session.flush()
    _add_version(session, workflow, definition, saved_by)
    return workflow


def update_workflow(
    session: Session,
    workflow: Workflow,
    data: WorkflowCreate,
    *,
    allow_private_networks: bool = False,
    saved_by: Actor | None = None,
) -> Workflow:
    """Every save is a new immutable version; running enrollments finish on theirs."""
    definition = WorkflowDefinition.model_validate(data.model_dump(exclude={"enabled"}))
    check_references(session, definition, allow_private_networks=allow_private_networks)
    workflow.version += 1
    workflow.name = definition.name
    _set_enabled(workflow, data.enabled)
    workflow.updated_at = utcnow()
    session.add(workflow)
    _add_version(session, workflow, definition, saved_by)
    return workflow


def enable_workflow(
    session: Session, workflow: Workflow, *, allow_private_networks: bool = False
) -> Workflow:
    definition = current_definition(session, workflow)
    check_references(session, definition, allow_private_networks=allow_private_networks)
    _set_enabled(workflow, True)
    session.add(workflow)
    session.flush()
    return workflow


def disable_workflow(session: Session, workflow: Workflow, in_flight: str = "finish") -> Workflow:
    """Stop new enrollments; with `in_flight="exit"` also end the running ones (via the outbox)."""
    _set_enabled(workflow, False)
    session.add(workflow)
    if in_flight == "exit":
        add_intents(session, [(EXIT, {"workflow_id": workflow.id, "reason": "disabled"})])
    session.flush()
    return workflow


def _set_enabled(workflow: Workflow, enabled: bool) -> None:
    # Triggers are future-only: enabling starts the clock again, it never backfills.
    if enabled and not workflow.enabled:
        workflow.enabled_at = utcnow()
    workflow.enabled = enabled


def delete_workflow(session: Session, workflow: Workflow) -> None:
    running = session.exec(
        select(func.count())
        .select_from(Enrollment)
        .where(Enrollment.workflow_id == workflow.id, Enrollment.status == "active")
    ).one()
    if running:
        raise WorkflowHasRunningEnrollments(
            f"workflow {workflow.id} has {running} running enrollment(s); "
            'disable it with {"in_flight": "exit"} first'
        )
    session.delete(workflow)


def _add_version(
    session: Session,
    workflow: Workflow,
    definition: WorkflowDefinition,
    saved_by: Actor | None = None,
) -> None:
    assert workflow.id is not None
    session.add(
        WorkflowVersion(
            workflow_id=workflow.id,
            version=workflow.version,
            definition=definition.model_dump(mode="json"),
            saved_by=saved_by.as_json() if saved_by is not None else None,
        )
    )
    session.flush()


def to_public(session: Session, workflow: Workflow) -> WorkflowPublic:
    definition = current_definition(session, workflow)
    return WorkflowPublic.model_validate(
        {
            **definition.model_dump(),
            "id": workflow.id,
            "enabled": workflow.enabled,
            "version": workflow.version,
            "trigger_in_words": trigger_in_words(definition.trigger),
            "created_at": workflow.created_at,
            "updated_at": workflow.updated_at,
        }
    )
