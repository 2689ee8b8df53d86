"""`GET/POST /u/{token}`: signed one-click unsubscribe links."""

from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from flowline.app import create_app
from flowline.core.models.events import Event
from flowline.core.models.profiles import Profile
from flowline.core.services.unsubscribe import (
    Unsubscription,
    read_token,
    unsubscribe_token,
    unsubscribe_url,
)
from flowline.core.settings import Settings
from flowline.worker.activities.email_prepare import UnsubscribeLinks
from tests.support.flowline_harness import Flowline

WHAT = Unsubscription(profile_id="p-1", workflow_id=7, consent_property="email_optin")


def _token(flowline: Flowline, what: Unsubscription = WHAT) -> str:
    return unsubscribe_token(flowline.settings.require_secret_key(), what)


def test_a_token_round_trips_and_a_changed_character_is_unknown() -> None:
    secret = b"secret"
    token = unsubscribe_token(secret, WHAT)
    assert read_token([secret], token) == WHAT
    for position in range(len(token)):
        altered = (
            token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
        )
        assert read_token([secret], altered) is None, position
    assert read_token([b"other secret"], token) is None
    url = unsubscribe_url("https://mail.example/", secret, WHAT)
    assert url == f"https://mail.example/u/{token}"


async def test_the_page_asks_and_one_click_withdraws_consent(flowline: Flowline) -> None:
    await flowline.profile("p-1", email_optin=True, email="a@example.com")
    token = _token(flowline)
    anonymous = {"Authorization": ""}

    page = await flowline.api.get(f"/u/{token}", headers=anonymous)
    assert page.status_code == 200 and "<form" in page.text
    with Session(flowline.engine) as session:
        assert session.get(Profile, "p-1").properties["email_optin"] is True  # GET changes nothing

    click = await flowline.api.post(
        f"/u/{token}",
        content="List-Unsubscribe=One-Click",
        headers={**anonymous, "Content-Type": "application/x-www-form-urlencoded"},
    )
    again = await flowline.api.post(f"/u/{token}", headers=anonymous)

    assert click.status_code == 200 and again.status_code == 200
    with Session(flowline.engine) as session:
        assert session.get(Profile, "p-1").properties["email_optin"] is False
        events = session.exec(select(Event).where(Event.name == "unsubscribed")).all()
    assert [(e.profile_id, e.properties) for e in events] == [("p-1", {"workflow_id": 7})]


async def test_a_forged_or_altered_token_is_404(flowline: Flowline) -> None:
    token = _token(flowline)
    # A character well inside the signature: the last one carries unused low bits.
    at = len(token) - 8
    altered = token[:at] + ("x" if token[at] != "x" else "Q") + token[at + 1 :]
    forged = unsubscribe_token(b"not our secret", WHAT)
    for bad in (altered, forged, "nonsense"):
        assert (await flowline.api.get(f"/u/{bad}")).status_code == 404
        assert (await flowline.api.post(f"/u/{bad}")).status_code == 404


async def test_an_erased_profile_is_not_created_again(flowline: Flowline) -> None:
    response = await flowline.api.post(f"/u/{_token(flowline)}")
    assert response.status_code == 200
    with Session(flowline.engine) as session:
        assert session.get(Profile, "p-1") is None


def test_a_link_signed_before_a_key_rotation_is_read_while_the_old_key_is_listed() -> None:
    old_link = unsubscribe_token(b"old-key", WHAT)

    assert read_token([b"new-key", b"old-key"], old_link) == WHAT
    assert read_token([b"new-key"], old_link) is None


async def test_after_rotation_mailed_links_still_unsubscribe_and_new_ones_use_the_new_key(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine) as session:
        session.add(Profile(id="p-1", properties={"email_optin": True}))
        session.commit()
    mailed = unsubscribe_token(b"old-key", WHAT)
    rotated = Settings(
        data_dir=tmp_path,
        database_url=engine.url.render_as_string(hide_password=False),
        temporal_address="127.0.0.1:9",
        secret_key="new-key, old-key",
    )
    transport = httpx.ASGITransport(app=create_app(rotated, engine=engine))

    async with httpx.AsyncClient(transport=transport, base_url="http://flowline.test") as client:
        page = await client.get(f"/u/{mailed}")
        click = await client.post(f"/u/{mailed}")

    assert (page.status_code, click.status_code) == (200, 200)
    with Session(engine) as session:
        assert session.get(Profile, "p-1").properties["email_optin"] is False
    links = UnsubscribeLinks.from_settings(rotated)
    assert links.secret == b"new-key"


async def test_unsubscribe_pages_cannot_be_framed_and_run_no_script(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/v1/profiles/p-1", json={"properties": {"email_optin": True}})
    token = unsubscribe_token(b"test-secret-key", WHAT)
    anonymous = {"Authorization": ""}

    pages = [
        await api.get(f"/u/{token}", headers=anonymous),
        await api.post(f"/u/{token}", headers=anonymous),
    ]

    for page in pages:
        assert page.status_code == 200
        policy = {
            part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
            for part in page.headers["content-security-policy"].split(";")
        }
        assert policy["frame-ancestors"] == "'none'"
        assert policy["default-src"] == "'none'"  # no script, no outside resource
        assert policy["form-action"] == "'self'"
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "no-referrer"  # the token stays here
        assert "<script" not in page.text
