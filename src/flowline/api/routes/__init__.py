"""API routes, one module per resource."""

from fastapi import APIRouter

from flowline.api.routes import (
    api_keys,
    audit,
    campaigns,
    codec,
    email_feedback,
    enrollments,
    events,
    experiments,
    health,
    metrics,
    profiles,
    segments,
    suppressions,
    tracking,
    unsubscribe,
    users,
    workflows,
)
from flowline.api.routes import settings as settings_routes
from flowline.core.settings import Settings

# Registered in this order, which the OpenAPI document's paths follow.
REST_ROUTERS = [
    health.router,
    api_keys.router,
    events.router,
    profiles.router,
    segments.router,
    campaigns.router,
    workflows.router,
    experiments.router,
    enrollments.router,
    settings_routes.router,
    unsubscribe.router,
    suppressions.router,
    email_feedback.router,
    tracking.router,
    users.router,
    audit.router,
]


def api_routers(settings: Settings) -> list[APIRouter]:
    """The REST API's routers, then the operator endpoints outside its schema: the payload codec
    for Temporal's UI, and /metrics unless it is served on a port of its own."""
    own_port = settings.metrics_port is not None
    return [*REST_ROUTERS, codec.router, *([] if own_port else [metrics.router])]
