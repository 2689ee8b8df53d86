"""Deleting a campaign (confirmed first; refused while a workflow sends it) and sending it as a
test to an address, now, with a chosen profile's merge values."""

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine

from flowline.core.database import read_scope
from flowline.core.errors import CampaignInUse, ValidationFailed
from flowline.core.models.campaigns import Campaign
from flowline.core.services.audit import changes as audit
from flowline.core.services.campaigns import crud as service
from flowline.core.services.campaigns.test_send import (
    MailServerUnavailable,
    PreparedTest,
    prepare_test,
    send_test,
)
from flowline.core.services.suppressions import masked
from flowline.core.settings import Settings
from flowline.http.actor import actor_of, record_alone
from flowline.http.dependencies import EngineDep, SessionDep, SettingsDep
from flowline.http.parameters import IdInPath
from flowline.web.deletion import Deletion, confirm_page, refused_page, workflow_links
from flowline.web.form_errors import FormErrors, errors_of
from flowline.web.pages import PageRoute
from flowline.web.routes.campaigns import form_page, saved_form
from flowline.web.signin import CsrfChecked, EditorSession

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Field = Annotated[str, Form(max_length=1000)]
TEST_FIELDS = ("test_address", "test_profile")


def _deletion(campaign: Campaign) -> Deletion:
    return Deletion(
        kind="campaign",
        name=campaign.name,
        action=f"/campaigns/{campaign.id}/delete",
        back=f"/campaigns/{campaign.id}",
        consequence="Workflows can no longer send it; mail already sent is not affected.",
    )


@router.get("/campaigns/{campaign_id}/delete")
def confirm_delete(
    _: EditorSession, request: Request, campaign_id: IdInPath, session: SessionDep
) -> Response:
    return confirm_page(request, _deletion(service.get_campaign(session, campaign_id)))


@router.post("/campaigns/{campaign_id}/delete")
def delete(
    _: EditorSession,
    __: CsrfChecked,
    request: Request,
    campaign_id: IdInPath,
    session: SessionDep,
) -> Response:
    campaign = service.get_campaign(session, campaign_id)
    name = campaign.name
    try:
        service.delete_campaign(session, campaign)
        session.flush()
        audit.campaign_deleted(session, actor_of(request, session), campaign_id, name)
    except CampaignInUse as refused:
        session.rollback()
        deletion = _deletion(campaign)
        users = workflow_links(session, service.workflows_using(session, campaign_id))
        deletion.refusal = f"“{campaign.name}” cannot be deleted: " + (
            "these workflows send it. Remove it from their steps first."
            if users
            else f"{refused.detail}."
        )
        deletion.users = users
        return refused_page(request, deletion)
    return RedirectResponse("/campaigns?deleted=campaign", status_code=303)


@router.post("/campaigns/{campaign_id}/test")
async def test_send(
    _: EditorSession,
    __: CsrfChecked,
    request: Request,
    campaign_id: IdInPath,
    engine: EngineDep,
    settings: SettingsDep,
    test_address: Field = "",
    test_profile: Field = "",
) -> Response:
    """Send it now through the configured SMTP server; the page says what happened."""
    typed = {"test_address": test_address, "test_profile": test_profile}
    campaign = await asyncio.to_thread(_campaign, engine, campaign_id)
    try:
        prepared = await asyncio.to_thread(
            _prepare, engine, settings, campaign, test_address, test_profile
        )
        await send_test(settings, prepared)
    except ValidationFailed as failed:
        return _page(request, campaign, typed, _test_errors(failed), failed.status_code)
    except MailServerUnavailable as error:
        errors = FormErrors(summary=[(None, error.detail)])
        return _page(request, campaign, typed, errors, error.status_code)
    sent = partial(audit.campaign_test_sent, campaign=campaign, masked=masked(prepared.recipient))
    await asyncio.to_thread(record_alone, engine, request, sent)
    notice = f"Test sent to {prepared.recipient}: “{prepared.rendered.subject}”."
    return _page(request, campaign, typed, FormErrors(), 200, notice)


def _campaign(engine: Engine, campaign_id: int) -> Campaign:
    with read_scope(engine) as session:
        return service.get_campaign(session, campaign_id)


def _prepare(
    engine: Engine, settings: Settings, campaign: Campaign, address: str, profile_id: str
) -> PreparedTest:
    with read_scope(engine) as session:
        return prepare_test(session, settings, campaign, address, profile_id)


def _test_errors(failed: ValidationFailed) -> FormErrors:
    """Next to the address or profile field; a template that cannot be rendered above both."""
    errors = FormErrors()
    for loc, message in errors_of(failed):
        where = str(loc[0]) if loc else ""
        if where in TEST_FIELDS:
            errors.fields.setdefault(where, []).append(message)
        else:
            errors.summary.append((None, f"{where}: {message}" if where else message))
    return errors


def _page(
    request: Request,
    campaign: Campaign,
    typed: dict[str, str],
    errors: FormErrors,
    status: int,
    notice: str | None = None,
) -> Response:
    extra: dict[str, Any] = {"test_form": typed, "test_errors": errors, "test_notice": notice}
    return form_page(request, saved_form(campaign), campaign, None, status, extra)
