"""Campaign CRUD: merge tags are checked when saved and listed in every response."""

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from flowline.core.errors import CampaignInUse, NotFound, ValidationFailed
from flowline.core.models.campaigns import Campaign, CampaignCreate, CampaignPublic
from flowline.core.services.workflows.versions import current_definitions
from flowline.core.timestamps import utcnow
from flowline.definitions.step_kinds import walk
from flowline.definitions.templates import TemplateError, merge_tags_in


def campaign_merge_tags(campaign: Campaign | CampaignCreate) -> list[str]:
    return merge_tags_in(campaign.subject, campaign.html, campaign.text)


def _check_templates(data: CampaignCreate) -> None:
    errors = []
    for field in ("subject", "html", "text"):
        try:
            merge_tags_in(getattr(data, field))
        except TemplateError as error:
            errors.append(((field,), f"template error, {error}"))
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
    _check_templates(data)
    for field, value in data.model_dump().items():
        setattr(campaign, field, value)
    campaign.updated_at = utcnow()
    session.add(campaign)
    session.flush()
    return campaign


def delete_campaign(session: Session, campaign: Campaign) -> None:
    users = workflows_using(session, campaign.id or 0)
    if users:
        raise CampaignInUse(
            f"campaign {campaign.id} is used by workflow(s) {', '.join(map(str, users))}"
        )
    session.delete(campaign)


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
