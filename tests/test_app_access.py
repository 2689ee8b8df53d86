"""Who may call what: every route of the app, API and web UI, with the access it needs.

The table is the contract: a route added without a line here, or with another check than its
line says, fails the first test. The others prove the checks answer 403 to a role below them.
"""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import Engine

from flowline.api.authentication import KeyScope
from flowline.app import create_app
from flowline.core.settings import Settings
from flowline.web.signin import RoleRequired
from tests.web.client import ADMIN_KEY, csrf_of, web_client
from tests.web.user_accounts import make_user, sign_in_as

# "public": no check; "key:admin" / "key:admin|ingest": the API key scopes accepted;
# "viewer" / "editor" / "admin": the least web UI role (an admin API key's session is admin).
ACCESS = {
    ("GET", "/docs"): "public",
    ("GET", "/docs/oauth2-redirect"): "public",
    ("GET", "/health"): "public",
    ("POST", "/v1/api-keys"): "key:admin",
    ("GET", "/v1/api-keys"): "key:admin",
    ("DELETE", "/v1/api-keys/{key_id}"): "key:admin",
    ("POST", "/v1/events"): "key:admin|ingest",
    ("POST", "/v1/events/batch"): "key:admin|ingest",
    ("GET", "/v1/profiles"): "key:admin",
    ("PUT", "/v1/profiles/{profile_id:any_text}"): "key:admin|ingest",
    ("GET", "/v1/profiles/{profile_id:any_text}"): "key:admin",
    ("DELETE", "/v1/profiles/{profile_id:any_text}"): "key:admin",
    ("POST", "/v1/segments"): "key:admin",
    ("POST", "/v1/segments/preview"): "key:admin",
    ("GET", "/v1/segments"): "key:admin",
    ("GET", "/v1/segments/{segment_id:int}"): "key:admin",
    ("PUT", "/v1/segments/{segment_id:int}"): "key:admin",
    ("DELETE", "/v1/segments/{segment_id:int}"): "key:admin",
    ("GET", "/v1/segments/{segment_id:int}/members"): "key:admin",
    ("POST", "/v1/campaigns"): "key:admin",
    ("GET", "/v1/campaigns"): "key:admin",
    ("GET", "/v1/campaigns/{campaign_id}"): "key:admin",
    ("GET", "/v1/campaigns/{campaign_id}/stats"): "key:admin",
    ("PUT", "/v1/campaigns/{campaign_id}"): "key:admin",
    ("DELETE", "/v1/campaigns/{campaign_id}"): "key:admin",
    ("POST", "/v1/campaigns/{campaign_id}/preview"): "key:admin",
    ("POST", "/v1/workflows"): "key:admin",
    ("POST", "/v1/workflows/dry-run"): "key:admin",
    ("GET", "/v1/workflows"): "key:admin",
    ("GET", "/v1/workflows/{workflow_id}"): "key:admin",
    ("PUT", "/v1/workflows/{workflow_id}"): "key:admin",
    ("DELETE", "/v1/workflows/{workflow_id}"): "key:admin",
    ("POST", "/v1/workflows/{workflow_id}/enable"): "key:admin",
    ("POST", "/v1/workflows/{workflow_id}/disable"): "key:admin",
    ("GET", "/v1/workflows/{workflow_id}/stats"): "key:admin",
    ("GET", "/v1/workflows/{workflow_id}/experiment"): "key:admin",
    ("POST", "/v1/workflows/{workflow_id}/enrollments"): "key:admin",
    ("GET", "/v1/workflows/{workflow_id}/enrollments"): "key:admin",
    ("GET", "/v1/enrollments/{enrollment_id}"): "key:admin",
    ("GET", "/v1/settings"): "key:admin",
    ("PUT", "/v1/settings"): "key:admin",
    ("GET", "/u/{token}"): "public",
    ("POST", "/u/{token}"): "public",
    ("GET", "/c/{token:path}"): "public",
    ("GET", "/o/{token:path}"): "public",
    ("GET", "/v1/suppressions"): "key:admin",
    ("POST", "/v1/suppressions"): "key:admin",
    ("DELETE", "/v1/suppressions"): "key:admin",
    ("POST", "/v1/email-feedback"): "key:admin|ingest",
    ("POST", "/v1/email-feedback/ses"): "key:admin|ingest",
    ("GET", "/v1/users"): "key:admin",
    ("GET", "/v1/audit"): "key:admin",
    ("POST", "/v1/users"): "key:admin",
    ("PATCH", "/v1/users/{user_id}"): "key:admin",
    ("DELETE", "/v1/users/{user_id}"): "key:admin",
    ("POST", "/codec/encode"): "key:admin",
    ("POST", "/codec/decode"): "key:admin",
    ("GET", "/metrics"): "public",
    ("GET", "/"): "public",
    ("GET", "/sign-in"): "public",
    ("GET", "/sign-in/sso"): "public",
    ("GET", "/sign-in/sso/callback"): "public",
    ("POST", "/sign-in"): "public",
    ("POST", "/sign-out"): "public",
    ("POST", "/sign-out-everywhere"): "viewer",
    ("GET", "/set-password/{token}"): "public",
    ("POST", "/set-password/{token}"): "public",
    ("GET", "/forgot-password"): "public",
    ("POST", "/forgot-password"): "public",
    ("GET", "/workflows"): "viewer",
    ("POST", "/workflows/{workflow_id}/enabled"): "editor",
    ("GET", "/workflows/new"): "editor",
    ("POST", "/workflows/new"): "editor",
    ("GET", "/workflows/{workflow_id}/edit"): "viewer",
    ("POST", "/workflows/{workflow_id}/edit"): "editor",
    ("GET", "/workflows/{workflow_id}"): "viewer",
    ("GET", "/workflows/{workflow_id}/figures"): "viewer",
    ("POST", "/workflows/{workflow_id}/enroll"): "editor",
    ("GET", "/workflows/{workflow_id}/dry-run"): "viewer",
    ("POST", "/workflows/dry-run"): "viewer",
    ("POST", "/workflows/{workflow_id}/dry-run"): "viewer",
    ("GET", "/enrollments/{enrollment_id}"): "viewer",
    ("GET", "/workflows/{workflow_id}/delete"): "editor",
    ("POST", "/workflows/{workflow_id}/delete"): "editor",
    ("POST", "/workflows/{workflow_id}/end-enrollments"): "editor",
    ("POST", "/workflows/{workflow_id}/duplicate"): "editor",
    ("GET", "/campaigns"): "viewer",
    ("GET", "/campaigns/new"): "editor",
    ("POST", "/campaigns/merge-tags"): "viewer",
    ("GET", "/campaigns/{campaign_id}"): "viewer",
    ("POST", "/campaigns/new"): "editor",
    ("POST", "/campaigns/{campaign_id}"): "editor",
    ("GET", "/campaigns/{campaign_id}/preview"): "viewer",
    ("GET", "/campaigns/{campaign_id}/preview.html"): "viewer",
    ("GET", "/campaigns/{campaign_id}/delete"): "editor",
    ("POST", "/campaigns/{campaign_id}/delete"): "editor",
    ("POST", "/campaigns/{campaign_id}/test"): "editor",
    ("GET", "/segments"): "viewer",
    ("GET", "/segments/new"): "editor",
    ("POST", "/segments/check"): "viewer",
    ("GET", "/segments/{segment_id}"): "viewer",
    ("GET", "/segments/{segment_id}/count"): "viewer",
    ("POST", "/segments/new"): "editor",
    ("POST", "/segments/{segment_id}"): "editor",
    ("GET", "/segments/{segment_id}/delete"): "editor",
    ("POST", "/segments/{segment_id}/delete"): "editor",
    ("GET", "/profiles"): "viewer",
    ("POST", "/profiles/erase"): "admin",
    ("GET", "/outbox"): "viewer",
    ("GET", "/outbox/{message_id}"): "viewer",
    ("GET", "/outbox/{message_id}/html"): "viewer",
    ("GET", "/settings"): "viewer",
    ("POST", "/settings/keys"): "admin",
    ("POST", "/settings/keys/{key_id}/revoke"): "admin",
    ("POST", "/settings/frequency-cap"): "admin",
    ("GET", "/settings/suppressions"): "viewer",
    ("POST", "/settings/suppressions"): "admin",
    ("POST", "/settings/suppressions/{suppression_id}/remove"): "admin",
    ("GET", "/settings/users"): "viewer",
    ("GET", "/audit"): "admin",
    ("POST", "/settings/users"): "admin",
    ("POST", "/settings/users/{user_id}/role"): "admin",
    ("POST", "/settings/users/{user_id}/disabled"): "admin",
    ("POST", "/settings/users/{user_id}/remove"): "admin",
}
OTHER_METHODS = "/v1/workflows/dry-run"  # answers 405 to every method but POST, to anyone
RANK = ["viewer", "editor", "admin"]


def _needs(dependant: Dependant) -> str:
    found: set[str] = set()
    pending = list(dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, KeyScope):
            found.add("key:" + "|".join(dependency.call.accepted))
        if isinstance(dependency.call, RoleRequired):
            found.add(dependency.call.role)
        pending.extend(dependency.dependencies)
    return ",".join(sorted(found)) or "public"


def _routes() -> dict[tuple[str, str], str]:
    settings = Settings(secret_key="s" * 40, bootstrap_admin_key="k", database_url="sqlite://")
    app = create_app(settings)
    found = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            continue
        for method in sorted(context.methods or ()):
            if context.path == OTHER_METHODS and method != "POST":
                continue
            found[(method, context.path)] = _needs(route.dependant)
    return found


def test_every_route_checks_the_access_its_line_in_the_table_names() -> None:
    routes = _routes()

    assert sorted(set(routes) - set(ACCESS)) == [], "routes missing from the table"
    assert sorted(set(ACCESS) - set(routes)) == [], "lines for routes that are gone"
    assert {k: v for k, v in routes.items() if ACCESS[k] != v} == {}


def test_every_change_in_the_web_ui_needs_at_least_an_editor() -> None:
    changes = {k: v for k, v in ACCESS.items() if k[0] == "POST" and v == "viewer"}

    # The only POSTs a viewer may send change nothing: live previews, and signing out.
    assert sorted(path for _, path in changes) == [
        "/campaigns/merge-tags",
        "/segments/check",
        "/sign-out-everywhere",
        "/workflows/dry-run",
        "/workflows/{workflow_id}/dry-run",
    ]


def _filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.fixture
async def web(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as client:
        yield client


@pytest.mark.parametrize("role", ["viewer", "editor"])
async def test_a_forged_post_from_a_lower_role_s_session_gets_403_on_every_web_change(
    web: httpx.AsyncClient, engine: Engine, role: str
) -> None:
    make_user(engine, f"{role}@example.com", role)  # type: ignore[arg-type]
    assert (await sign_in_as(web, f"{role}@example.com")).status_code == 303
    csrf = csrf_of(await web.get("/workflows"))
    above = [k for k, v in ACCESS.items() if v in RANK and RANK.index(v) > RANK.index(role)]
    answers = {}
    for method, path in above:
        answer = await web.request(method, _filled(path), data={"csrf_token": csrf})
        answers[(method, path)] = answer.status_code

    assert {k: v for k, v in answers.items() if v != 403} == {}
    assert len(answers) >= (10 if role == "editor" else 30)


async def test_a_web_session_does_not_open_the_api(web: httpx.AsyncClient, engine: Engine) -> None:
    make_user(engine, "boss@example.com", "admin")
    await sign_in_as(web, "boss@example.com")

    assert (await web.get("/v1/users")).status_code == 401
    keyed = await web.get("/v1/users", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert keyed.status_code == 200
