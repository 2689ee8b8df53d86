"""Settings → Users: inviting by mail (nothing written when the mail cannot go), changing a
role (in force on the next request), and what an admin cannot do to themselves."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from testkit.ports import free_port
from testkit.smtp import SmtpCapture
from tests.web.client import csrf_of
from tests.web.test_housekeeping import _app_client
from tests.web.user_accounts import link_in, make_user, sign_in_as, user_named


@pytest.fixture
async def admin(
    engine: Engine, tmp_path: Path, mailbox: SmtpCapture
) -> AsyncIterator[httpx.AsyncClient]:
    make_user(engine, "boss@example.com", "admin")
    async with _app_client(engine, tmp_path, mailbox.port) as client:
        await sign_in_as(client, "boss@example.com")
        yield client


async def _post(client: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    page = await client.get("/settings/users")
    return await client.post(path, data={"csrf_token": csrf_of(page), **fields})


async def test_invite_mails_a_one_time_link_and_lists_the_user_as_invited(
    admin: httpx.AsyncClient, engine: Engine, mailbox: SmtpCapture
) -> None:
    sent = await _post(admin, "/settings/users", email="Ed@Example.com", role="editor")

    assert sent.status_code == 200, sent.text
    assert "Invitation sent to ed@example.com" in sent.text
    [message] = await mailbox.wait_for(1)
    assert message["Subject"] == "You are invited to Flowline"
    assert "boss invited you" in message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    link = link_in(message.get_payload(decode=True).decode())  # type: ignore[union-attr]
    assert (await admin.get(link.removeprefix("http://127.0.0.1:8000"))).status_code == 200
    ed = user_named(engine, "ed@example.com")
    assert ed is not None and ed.role == "editor" and ed.password_hash is None
    again = await _post(admin, "/settings/users", email="ed@example.com", role="viewer")
    assert again.status_code == 409 and "already a user with the address" in again.text


async def test_an_invite_the_mail_server_cannot_take_writes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    make_user(engine, "boss@example.com", "admin")
    async with _app_client(engine, tmp_path, free_port()) as admin:  # nothing listens there
        await sign_in_as(admin, "boss@example.com")
        failed = await _post(admin, "/settings/users", email="ed@example.com", role="editor")
        bad = await _post(admin, "/settings/users", email="not an address", role="editor")

    assert failed.status_code == 503 and "nothing was changed" in failed.text
    assert user_named(engine, "ed@example.com") is None
    assert bad.status_code == 422 and "Enter one e-mail address" in bad.text


async def test_a_new_role_applies_to_the_next_request(
    admin: httpx.AsyncClient, engine: Engine, tmp_path: Path, mailbox: SmtpCapture
) -> None:
    ed = make_user(engine, "ed@example.com", "editor")
    async with _app_client(engine, tmp_path, mailbox.port) as editor:
        await sign_in_as(editor, "ed@example.com")
        csrf = csrf_of(await editor.get("/workflows"))
        assert (await editor.get("/workflows/new")).status_code == 200

        changed = await _post(admin, f"/settings/users/{ed}/role", role="viewer")
        assert changed.headers["location"] == "/settings/users?done=role"

        assert (await editor.get("/workflows/new")).status_code == 403
        forged = await editor.post("/segments/new", data={"csrf_token": csrf, "name": "x"})
        assert forged.status_code == 403


async def test_an_admin_cannot_disable_or_remove_themselves(
    admin: httpx.AsyncClient, engine: Engine
) -> None:
    boss = user_named(engine, "boss@example.com")
    assert boss is not None
    make_user(engine, "second@example.com", "admin")

    disabled = await _post(admin, f"/settings/users/{boss.id}/disabled", disabled="yes")
    removed = await _post(admin, f"/settings/users/{boss.id}/remove")

    assert disabled.status_code == removed.status_code == 400
    assert "you cannot disable yourself" in disabled.text
    assert (await admin.get("/settings/users")).status_code == 200
