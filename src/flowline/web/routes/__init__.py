"""The web UI's routes (none of them in the OpenAPI document)."""

from flowline.web.routes import (
    auth,
    campaigns,
    outbox,
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
    campaigns.router,
    segments.router,
    profiles.router,
    outbox.router,
    settings.router,
]
