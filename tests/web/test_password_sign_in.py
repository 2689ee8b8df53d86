"""Signing in with email and password: the lock after 5 failures (the same answer for an
address nobody has), sessions that end at once, and password reset by a mailed link."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from flowline.core.services.users.one_time_links import RESETS_PER_HOUR
from flowline.core.services.users.sign_in_lock import MAX_FAILURES
from testkit.smtp import SmtpCapture
from tests.web.client import csrf_of
from tests.web.test_housekeeping import _app_client
from tests.web.user_accounts import PASSWORD, link_in, make_user, sign_in_as


@pytest.fixture
async def web(
    engine: Engine, tmp_path: Path, mailbox: SmtpCapture
) -> AsyncIterator[httpx.AsyncClient]:
    async with _app_client(engine, tmp_path, mailbox.port) as client:
        yield client


async def test_a_user_signs_in_with_email_and_password_and_the_password_is_never_echoed(
    web: httpx.AsyncClient, engine: Engine
) -> None:
    make_user(engine, "ed@example.com", "editor")

    wrong = await sign_in_as(web, "ed@example.com", "not the password at all")
    assert wrong.status_code == 401
    assert "Wrong email or password." in wrong.text
    assert "not the password at all" not in wrong.text
    answer = await sign_in_as(web, "ED@example.com ", PASSWORD)

    assert answer.status_code == 303, answer.text
    assert (await web.get("/workflows")).status_code == 200
    assert set(web.cookies) == {"flowline_session"}


async def test_five_failures_lock_the_address_with_the_same_answer_for_a_missing_account(
    web: httpx.AsyncClient, engine: Engine
) -> None:
    make_user(engine, "ann@example.com", "viewer")
    answers: dict[str, list[httpx.Response]] = {}
    for email in ("ann@example.com", "nobody@example.com"):
        answers[email] = [await sign_in_as(web, email, "wrong password!") for _ in range(6)]

    for email, replies in answers.items():
        assert [r.status_code for r in replies] == [401] * MAX_FAILURES + [429], email
        assert 850 <= int(replies[-1].headers["retry-after"]) <= 900
        assert "Too many failed sign-ins for this address" in replies[-1].text
    known, unknown = answers["ann@example.com"][-1], answers["nobody@example.com"][-1]
    assert known.text.replace("ann@", "X@") == unknown.text.replace("nobody@", "X@")
    locked = await sign_in_as(web, "ann@example.com", PASSWORD)
    assert locked.status_code == 429, "the right password does not open a locked account"


async def test_disabling_a_user_ends_their_open_session_at_once(
    web: httpx.AsyncClient, engine: Engine, tmp_path: Path, mailbox: SmtpCapture
) -> None:
    ed = make_user(engine, "ed@example.com", "editor")
    make_user(engine, "boss@example.com", "admin")
    await sign_in_as(web, "ed@example.com")
    assert (await web.get("/workflows")).status_code == 200

    async with _app_client(engine, tmp_path, mailbox.port) as admin:
        await sign_in_as(admin, "boss@example.com")
        page = await admin.get("/settings/users")
        data = {"csrf_token": csrf_of(page), "disabled": "yes"}
        done = await admin.post(f"/settings/users/{ed}/disabled", data=data)
        assert done.status_code == 303, done.text

    after = await web.get("/workflows", follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"].startswith("/sign-in")
    assert (await sign_in_as(web, "ed@example.com")).status_code == 401


async def test_sign_out_everywhere_ends_the_user_s_sessions_on_other_devices(
    web: httpx.AsyncClient, engine: Engine, tmp_path: Path, mailbox: SmtpCapture
) -> None:
    make_user(engine, "ed@example.com", "editor")
    await sign_in_as(web, "ed@example.com")
    async with _app_client(engine, tmp_path, mailbox.port) as laptop:
        await sign_in_as(laptop, "ed@example.com")
        page = await laptop.get("/workflows")
        assert "Sign out everywhere" in page.text
        out = await laptop.post("/sign-out-everywhere", data={"csrf_token": csrf_of(page)})
        assert out.headers["location"] == "/sign-in?done=everywhere"

    assert (await web.get("/workflows", follow_redirects=False)).status_code == 303


async def test_forgot_password_mails_a_link_that_resets_it_once(
    web: httpx.AsyncClient, engine: Engine, mailbox: SmtpCapture
) -> None:
    make_user(engine, "ann@example.com", "viewer")
    page = await web.get("/forgot-password")
    for email in ("ann@example.com", "nobody@example.com"):
        sent = await web.post(
            "/forgot-password", data={"csrf_token": csrf_of(page), "email": email}
        )
        assert sent.status_code == 200
        assert f"If {email} has an account, a link" in sent.text
    [message] = await mailbox.wait_for(1)
    assert mailbox.recipients == [["ann@example.com"]]
    link = link_in(message.get_payload(decode=True).decode())  # type: ignore[union-attr]
    path = link.removeprefix("http://127.0.0.1:8000")

    form = await web.get(path)
    new = "a brand new passphrase"
    short = {"csrf_token": csrf_of(form), "password": "short", "password_repeat": "short"}
    too_short = await web.post(path, data=short)
    assert too_short.status_code == 422 and "at least 12 characters" in too_short.text
    body = {"csrf_token": csrf_of(form), "password": new, "password_repeat": new}
    done = await web.post(path, data=body)
    assert done.headers["location"] == "/sign-in?done=password-set"
    again = await web.post(path, data=body)

    assert again.status_code == 404 and "was used already or it expired" in again.text
    assert (await sign_in_as(web, "ann@example.com", PASSWORD)).status_code == 401
    assert (await sign_in_as(web, "ann@example.com", new)).status_code == 303


async def test_forgot_password_mails_one_account_at_most_three_links_an_hour_with_the_same_answer(
    web: httpx.AsyncClient, engine: Engine, mailbox: SmtpCapture
) -> None:
    make_user(engine, "ann@example.com", "viewer")
    page = await web.get("/forgot-password")
    answers = []
    for _ in range(RESETS_PER_HOUR + 2):
        # The mail goes out in a background task the app runs before the client gets its answer.
        sent = await web.post(
            "/forgot-password", data={"csrf_token": csrf_of(page), "email": "ann@example.com"}
        )
        answers.append((sent.status_code, sent.text.replace(csrf_of(sent), "")))

    assert len(set(answers)) == 1 and answers[0][0] == 200
    await mailbox.wait_for(RESETS_PER_HOUR)
    assert RESETS_PER_HOUR == 3
    assert mailbox.recipients == [["ann@example.com"]] * 3
