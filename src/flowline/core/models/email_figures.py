"""API shapes of what became of sent emails, per campaign and per Send email step: unique
deliveries, human engagement only (machine opens and clicks left out), test sends left out."""

from pydantic import BaseModel, Field


class EmailFigures(BaseModel):
    """Each figure counts deliveries (one email to one person), each at most once."""

    sent: int = Field(ge=0, description="Emails the mail server accepted.")
    opened: int = Field(ge=0, description="Sent emails a person opened at least once.")
    clicked: int = Field(ge=0, description="Sent emails a person clicked a link in.")
    click_to_open: float | None = Field(
        ge=0,
        description="clicked / opened; null while no email was opened. Above 1 when people "
        "click in emails whose images they never loaded (no open is seen then).",
    )
    unsubscribed: int = Field(ge=0, description="Emails whose unsubscribe link was followed.")
    bounced: int = Field(
        ge=0, description="Emails that bounced for good: at send (5xx) or reported later."
    )
    complained: int = Field(ge=0, description="Emails the recipient reported as spam.")
    open_rate: float | None = Field(
        ge=0, description="opened / sent; null while no email was sent."
    )
    click_rate: float | None = Field(
        ge=0, description="clicked / sent; null while no email was sent."
    )


class CampaignStats(EmailFigures):
    """`GET /v1/campaigns/{id}/stats`: every workflow's sends of the campaign, all versions."""
