"""The web UI's routes (none of them in the OpenAPI document)."""

from flowline.web.routes import (
    auth,
    campaigns,
    captured_mail,
    enrollments,
    profiles,
    segments,
    settings,
    workflow_detail,
    workflow_edit,
    workflows,
)

ROUTERS = [
    auth.router,
    workflows.router,
    workflow_edit.router,
    workflow_detail.router,
    enrollments.router,
    campaigns.router,
    segments.router,
    profiles.router,
    captured_mail.router,
    settings.router,
]
