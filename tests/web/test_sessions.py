"""Signing in to the web UI, the session cookie, and CSRF on every state-changing request."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from flowline.core.database import session_scope
from flowline.core.models.api_keys import ApiKey
from flowline.core.models.workflows import Workflow
from flowline.core.services.api_keys import create_api_key
from tests.web.client import ADMIN_KEY, csrf_of, signed_in, web_client


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as web:
        yield web


def _key(engine: Engine, scope: str) -> tuple[int, str]:
    with session_scope(engine) as session:
        key, plaintext = create_api_key(session, f"{scope} key", scope)
        assert key.id is not None
        return key.id, plaintext


async def test_pages_need_a_session_and_lead_to_the_sign_in_page(client: httpx.AsyncClient):
    for path in ("/workflows", "/workflows/new", "/campaigns", "/outbox", "/settings"):
        answer = await client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == f"/sign-in?next={path}"


async def test_a_wrong_key_is_refused_and_starts_no_session(client: httpx.AsyncClient):
    answer = await signed_in(client, "not-a-key")
    assert answer.status_code == 401
    assert "That is not an admin API key." in answer.text
    assert (await client.get("/workflows", follow_redirects=False)).status_code == 303


async def test_an_ingest_key_cannot_sign_in(client: httpx.AsyncClient, engine: Engine):
    _, ingest = _key(engine, "ingest")
    assert (await signed_in(client, ingest)).status_code == 401
    assert (await client.get("/workflows", follow_redirects=False)).status_code == 303


async def test_the_session_cookie_is_http_only_same_site_and_holds_no_key(
    client: httpx.AsyncClient, engine: Engine
):
    _, admin = _key(engine, "admin")
    answer = await signed_in(client, admin)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith("flowline_session=")
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    # Signed, not encrypted: the key itself must not be in it.
    import base64

    payload = cookie.split("=", 1)[1].split(".", 1)[0]
    decoded = base64.b64decode(payload + "=" * (-len(payload) % 4))
    assert admin.encode() not in decoded
    assert (await client.get("/workflows")).status_code == 200


async def test_revoking_the_key_ends_its_sessions(client: httpx.AsyncClient, engine: Engine):
    key_id, admin = _key(engine, "admin")
    await signed_in(client, admin)
    assert (await client.get("/workflows")).status_code == 200
    with session_scope(engine) as session:
        session.delete(session.get(ApiKey, key_id))
    assert (await client.get("/workflows", follow_redirects=False)).status_code == 303


async def test_sign_out_ends_the_session(client: httpx.AsyncClient):
    await signed_in(client)
    page = await client.get("/workflows")
    answer = await client.post(
        "/sign-out", data={"csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert answer.headers["location"] == "/sign-in"
    assert (await client.get("/workflows", follow_redirects=False)).status_code == 303


def _workflow_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Workflow)).one()


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, engine: Engine
):
    await signed_in(client)
    form = {"name": "Sneaky", "trigger.type": "event", "trigger.event": "x", "enabled": "on"}
    form |= {"consent_property": "-", "steps.0.type": "wait", "steps.0.duration": "1 day"}
    for token in (None, "forged-token"):
        data = form if token is None else {**form, "csrf_token": token}
        answer = await client.post("/workflows/new", data=data, follow_redirects=False)
        assert answer.status_code == 403
        assert "the form has expired" in answer.text
    fetched = await client.post(
        "/workflows/new",
        data=form,
        headers={"X-Requested-With": "fetch", "X-CSRF-Token": "forged"},
    )
    assert fetched.status_code == 403
    assert _workflow_count(engine) == 0
    page = await client.get("/workflows/new")
    saved = await client.post(
        "/workflows/new", data={**form, "csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert _workflow_count(engine) == 1


async def test_signing_in_needs_the_token_of_the_sign_in_page(client: httpx.AsyncClient):
    answer = await client.post("/sign-in", data={"api_key": ADMIN_KEY}, follow_redirects=False)
    assert answer.status_code == 403
    assert (await client.get("/workflows", follow_redirects=False)).status_code == 303


async def test_sign_in_goes_back_only_to_a_page_of_this_site(client: httpx.AsyncClient):
    form = await client.get("/sign-in")
    for target, expected in (("/campaigns", "/campaigns"), ("//evil.example/", "/workflows")):
        answer = await client.post(
            "/sign-in",
            data={"api_key": ADMIN_KEY, "csrf_token": csrf_of(form), "next": target},
            follow_redirects=False,
        )
        assert answer.headers["location"] == expected
        form = await client.get("/sign-in?next=/workflows", follow_redirects=False)
        if form.status_code == 303:  # already signed in
            await client.post(
                "/sign-out", data={"csrf_token": csrf_of(await client.get("/workflows"))}
            )
            form = await client.get("/sign-in")


@pytest.mark.parametrize("key", ["stored", "bootstrap"])
async def test_a_session_outlives_a_key_rotation_while_the_old_key_is_listed(
    engine: Engine, tmp_path: Path, key: str
) -> None:
    admin = _key(engine, "admin")[1] if key == "stored" else ADMIN_KEY
    async with web_client(engine, tmp_path, secret_key="old-secret") as before:
        assert (await signed_in(before, admin)).status_code == 303
        cookies = before.cookies

    async with web_client(engine, tmp_path, secret_key="new-secret,old-secret") as rotated:
        rotated.cookies = cookies
        page = await rotated.get("/workflows", follow_redirects=False)
        assert page.status_code == 200
        cookies = rotated.cookies  # re-signed with the new key on the way out

    async with web_client(engine, tmp_path, secret_key="new-secret") as old_key_dropped:
        old_key_dropped.cookies = cookies
        assert (await old_key_dropped.get("/workflows", follow_redirects=False)).status_code == 200


async def test_a_session_signed_with_a_key_no_longer_listed_is_signed_out(
    engine: Engine, tmp_path: Path
) -> None:
    async with web_client(engine, tmp_path, secret_key="old-secret") as before:
        await signed_in(before)
        cookies = before.cookies

    async with web_client(engine, tmp_path, secret_key="new-secret") as rotated:
        rotated.cookies = cookies
        assert (await rotated.get("/workflows", follow_redirects=False)).status_code == 303
