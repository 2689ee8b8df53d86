"""A saved campaign rendered for one profile, as the API and the UI preview it.

The preview renders with the same metered sandbox and budget as the sending worker: a template
too expensive to send is refused here too, quickly (422 naming the field).
"""

from sqlmodel import Session

from flowline.core.errors import ValidationFailed
from flowline.core.models.campaigns import Campaign
from flowline.core.models.profiles import Profile
from flowline.core.services.campaigns.crud import campaign_merge_tags
from flowline.definitions.identifiers import is_profile_id
from flowline.definitions.steps import MergeTagMapping
from flowline.definitions.template_budget import TemplateTooExpensive, render_budget
from flowline.definitions.templates import (
    EmailPart,
    RenderedEmail,
    merge_values,
    render_email_part,
)


class ProfileMissing(ValidationFailed):
    """The profile a preview is asked for does not exist (422 at `profile_id`)."""


def preview_campaign(session: Session, campaign: Campaign, profile_id: str) -> RenderedEmail:
    """Subject, HTML and text as this profile would get them, each tag read from the property
    of the same name (a workflow may map tags differently)."""
    # Text no profile id can be (U+0000 fails on PostgreSQL) never reaches a query.
    profile = session.get(Profile, profile_id) if is_profile_id(profile_id) else None
    if profile is None:
        # 422, not 404: the path (the campaign) exists; the body names a missing profile.
        raise ProfileMissing([(("profile_id",), f"profile {profile_id!r} does not exist")])
    tags = campaign_merge_tags(campaign)
    values = merge_values({t: MergeTagMapping(property=t) for t in tags}, profile.properties)
    values.setdefault("profile_id", profile_id)
    return render_campaign(campaign, values)


def render_campaign(campaign: Campaign, values: dict[str, str]) -> RenderedEmail:
    """The three parts filled with these values (422 naming the part that cannot be)."""
    with render_budget():  # the three parts share one budget, as when the email is sent
        subject = _rendered("subject", campaign.subject, values)
        html = _rendered("html", campaign.html, values)
        text = _rendered("text", campaign.text, values) if campaign.text else None
    return RenderedEmail(subject=subject, html=html, text=text)


def _rendered(part: EmailPart, source: str, values: dict[str, str]) -> str:
    try:
        return render_email_part(part, source, values)
    except TemplateTooExpensive as error:
        message = f"This template is too expensive to render: {error}."
    except Exception as error:  # any failure of the template, e.g. {{ 1/0 }}
        message = f"This template cannot be rendered for this profile: {error}."
    raise ValidationFailed.at((part,), message)
