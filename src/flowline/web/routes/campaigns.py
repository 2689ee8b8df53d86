"""Campaigns: list, add and edit (merge tags detected as you type), preview for a profile."""

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from flowline.core.errors import CampaignInUse, NotFound, ValidationFailed, pydantic_errors
from flowline.core.models.campaigns import Campaign, CampaignCreate
from flowline.core.services.audit import changes as audit
from flowline.core.services.audit.summaries import campaign_facts
from flowline.core.services.campaigns import crud as service
from flowline.core.services.campaigns.preview import preview_campaign
from flowline.core.services.email_figures import campaign_stats
from flowline.definitions.templates import TemplateError, merge_tags_in
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep
from flowline.http.parameters import IdInPath
from flowline.web.form_errors import FormErrors, place_errors
from flowline.web.mail_frames import FRAME_HEADERS
from flowline.web.pages import PageRoute, render
from flowline.web.signin import CsrfChecked, EditorSession, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FIELDS = ("name", "subject", "html", "text", "from_email", "status", "type")
SWITCHES = ("track_opens", "track_clicks")
Text = Annotated[str, Form(max_length=500_000)]
# A checkbox: sent ("on") when ticked, absent when not.
Switch = Annotated[str, Form(max_length=10)]


@router.get("/campaigns")
def campaigns_page(_: SignedIn, request: Request, session: SessionDep) -> Response:
    rows = [service.to_public(c) for c in service.list_campaigns(session, limit=500)]
    return render(request, "campaigns.html", {"rows": rows})


def form_page(
    request: Request,
    form: dict[str, Any],
    campaign: Campaign | None,
    errors: FormErrors | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    tags: list[str] = []
    with contextlib.suppress(TemplateError):  # the errors are shown next to the fields
        tags = merge_tags_in(form.get("subject"), form.get("html"), form.get("text"))
    context = {"form": form, "campaign": campaign, "errors": errors or FormErrors(), "tags": tags}
    context.update(extra or {})
    return render(request, "campaign_form.html", context, status)


@router.get("/campaigns/new")
def new_campaign(_: EditorSession, request: Request) -> Response:
    form = {"status": "active", "type": "triggered", "html": "", "subject": ""}
    return form_page(request, {**form, "track_opens": True, "track_clicks": True}, None)


@router.post("/campaigns/merge-tags")
def detect_merge_tags(
    _: SignedIn,
    __: CsrfChecked,
    subject: Text = "",
    html: Text = "",
    text: Text = "",
) -> Response:
    """The merge tags of the templates as typed so far: the server's parser, one truth."""
    tags: list[str] = []
    errors: dict[str, str] = {}
    for field, source in (("subject", subject), ("html", html), ("text", text)):
        try:
            tags += merge_tags_in(source)
        except TemplateError as error:
            errors[field] = error.in_words(service.TEMPLATE_PARTS[field])
    return JSONResponse({"merge_tags": sorted(set(tags)), "errors": errors})


@router.get("/campaigns/{campaign_id}")
def edit_campaign(
    _: SignedIn, request: Request, campaign_id: IdInPath, session: SessionDep
) -> Response:
    campaign = service.get_campaign(session, campaign_id)
    figures = campaign_stats(session, campaign_id)
    return form_page(request, saved_form(campaign), campaign, extra={"figures": figures})


def saved_form(campaign: Campaign) -> dict[str, Any]:
    form = {name: getattr(campaign, name) or "" for name in FIELDS}
    return form | {name: getattr(campaign, name) for name in SWITCHES}


def _save(
    request: Request, session: Session, form: dict[str, Any], campaign: Campaign | None
) -> Response:
    body = {
        k: (v if v != "" or k in ("name", "subject", "html") else None) for k, v in form.items()
    }
    try:
        data = CampaignCreate.model_validate(body)
        actor = actor_of(request, session)
        if campaign is not None:
            before = campaign_facts(campaign)
            saved = service.update_campaign(session, campaign, data)
            audit.campaign_updated(session, actor, saved, before)
        else:
            saved = service.create_campaign(session, data)
            audit.campaign_created(session, actor, saved)
    except ValidationError as error:
        return _invalid(request, session, form, campaign, pydantic_errors(error.errors()))
    except ValidationFailed as failed:
        return _invalid(request, session, form, campaign, failed)
    except CampaignInUse as conflict:
        # Shown next to what the change was refused for: the status, or the type.
        field = "status" if form.get("status") != "active" else "type"
        refused = ValidationFailed.at([field], conflict.detail)
        return _invalid(request, session, form, campaign, refused, conflict.status_code)
    return RedirectResponse(f"/campaigns/{saved.id}?saved=1", status_code=303)


def _invalid(
    request: Request,
    session: Session,
    form: dict[str, Any],
    campaign: Campaign | None,
    failed: ValidationFailed,
    status: int = 422,
) -> Response:
    session.rollback()
    errors = place_errors(failed.errors, lambda loc: str(loc[0]) if loc else None)
    return form_page(request, form, campaign, errors, status)


@router.post("/campaigns/new")
def create_campaign(
    _: EditorSession,
    __: CsrfChecked,
    request: Request,
    session: SessionDep,
    name: Text = "",
    subject: Text = "",
    html: Text = "",
    text: Text = "",
    from_email: Text = "",
    status: Text = "draft",
    type: Text = "triggered",
    track_opens: Switch = "",
    track_clicks: Switch = "",
) -> Response:
    form = dict(
        name=name, subject=subject, html=html, text=text, from_email=from_email, status=status
    )
    switches = {"track_opens": bool(track_opens), "track_clicks": bool(track_clicks)}
    return _save(request, session, {**form, "type": type, **switches}, None)


@router.post("/campaigns/{campaign_id}")
def update_campaign(
    _: EditorSession,
    __: CsrfChecked,
    request: Request,
    campaign_id: IdInPath,
    session: SessionDep,
    name: Text = "",
    subject: Text = "",
    html: Text = "",
    text: Text = "",
    from_email: Text = "",
    status: Text = "draft",
    type: Text = "triggered",
    track_opens: Switch = "",
    track_clicks: Switch = "",
) -> Response:
    campaign = service.get_campaign(session, campaign_id)
    form = dict(
        name=name, subject=subject, html=html, text=text, from_email=from_email, status=status
    )
    switches = {"track_opens": bool(track_opens), "track_clicks": bool(track_clicks)}
    return _save(request, session, {**form, "type": type, **switches}, campaign)


def rendered_for(session: Session, campaign: Campaign, profile_id: str) -> tuple[str, str]:
    """Subject and HTML as this profile would get them (NotFound, or 422 for a template that
    cannot be rendered or is too expensive to)."""
    email = preview_campaign(session, campaign, profile_id)
    return email.subject, email.html


@router.get("/campaigns/{campaign_id}/preview")
def preview_page(
    _: SignedIn,
    request: Request,
    campaign_id: IdInPath,
    session: SessionDep,
    profile_id: str = "",
) -> Response:
    campaign = service.get_campaign(session, campaign_id)
    context: dict[str, Any] = {"campaign": campaign, "profile_id": profile_id, "error": None}
    status = 200
    if profile_id:
        try:
            context["subject"], _html = rendered_for(session, campaign, profile_id)
        except ValidationFailed as failed:
            context["error"], status = failed.errors[0]["msg"], failed.status_code
        except NotFound as error:
            context["error"], status = error.detail, error.status_code
    return render(request, "campaign_preview.html", context, status)


@router.get("/campaigns/{campaign_id}/preview.html")
def preview_frame(
    _: SignedIn, campaign_id: IdInPath, session: SessionDep, profile_id: str = ""
) -> Response:
    """The rendered HTML alone, for a sandboxed frame: it never runs in the app's origin."""
    campaign = service.get_campaign(session, campaign_id)
    _subject, html = rendered_for(session, campaign, profile_id)
    return HTMLResponse(html, headers=FRAME_HEADERS)
