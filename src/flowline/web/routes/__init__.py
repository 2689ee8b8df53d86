"""The web UI's routes (none of them in the OpenAPI document)."""

from flowline.web.routes import (
    audit,
    auth,
    campaign_housekeeping,
    campaigns,
    captured_mail,
    enrollments,
    profiles,
    segments,
    settings,
    sso,
    suppressions,
    workflow_detail,
    workflow_dry_run,
    workflow_edit,
    workflow_housekeeping,
    workflows,
)

ROUTERS = [
    auth.router,
    workflows.router,
    workflow_edit.router,
    workflow_detail.router,
    workflow_dry_run.router,
    enrollments.router,
    workflow_housekeeping.router,
    campaigns.router,
    campaign_housekeeping.router,
    segments.router,
    profiles.router,
    captured_mail.router,
    settings.router,
    suppressions.router,
    audit.router,
    sso.router,
]
