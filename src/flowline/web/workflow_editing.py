"""Saving the workflow form through the API's own models and services, and what the form offers.

The form's body is validated by `WorkflowCreate` and saved by `create_workflow` /
`update_workflow`, exactly as `POST/PUT /v1/workflows` do; their errors (paths like
`["steps", 1, "then", 0, "url"]`) come back to be shown next to the fields they name.
"""

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from flowline.core.errors import ValidationFailed, pydantic_errors
from flowline.core.models.audit import Actor
from flowline.core.models.campaigns import Campaign
from flowline.core.models.profiles import Profile
from flowline.core.models.segments import Segment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.models.workflows import Workflow
from flowline.core.services.audit import changes as audit
from flowline.core.services.campaigns.crud import campaign_merge_tags
from flowline.core.services.segments.crud import member_counts
from flowline.core.services.workflows.crud import check_references, create_workflow, update_workflow
from flowline.definitions.step_kinds import walk
from flowline.definitions.templates import UNSUBSCRIBE_TAG
from flowline.web.form_errors import errors_of
from flowline.web.form_tree import FormTree
from flowline.web.workflow_form import payload_from_form

# Property names are suggested from the profiles changed most recently (a sample, not a scan).
PROPERTY_SAMPLE = 500


@dataclass
class CampaignChoice:
    id: int
    name: str
    merge_tags: list[str]
    usable: bool = True


@dataclass
class FormChoices:
    """What the form's dropdowns offer."""

    segments: list[tuple[int, str]] = field(default_factory=list)
    segment_members: dict[str, int] = field(default_factory=dict)  # by segment id, as text
    campaigns: list[CampaignChoice] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    consent_properties: list[str] = field(default_factory=list)

    def campaign(self, campaign_id: str) -> CampaignChoice | None:
        return next((c for c in self.campaigns if str(c.id) == campaign_id), None)


def save_from_form(
    session: Session,
    form: FormTree,
    workflow: Workflow | None,
    *,
    allow_private_networks: bool = False,
    saved_by: Actor | None = None,
) -> Workflow:
    """Create (or update) the workflow the form describes; `ValidationFailed` lists every
    problem at once, with the API's paths. The audit log gets the save (by `saved_by`)."""
    body, problems = payload_from_form(form)
    errors: list[tuple[list[str | int], str]] = [(list(loc), msg) for loc, msg in problems]
    data: WorkflowCreate | None = None
    try:
        data = WorkflowCreate.model_validate(body)
    except ValidationError as error:
        errors += errors_of(pydantic_errors(error.errors()))
    if data is not None and errors:
        try:
            check_references(session, data, allow_private_networks=allow_private_networks)
        except ValidationFailed as failed:
            errors += errors_of(failed)
    if errors or data is None:
        raise ValidationFailed(errors)
    allow = allow_private_networks
    if workflow is None:
        created = create_workflow(session, data, allow_private_networks=allow, saved_by=saved_by)
        if saved_by is not None:
            audit.workflow_saved(session, saved_by, created)
        return created
    before = audit.workflow_before(session, workflow)
    saved = update_workflow(
        session, workflow, data, allow_private_networks=allow, saved_by=saved_by
    )
    if saved_by is not None:
        audit.workflow_saved(session, saved_by, saved, before)
    return saved


def load_choices(session: Session, form: FormTree) -> FormChoices:
    choices = FormChoices()
    choices.segments = [
        (s.id, s.name) for s in session.exec(select(Segment).order_by(col(Segment.name))) if s.id
    ]
    choices.segment_members = member_counts(session)
    for campaign in session.exec(select(Campaign).order_by(col(Campaign.name))):
        assert campaign.id is not None
        usable = campaign.type == "triggered" and campaign.status == "active"
        if usable or str(campaign.id) in _campaigns_named(form.get("steps")):
            tags = [t for t in campaign_merge_tags(campaign) if t != UNSUBSCRIBE_TAG]
            choices.campaigns.append(CampaignChoice(campaign.id, campaign.name, tags, usable))
    names: set[str] = set()
    booleans: set[str] = set()
    recent = select(Profile.properties).order_by(col(Profile.updated_at).desc())
    for properties in session.exec(recent.limit(PROPERTY_SAMPLE)):
        for name, value in properties.items():
            names.add(name)
            if isinstance(value, bool):
                booleans.add(name)
    consent = form.get("consent_property")
    if isinstance(consent, str) and consent.strip() not in ("", "-"):
        booleans.add(consent)
    choices.properties = sorted(names)
    choices.consent_properties = sorted(booleans)
    return choices


def _campaigns_named(steps: Any) -> set[str]:
    """Campaign ids the form's steps already use (shown even when no longer usable)."""
    return {
        step["campaign_id"]
        for _, step in walk(steps if isinstance(steps, list) else [])
        if isinstance(step, dict) and isinstance(step.get("campaign_id"), str)
    }
