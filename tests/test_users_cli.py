"""`flowline users create` prints a one-time link that sets the new user's password."""

from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from flowline.cli import app
from tests.web.client import csrf_of, web_client
from tests.web.user_accounts import sign_in_as

PASSPHRASE = "a long enough passphrase"


def users(engine: Engine, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app,
        ["users", *args],
        env={
            "FLOWLINE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "FLOWLINE_PUBLIC_URL": "http://flowline.test/",
        },
    )
    return result.exit_code, result.stdout, result.stderr


async def test_create_prints_a_link_that_sets_the_password_once(
    engine: Engine, tmp_path: Path
) -> None:
    code, out, err = users(engine, "create", "--email", "Ann@Example.com", "--role", "admin")

    assert code == 0, err
    link = out.strip()
    assert link.startswith("http://flowline.test/set-password/")
    assert "Created admin ann@example.com" in err and "expires in 72 hours" in err
    async with web_client(engine, tmp_path) as web:
        path = link.removeprefix("http://flowline.test")
        form = await web.get(path)
        assert form.status_code == 200 and "Set your password" in form.text
        body = {"csrf_token": csrf_of(form), "password": PASSPHRASE, "password_repeat": PASSPHRASE}
        assert (await web.post(path, data=body)).status_code == 303
        assert (await web.post(path, data=body)).status_code == 404  # once only
        assert (await sign_in_as(web, "ann@example.com", PASSPHRASE)).status_code == 303
        assert (await web.get("/settings/users")).status_code == 200


def test_create_refuses_a_bad_address_and_a_taken_one(engine: Engine) -> None:
    assert users(engine, "create", "--email", "ann@example.com", "--role", "viewer")[0] == 0

    bad_code, _, bad = users(engine, "create", "--email", "not an address", "--role", "viewer")
    taken_code, _, taken = users(engine, "create", "--email", "ANN@example.com", "--role", "editor")
    role_code, _, _ = users(engine, "create", "--email", "bo@example.com", "--role", "owner")

    assert (bad_code, taken_code, role_code) == (2, 1, 2)
    assert "Enter one e-mail address" in bad
    assert "already a user with the address ann@example.com" in taken
