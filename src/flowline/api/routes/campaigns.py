from fastapi import Query, Request, Response

from flowline.api.authentication import AdminKey
from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.models.campaigns import (
    CampaignCreate,
    CampaignPreview,
    CampaignPreviewRequest,
    CampaignPublic,
)
from flowline.core.models.email_figures import CampaignStats
from flowline.core.services.audit import changes as audit
from flowline.core.services.audit.summaries import campaign_facts
from flowline.core.services.campaigns import crud as service
from flowline.core.services.campaigns.preview import preview_campaign
from flowline.core.services.email_figures import campaign_stats
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep
from flowline.http.parameters import IdInPath, Offset

router = api_router("/v1/campaigns", tags=["campaigns"])


@router.post("", status_code=201, response_model=CampaignPublic)
def create_campaign(
    data: CampaignCreate, request: Request, session: SessionDep, _: AdminKey
) -> CampaignPublic:
    """Create a triggered email campaign."""
    campaign = service.create_campaign(session, data)
    audit.campaign_created(session, actor_of(request, session), campaign)
    return service.to_public(campaign)


@router.get("", response_model=list[CampaignPublic])
def list_campaigns(
    session: SessionDep,
    _: AdminKey,
    offset: Offset = 0,
    limit: int = Query(100, ge=1, le=500),
) -> list[CampaignPublic]:
    """List campaigns."""
    return [
        service.to_public(c) for c in service.list_campaigns(session, offset=offset, limit=limit)
    ]


@router.get("/{campaign_id}", response_model=CampaignPublic, responses=error_responses(404))
def get_campaign(campaign_id: IdInPath, session: SessionDep, _: AdminKey) -> CampaignPublic:
    """One campaign with the merge tags it uses."""
    return service.to_public(service.get_campaign(session, campaign_id))


@router.put("/{campaign_id}", response_model=CampaignPublic, responses=error_responses(404))
def update_campaign(
    campaign_id: IdInPath,
    data: CampaignCreate,
    request: Request,
    session: SessionDep,
    _: AdminKey,
) -> CampaignPublic:
    """Replace a campaign; running enrollments send the new content from their next email."""
    campaign = service.get_campaign(session, campaign_id)
    before = campaign_facts(campaign)
    updated = service.update_campaign(session, campaign, data)
    audit.campaign_updated(session, actor_of(request, session), updated, before)
    return service.to_public(updated)


@router.delete("/{campaign_id}", status_code=204, responses=error_responses(404, 409))
def delete_campaign(
    campaign_id: IdInPath, request: Request, session: SessionDep, _: AdminKey
) -> Response:
    """Delete a campaign that no workflow uses."""
    campaign = service.get_campaign(session, campaign_id)
    name = campaign.name
    service.delete_campaign(session, campaign)
    audit.campaign_deleted(session, actor_of(request, session), campaign_id, name)
    return Response(status_code=204)


@router.post(
    "/{campaign_id}/preview", response_model=CampaignPreview, responses=error_responses(404)
)
def preview(
    campaign_id: IdInPath, data: CampaignPreviewRequest, session: SessionDep, _: AdminKey
) -> CampaignPreview:
    """The campaign rendered for a profile; 422 when a template cannot be, or is too expensive."""
    campaign = service.get_campaign(session, campaign_id)
    email = preview_campaign(session, campaign, data.profile_id)
    return CampaignPreview(subject=email.subject, html=email.html, text=email.text)


@router.get("/{campaign_id}/stats", response_model=CampaignStats, responses=error_responses(404))
def get_campaign_stats(campaign_id: IdInPath, session: SessionDep, _: AdminKey) -> CampaignStats:
    """What became of the campaign's emails: unique deliveries, people only (no machine opens
    or clicks), test enrollments left out; rates are null while their base is 0."""
    service.get_campaign(session, campaign_id)
    return campaign_stats(session, campaign_id)
