"""What a start checks and carries, read in the start's own transaction: the workflow's switch
and current version, the profile's consent, re-entry, and the snapshot (`EnrollmentInput`)."""

from sqlalchemy import and_, bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from flowline.core.errors import (
    ConsentMissing,
    NotFound,
    ReentryNotAllowed,
    ValidationFailed,
    WorkflowDisabled,
)
from flowline.core.models.campaigns import Campaign
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.profiles import Profile
from flowline.core.models.workflows import Workflow, WorkflowVersion
from flowline.core.services.sql import table_of
from flowline.core.services.workflows.versions import cached_definition, definition_of
from flowline.definitions.enrollment import EnrollmentInput, has_consent
from flowline.definitions.experiments import cohort_of
from flowline.definitions.workflows import WorkflowDefinition

# What a start reads, in one statement built once: the workflow's switch and current version,
# that version's creation time (the key of its parsed definition) and the profile's properties.
_SNAPSHOT = (
    sa_select(
        col(Workflow.enabled),
        col(Workflow.version),
        col(WorkflowVersion.created_at),
        col(Profile.id),
        col(Profile.properties),
    )
    .select_from(table_of(Workflow))
    .outerjoin(
        table_of(WorkflowVersion),
        and_(
            col(WorkflowVersion.workflow_id) == col(Workflow.id),
            col(WorkflowVersion.version) == col(Workflow.version),
        ),
    )
    .outerjoin(table_of(Profile), col(Profile.id) == bindparam("profile_id"))
    .where(col(Workflow.id) == bindparam("workflow_id"))
)


def snapshot(session: Session, workflow_id: int, profile_id: str, test: bool) -> EnrollmentInput:
    found = session.connection().execute(
        _SNAPSHOT, {"workflow_id": workflow_id, "profile_id": profile_id}
    )
    row = found.first()
    if row is None:
        raise NotFound(f"workflow {workflow_id} does not exist")
    enabled, version, created_at, found_profile, properties = row
    if not enabled and not test:
        raise WorkflowDisabled(
            f'workflow {workflow_id} is disabled; send {{"test": true}} to enroll for a test'
        )
    if found_profile is None:
        # 422, not 404: the path (the workflow) exists; the body names a missing profile.
        raise ValidationFailed.at(("profile_id",), f"profile {profile_id!r} does not exist")
    definition = cached_definition(workflow_id, version, created_at) or definition_of(
        session, workflow_id, version
    )
    if definition is None:
        raise NotFound(f"workflow {workflow_id} has no version {version}")
    if not has_consent(properties, definition.consent_property):
        raise ConsentMissing(
            f"profile {profile_id!r} has not consented ('{definition.consent_property}')"
        )
    if definition.reentry == "never" and _has_enrolled(session, workflow_id, profile_id):
        raise ReentryNotAllowed(
            f"profile {profile_id!r} was enrolled before and re-entry is 'never'"
        )
    return EnrollmentInput(
        workflow_id=workflow_id,
        version=version,
        profile_id=profile_id,
        definition=definition,
        campaign_names=_campaign_names(session, definition),
        test=test,
        step_paths=True,
        end_with_last_step=True,
        cohort=cohort_of(workflow_id, version, profile_id, definition.holdout_percent),
    )


def count_skipped_no_consent(session: Session, workflow_id: int) -> None:
    session.execute(
        update(Workflow)
        .where(col(Workflow.id) == workflow_id)
        .values(skipped_no_consent=col(Workflow.skipped_no_consent) + 1)
    )


def _has_enrolled(session: Session, workflow_id: int, profile_id: str) -> bool:
    return (
        session.exec(
            select(Enrollment.id).where(
                Enrollment.workflow_id == workflow_id, Enrollment.profile_id == profile_id
            )
        ).first()
        is not None
    )


def _campaign_names(session: Session, definition: WorkflowDefinition) -> dict[int, str]:
    ids = [step.campaign_id for _, step in definition.email_steps()]
    if not ids:
        return {}
    rows = session.connection().execute(_CAMPAIGN_NAMES, {"ids": ids})
    return {id: name for id, name in rows if id is not None}


_CAMPAIGN_NAMES = sa_select(col(Campaign.id), col(Campaign.name)).where(
    col(Campaign.id).in_(bindparam("ids", expanding=True))
)
