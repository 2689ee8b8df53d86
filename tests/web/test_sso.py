"""Sign in with SSO against a real OpenID Connect provider on 127.0.0.1 (testkit): PKCE, state
and nonce, the ID token checked, and only a verified email reaching `sign_in_with_sso`."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from flowline.app import create_app
from flowline.core.models.audit import AuditEntry
from flowline.core.models.users import User
from flowline.core.settings import Settings
from flowline.web import sso_accounts
from testkit.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from testkit.ports import free_port

BASE = "http://flowline.test"


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with OidcProvider() as running:
        yield running


def _client(engine: Engine, data_dir: Path, **oidc: Any) -> httpx.AsyncClient:
    settings = Settings(
        data_dir=data_dir,
        database_url=engine.url.render_as_string(hide_password=False),
        bootstrap_admin_key="ui-admin-key",
        secret_key="ui-test-secret",
        public_url=BASE,
        **oidc,
    )
    transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
    return httpx.AsyncClient(transport=transport, base_url=BASE)


@pytest.fixture
async def web(
    engine: Engine, tmp_path: Path, provider: OidcProvider
) -> AsyncIterator[httpx.AsyncClient]:
    oidc = {
        "oidc_issuer": provider.issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
    }
    async with _client(engine, tmp_path, **oidc) as client:
        yield client


@pytest.fixture
def signed_in_as(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """What reached `sign_in_with_sso` (which, for now, signs nobody in)."""
    reached: list[tuple[str, str]] = []

    def record(request: Any, session: Any, email: str, name: str) -> None:
        reached.append((email, name))

    monkeypatch.setattr(sso_accounts, "sign_in_with_sso", record)
    return reached


async def _to_provider_and_back(web: httpx.AsyncClient, next: str = "/campaigns") -> str:
    """Press "Sign in with SSO"; the provider signs in at once: the callback's address."""
    started = await web.get("/sign-in/sso", params={"next": next})
    assert started.status_code == 302, started.text
    async with httpx.AsyncClient() as browser:
        back = await browser.get(started.headers["location"])
    assert back.status_code == 302
    return back.headers["location"]


async def _callback(web: httpx.AsyncClient, address: str) -> httpx.Response:
    parts = urlsplit(address)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    return await web.get(f"{parts.path}?{parts.query}")


async def test_the_sign_in_page_offers_sso_when_it_is_set_up(web: httpx.AsyncClient) -> None:
    page = await web.get("/sign-in")
    link = '<a class="button" href="/sign-in/sso?next=%2Fworkflows">Sign in with SSO</a>'
    assert link in page.text


async def test_the_flow_reaches_sign_in_with_the_verified_email(
    web: httpx.AsyncClient, provider: OidcProvider, signed_in_as: list[tuple[str, str]]
) -> None:
    answer = await _callback(web, await _to_provider_and_back(web, "/campaigns"))

    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/campaigns"
    assert signed_in_as == [("ann@example.com", "Ann Example")]
    [asked] = provider.authorize_requests
    assert asked["response_type"] == "code"
    assert asked["client_id"] == CLIENT_ID
    assert asked["redirect_uri"] == f"{BASE}/sign-in/sso/callback"
    assert set(asked["scope"].split()) == {"openid", "email", "profile"}
    assert asked["code_challenge_method"] == "S256"
    assert asked["state"] and asked["nonce"]
    [token] = provider.token_requests
    assert token.form["grant_type"] == "authorization_code"
    assert len(token.form["code_verifier"]) >= 43  # the PKCE verifier, which the provider checked


async def test_a_new_person_becomes_a_user_with_the_default_role_and_is_signed_in(
    web: httpx.AsyncClient, engine: Engine
) -> None:
    answer = await _callback(web, await _to_provider_and_back(web, "/campaigns"))

    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/campaigns"
    with Session(engine) as session:
        [user] = session.exec(select(User)).all()
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "user.created"))
    assert (user.email, user.name, user.role) == ("ann@example.com", "Ann Example", "viewer")
    assert user.last_sign_in_at is not None
    assert entry.summary == "created by single sign-on with role viewer"
    page = await web.get("/campaigns", follow_redirects=False)
    assert page.status_code == 200  # signed in as Ann, a viewer: she reads the pages
    assert "Sign out everywhere" in page.text
    refused = await web.post("/campaigns/new", data={"name": "x"}, follow_redirects=False)
    assert refused.status_code == 403


async def test_a_known_user_signs_in_and_a_disabled_one_is_refused(
    web: httpx.AsyncClient, engine: Engine
) -> None:
    with Session(engine) as session:
        session.add(User(email="ann@example.com", name="Ann", role="editor", disabled=True))
        session.commit()

    answer = await _callback(web, await _to_provider_and_back(web))

    assert answer.status_code == 403
    assert "this account is disabled" in answer.text
    with Session(engine) as session:
        user = session.exec(select(User)).one()
        user.disabled = False
        session.add(user)
        session.commit()
    again = await _callback(web, await _to_provider_and_back(web, "/workflows"))
    assert again.status_code == 303 and again.headers["location"] == "/workflows"
    with Session(engine) as session:
        assert len(session.exec(select(User)).all()) == 1  # matched, not created twice


async def test_an_unverified_email_is_refused(
    web: httpx.AsyncClient, provider: OidcProvider, signed_in_as: list[tuple[str, str]]
) -> None:
    provider.claims["email_verified"] = False

    answer = await _callback(web, await _to_provider_and_back(web))

    assert answer.status_code == 403
    assert "has not verified your email address" in answer.text
    assert signed_in_as == []


async def test_a_state_that_does_not_match_is_refused(
    web: httpx.AsyncClient, provider: OidcProvider, signed_in_as: list[tuple[str, str]]
) -> None:
    address = await _to_provider_and_back(web)
    code = parse_qs(urlsplit(address).query)["code"][0]

    answer = await web.get("/sign-in/sso/callback", params={"code": code, "state": "forged"})

    assert answer.status_code == 400
    assert "the state does not match" in answer.text
    assert signed_in_as == [] and provider.token_requests == []


async def test_a_callback_from_another_browser_is_refused(
    web: httpx.AsyncClient, signed_in_as: list[tuple[str, str]]
) -> None:
    address = await _to_provider_and_back(web)
    web.cookies.clear()  # another browser: it never started this sign-in

    answer = await _callback(web, address)

    assert answer.status_code == 400 and "the state does not match" in answer.text
    assert signed_in_as == []


@pytest.mark.parametrize(
    "tamper",
    [
        {"nonce": "another-nonce"},
        {"aud": "another-client"},
        {"iss": "http://127.0.0.1:1"},
        {"exp": 1_000_000_000, "iat": 999_999_000},
        "other key",
    ],
    ids=["nonce", "aud", "iss", "exp", "signature"],
)
async def test_an_id_token_that_does_not_check_out_is_refused(
    web: httpx.AsyncClient,
    provider: OidcProvider,
    signed_in_as: list[tuple[str, str]],
    tamper: dict[str, Any] | str,
) -> None:
    if isinstance(tamper, dict):
        provider.tamper = tamper
    else:
        provider.sign_with_other_key = True

    answer = await _callback(web, await _to_provider_and_back(web))

    assert answer.status_code == 400, answer.text
    assert "could not be verified" in answer.text
    assert signed_in_as == []


async def test_an_unreachable_provider_is_said_in_words(engine: Engine, tmp_path: Path) -> None:
    oidc = {
        "oidc_issuer": f"http://127.0.0.1:{free_port()}",
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
    }
    async with _client(engine, tmp_path, **oidc) as web:
        answer = await web.get("/sign-in/sso")

    assert answer.status_code == 503
    assert "the single sign-on provider cannot be reached" in answer.text


async def test_without_the_three_settings_there_is_no_sso(engine: Engine, tmp_path: Path) -> None:
    async with _client(engine, tmp_path, oidc_issuer="http://127.0.0.1:1") as web:
        page = await web.get("/sign-in")
        start = await web.get("/sign-in/sso")

    assert "Sign in with SSO" not in page.text
    assert start.status_code == 404
