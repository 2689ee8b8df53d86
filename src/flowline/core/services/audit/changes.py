"""One function per kind of change, called by the API and the web UI alike, in the transaction
of the change: the action's name, the object's type, id and name, and the summary in words."""

import hashlib
import hmac

from sqlmodel import Session

from flowline.core.models.api_keys import ApiKey
from flowline.core.models.audit import Actor
from flowline.core.models.campaigns import Campaign
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.installation_settings import InstallationSettings
from flowline.core.models.segments import Segment
from flowline.core.models.suppressions import SuppressionPublic
from flowline.core.models.workflows import Workflow
from flowline.core.services.audit import summaries
from flowline.core.services.audit.log import record
from flowline.core.services.workflows.crud import current_definition
from flowline.definitions.segments import SegmentRule, describe_rule
from flowline.definitions.workflows import WorkflowDefinition

ERASED_PROFILE = "an erased profile"


def workflow_before(session: Session, workflow: Workflow) -> tuple[WorkflowDefinition, bool]:
    """What a save or a switch is compared with: read before the change."""
    return current_definition(session, workflow), workflow.enabled


def workflow_saved(
    session: Session,
    actor: Actor,
    workflow: Workflow,
    before: tuple[WorkflowDefinition, bool] | None = None,
) -> None:
    after = current_definition(session, workflow)
    summary = summaries.workflow_saved(
        workflow.version,
        before[0] if before else None,
        after,
        before[1] if before else None,
        workflow.enabled,
    )
    action = "workflow.saved" if before else "workflow.created"
    record(session, actor, action, "workflow", workflow.id, workflow.name, summary)


def workflow_switched(
    session: Session, actor: Actor, workflow: Workflow, was_enabled: bool, in_flight: str = ""
) -> None:
    if workflow.enabled:
        action = "workflow.enabled"
        summary = "switched on" if not was_enabled else "was already on"
    else:
        action = "workflow.disabled"
        summary = "switched off" if was_enabled else "was already off"
        summary += (
            "; running enrollments end now"
            if in_flight == "exit"
            else "; running enrollments finish"
        )
    record(session, actor, action, "workflow", workflow.id, workflow.name, summary)


def workflow_deleted(session: Session, actor: Actor, workflow_id: int | None, name: str) -> None:
    record(session, actor, "workflow.deleted", "workflow", workflow_id, name, "deleted")


def workflow_duplicated(session: Session, actor: Actor, original: Workflow, copy: Workflow) -> None:
    summary = f"copied from workflow {original.id} '{original.name}', switched off"
    record(session, actor, "workflow.duplicated", "workflow", copy.id, copy.name, summary)


def campaign_created(session: Session, actor: Actor, campaign: Campaign) -> None:
    summary = summaries.campaign_created(campaign)
    record(session, actor, "campaign.created", "campaign", campaign.id, campaign.name, summary)


def campaign_updated(
    session: Session, actor: Actor, campaign: Campaign, before: dict[str, object]
) -> None:
    summary = summaries.campaign_updated(before, summaries.campaign_facts(campaign))
    record(session, actor, "campaign.updated", "campaign", campaign.id, campaign.name, summary)


def campaign_deleted(session: Session, actor: Actor, campaign_id: int | None, name: str) -> None:
    record(session, actor, "campaign.deleted", "campaign", campaign_id, name, "deleted")


def campaign_test_sent(session: Session, actor: Actor, campaign: Campaign, masked: str) -> None:
    summary = f"test email sent to {masked}"
    record(session, actor, "campaign.test_sent", "campaign", campaign.id, campaign.name, summary)


def _rule_words(rule: object) -> summaries.Words:
    return summaries.Words(describe_rule(SegmentRule.model_validate(rule)))


def segment_created(session: Session, actor: Actor, segment: Segment) -> None:
    summary = f"rule: {summaries.shown(_rule_words(segment.rule))}"
    record(session, actor, "segment.created", "segment", segment.id, segment.name, summary)


def segment_before(segment: Segment) -> tuple[str, summaries.Words]:
    return segment.name, _rule_words(segment.rule)


def segment_updated(
    session: Session, actor: Actor, segment: Segment, before: tuple[str, summaries.Words]
) -> None:
    changes = [("name", before[0], segment.name), ("rule", before[1], _rule_words(segment.rule))]
    summary = summaries.changes_in_words(changes) or "saved unchanged"
    record(session, actor, "segment.updated", "segment", segment.id, segment.name, summary)


def segment_deleted(session: Session, actor: Actor, segment_id: int | None, name: str) -> None:
    record(session, actor, "segment.deleted", "segment", segment_id, name, "deleted")


def settings_changed(
    session: Session, actor: Actor, before: InstallationSettings, after: InstallationSettings
) -> None:
    cap = (
        "email frequency cap",
        summaries.frequency_cap_in_words(before),
        summaries.frequency_cap_in_words(after),
    )
    summary = summaries.changes_in_words([cap]) or "saved unchanged"
    record(session, actor, "settings.changed", "settings", "installation", "Settings", summary)


def suppression_added(
    session: Session, actor: Actor, row: SuppressionPublic, via: str | None = None
) -> None:
    """Only a new row: adding an address already listed changes nothing. `via`: what listed
    it when no person did (bounce and complaint feedback posted by a key)."""
    summary = f"reason {row.reason}" + (f", from {via}" if via else "")
    record(session, actor, "suppression.added", "suppression", row.id, row.address, summary)


def suppression_removed(session: Session, actor: Actor, row: SuppressionPublic) -> None:
    summary = f"taken off the list (was {row.reason})"
    record(session, actor, "suppression.removed", "suppression", row.id, row.address, summary)


def api_key_created(session: Session, actor: Actor, key: ApiKey) -> None:
    summary = f"scope {key.scope}, prefix {key.prefix}"
    record(session, actor, "api_key.created", "api_key", key.id, key.name, summary)


def api_key_revoked(session: Session, actor: Actor, key: ApiKey) -> None:
    summary = f"revoked (scope {key.scope}, prefix {key.prefix})"
    record(session, actor, "api_key.revoked", "api_key", key.id, key.name, summary)


def enrollment_started(session: Session, actor: Actor, enrollment: Enrollment) -> None:
    """A profile enrolled by hand. The log keeps no profile id: it is never erased, and the
    enrollment (whose row keeps the id, as erasure leaves it) is named instead."""
    workflow = session.get(Workflow, enrollment.workflow_id)
    workflow_name = workflow.name if workflow is not None else f"workflow {enrollment.workflow_id}"
    mode = "in test mode " if enrollment.test else ""
    summary = (
        f"enrolled a profile by hand {mode}in workflow {enrollment.workflow_id} "
        f"'{workflow_name}' (version {enrollment.version})"
    )
    name = f"{workflow_name}: enrollment {enrollment.id}"
    record(session, actor, "enrollment.started", "enrollment", enrollment.id, name, summary)


def erased_profile_reference(secret: bytes | None, profile_id: str) -> str:
    """The erased profile as the log names it: a keyed hash of its id (whoever holds the id and
    the installation's secret can find the entry; the log alone does not give the id away)."""
    if secret is None:
        return "-"
    return hmac.new(secret, profile_id.encode(), hashlib.sha256).hexdigest()[:32]


def profile_erased(session: Session, actor: Actor, secret: bytes | None, profile_id: str) -> None:
    summary = (
        "erased a profile: its properties, events, segment memberships and the personal data "
        "of its deliveries; its running enrollments exit"
    )
    reference = erased_profile_reference(secret, profile_id)
    record(session, actor, "profile.erased", "profile", reference, ERASED_PROFILE, summary)
