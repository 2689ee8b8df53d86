"""Campaign CRUD: merge tags are checked when saved and listed in every response."""

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from flowline.core.errors import CampaignInUse, NotFound, ValidationFailed
from flowline.core.models.campaigns import Campaign, CampaignCreate, CampaignPublic
from flowline.core.models.workflows import Workflow
from flowline.core.services.workflows.versions import current_definitions
from flowline.core.timestamps import utcnow
from flowline.definitions.step_kinds import walk
from flowline.definitions.templates import TemplateError, merge_tags_in


def campaign_merge_tags(campaign: Campaign | CampaignCreate) -> list[str]:
    return merge_tags_in(campaign.subject, campaign.html, campaign.text)


TEMPLATE_PARTS = {"subject": "The subject", "html": "The HTML body", "text": "The text body"}


def _check_templates(data: CampaignCreate) -> None:
    errors = []
    for field in ("subject", "html", "text"):
        try:
            merge_tags_in(getattr(data, field))
        except TemplateError as error:
            errors.append(((field,), error.in_words(TEMPLATE_PARTS[field])))
    if errors:
        raise ValidationFailed(errors)


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} does not exist")
    return campaign


def list_campaigns(session: Session, *, offset: int = 0, limit: int = 100) -> list[Campaign]:
    return list(
        session.exec(select(Campaign).order_by(col(Campaign.id)).offset(offset).limit(limit))
    )


def create_campaign(session: Session, data: CampaignCreate) -> Campaign:
    _check_templates(data)
    campaign = Campaign.model_validate(data)
    session.add(campaign)
    session.flush()
    return campaign


def update_campaign(session: Session, campaign: Campaign, data: CampaignCreate) -> Campaign:
    """An enabled workflow that sends the campaign keeps it triggered and active (409)."""
    _check_templates(data)
    if data.type != "triggered" or data.status != "active":
        senders = [w for w in _workflows_sending(session, campaign.id or 0) if w.enabled]
        if senders:
            change = "a draft" if data.status != "active" else "a campaign that is not triggered"
            raise CampaignInUse(
                f"{_sent_by(senders)}, so it cannot be made {change}: "
                "switch those workflows off, or send another campaign there, first."
            )
    for field, value in data.model_dump().items():
        setattr(campaign, field, value)
    campaign.updated_at = utcnow()
    session.add(campaign)
    session.flush()
    return campaign


def delete_campaign(session: Session, campaign: Campaign) -> None:
    """Refused (409) while any workflow's current version sends it, enabled or not: a disabled
    workflow would otherwise keep a step that names nothing."""
    senders = _workflows_sending(session, campaign.id or 0)
    if senders:
        raise CampaignInUse(
            f"{_sent_by(senders)}, so it cannot be deleted: "
            "delete those workflows, or send another campaign there, first."
        )
    session.delete(campaign)


def _workflows_sending(session: Session, campaign_id: int) -> list[Workflow]:
    ids = workflows_using(session, campaign_id)
    if not ids:
        return []
    return list(
        session.exec(select(Workflow).where(col(Workflow.id).in_(ids)).order_by(col(Workflow.id)))
    )


def _sent_by(workflows: list[Workflow]) -> str:
    """`The workflow “Welcome” (id 3) sends this campaign`, or several of them."""
    named = ", ".join(f"“{w.name}” (id {w.id})" for w in workflows)
    if len(workflows) == 1:
        return f"The workflow {named} sends this campaign"
    return f"The workflows {named} send this campaign"


def workflows_using(session: Session, campaign_id: int) -> list[int]:
    """Workflows whose current version sends this campaign."""
    return [
        wid for wid, definition in current_definitions(session) if _sends(definition, campaign_id)
    ]


def _sends(definition: Mapping[str, Any], campaign_id: int) -> bool:
    """Whether any step of a stored definition, at any depth, sends this campaign."""
    return any(
        step.get("type") == "send_email" and step.get("campaign_id") == campaign_id
        for _, step in walk(definition.get("steps", []))
        if isinstance(step, Mapping)
    )


def to_public(campaign: Campaign) -> CampaignPublic:
    return CampaignPublic.model_validate(
        {**campaign.model_dump(), "merge_tags": campaign_merge_tags(campaign)}
    )
