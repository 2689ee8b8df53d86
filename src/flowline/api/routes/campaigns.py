from fastapi import APIRouter, Query, Response

from flowline.api.deps import AdminKey, SessionDep
from flowline.core.models.campaigns import CampaignCreate, CampaignPublic
from flowline.core.services import campaigns as service

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])


@router.post("", status_code=201, response_model=CampaignPublic)
def create_campaign(data: CampaignCreate, session: SessionDep, _: AdminKey) -> CampaignPublic:
    """Create a triggered email campaign."""
    return service.to_public(service.create_campaign(session, data))


@router.get("", response_model=list[CampaignPublic])
def list_campaigns(
    session: SessionDep,
    _: AdminKey,
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=500),
) -> list[CampaignPublic]:
    """List campaigns."""
    return [
        service.to_public(c) for c in service.list_campaigns(session, offset=offset, limit=limit)
    ]


@router.get("/{campaign_id}", response_model=CampaignPublic)
def get_campaign(campaign_id: int, session: SessionDep, _: AdminKey) -> CampaignPublic:
    """One campaign with the merge tags it uses."""
    return service.to_public(service.get_campaign(session, campaign_id))


@router.put("/{campaign_id}", response_model=CampaignPublic)
def update_campaign(
    campaign_id: int, data: CampaignCreate, session: SessionDep, _: AdminKey
) -> CampaignPublic:
    """Replace a campaign; running enrollments send the new content from their next email."""
    campaign = service.get_campaign(session, campaign_id)
    return service.to_public(service.update_campaign(session, campaign, data))


@router.delete("/{campaign_id}", status_code=204)
def delete_campaign(campaign_id: int, session: SessionDep, _: AdminKey) -> Response:
    """Delete a campaign that no workflow uses."""
    service.delete_campaign(session, service.get_campaign(session, campaign_id))
    return Response(status_code=204)
