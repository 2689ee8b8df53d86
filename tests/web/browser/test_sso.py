"""Sign in with SSO in a real browser, against the local OpenID Connect provider: the button,
the round trip through the provider and back, signed in as a new viewer; an unverified address
refused in words on the sign-in page."""

from pathlib import Path

from playwright.async_api import Page, expect
from sqlalchemy import Engine

from flowline.app import create_app
from flowline.core.settings import Settings
from testkit.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.support.browser import screenshots
from tests.support.live_server import serving


async def test_sso_signs_a_new_person_in_as_a_viewer_and_refuses_an_unverified_address(
    page: Page, ui_engine: Engine, tmp_path: Path
) -> None:
    with OidcProvider() as provider:
        settings = Settings(
            data_dir=tmp_path,
            database_url=ui_engine.url.render_as_string(hide_password=False),
            secret_key="browser-test-secret",
            oidc_issuer=provider.issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
        )
        app = create_app(settings, engine=ui_engine)
        async with serving(app) as url:
            settings.public_url = url  # the callback address, known once the server listens
            await page.goto(url + "/")
            await expect(page.get_by_label("API key")).to_be_visible()
            await screenshots(page, "sign-in-sso")

            await page.get_by_role("link", name="Sign in with SSO").click()

            # A new address: a user with the default role (viewer), signed in, reading pages.
            await expect(page.get_by_role("heading", name="Workflows", level=1)).to_be_visible()
            await expect(page.get_by_role("button", name="Sign out everywhere")).to_be_visible()
            [asked] = provider.authorize_requests
            assert asked["code_challenge_method"] == "S256"
            [token] = provider.token_requests
            assert token.form["code_verifier"]
            await screenshots(page, "signed-in-by-sso")

            await page.get_by_role("button", name="Sign out", exact=True).click()
            provider.claims["email_verified"] = False
            await page.get_by_role("link", name="Sign in with SSO").click()
            await expect(page.get_by_role("alert")).to_contain_text(
                "Single sign-on did not sign you in"
            )
            assert page.url.startswith(url + "/sign-in/sso/callback?")
