"""Single sign-on with OpenID Connect, up to the verified claims of the person signing in.

Authorization code flow with PKCE (S256), `state` and `nonce`, through authlib: the provider is
found by discovery from FLOWLINE_OIDC_ISSUER; the ID token's signature is checked against the
provider's JWKS, and its `iss`, `aud`, `exp` and `nonce`. The state, nonce and PKCE verifier
wait in the signed session cookie between the two legs. What comes out is an email the
provider has verified (`email_verified` true) and a name; who that is in Flowline is decided by
`sso_accounts.sign_in_with_sso`. Nothing of the tokens or claims is logged.
"""

import logging
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client import OAuthError
from fastapi import Request
from joserfc.errors import JoseError

from flowline.core.errors import FlowlineError, Forbidden
from flowline.core.settings import Settings

if TYPE_CHECKING:
    from authlib.integrations.starlette_client import StarletteOAuth2App

log = logging.getLogger(__name__)
CALLBACK_PATH = "/sign-in/sso/callback"
_CLIENT = "flowline_sso_client"


class SsoFailed(FlowlineError):
    """The sign-in did not complete: a bad or stale answer, or the provider refused."""

    status_code = 400


class SsoProviderUnavailable(FlowlineError):
    status_code = 503


class SsoRefused(Forbidden):
    """The provider signed the person in, but Flowline does not let them in."""


@dataclass(frozen=True)
class VerifiedClaims:
    email: str
    name: str


def _issuer(settings: Settings) -> str:
    assert settings.oidc_issuer is not None
    return settings.oidc_issuer.rstrip("/")


def _client(request: Request) -> "StarletteOAuth2App":
    """Built once per app from the settings (the provider's metadata is then cached on it)."""
    client: StarletteOAuth2App | None = getattr(request.app.state, _CLIENT, None)
    if client is None:
        settings: Settings = request.app.state.settings
        assert settings.oidc_client_secret is not None
        # Imported only where SSO is set up. authlib warns on import that it will move from
        # httpx to httpx2; the version is pinned, so the notice is for us, not the operator.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AuthlibDeprecationWarning)
            from authlib.integrations.starlette_client import OAuth
        oauth = OAuth()
        client = oauth.register(
            "sso",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            server_metadata_url=f"{_issuer(settings)}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
        )
        setattr(request.app.state, _CLIENT, client)
    return client


def callback_url(settings: Settings) -> str:
    return settings.resolved_public_url + CALLBACK_PATH


async def _metadata(client: "StarletteOAuth2App", settings: Settings) -> dict[str, Any]:
    try:
        metadata: dict[str, Any] = await client.load_server_metadata()
    except (httpx.HTTPError, ValueError) as error:
        log.warning("single sign-on: discovery failed (%s)", type(error).__name__)
        raise SsoProviderUnavailable(
            "the single sign-on provider cannot be reached; try again in a moment, or sign in "
            "another way"
        ) from None
    # OpenID Connect Discovery: the document must name the issuer it was fetched from.
    if str(metadata.get("issuer", "")).rstrip("/") != _issuer(settings):
        raise SsoProviderUnavailable(
            "the single sign-on provider describes another issuer than FLOWLINE_OIDC_ISSUER"
        )
    return metadata


async def start(request: Request) -> Any:
    """Send the browser to the provider (a redirect with state, nonce and a PKCE challenge)."""
    settings: Settings = request.app.state.settings
    client = _client(request)
    await _metadata(client, settings)
    return await client.authorize_redirect(request, callback_url(settings))


async def verified_claims(request: Request) -> VerifiedClaims:
    """The provider's answer checked: state, code exchanged with the PKCE verifier, ID token
    (signature, iss, aud, exp, nonce); then a verified email."""
    settings: Settings = request.app.state.settings
    client = _client(request)
    await _metadata(client, settings)
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as error:
        log.info("single sign-on refused: %s", error.error)
        raise SsoFailed(_oauth_words(error)) from None
    except JoseError as error:
        log.info("single sign-on refused: ID token %s", type(error).__name__)
        raise SsoFailed(
            "the identity provider's answer could not be verified (its ID token is not valid "
            "for this sign-in); start again"
        ) from None
    except httpx.HTTPError as error:
        log.warning("single sign-on: token request failed (%s)", type(error).__name__)
        raise SsoProviderUnavailable(
            "the single sign-on provider cannot be reached; try again in a moment"
        ) from None
    claims = token.get("userinfo")
    if not claims:
        raise SsoFailed("the identity provider sent no ID token; start again")
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise SsoRefused("your identity provider did not share an email address with Flowline")
    if claims.get("email_verified") is not True:
        raise SsoRefused(
            "your identity provider has not verified your email address; Flowline signs people "
            "in by a verified address only. Verify it with your provider, then try again"
        )
    name = claims.get("name")
    return VerifiedClaims(email=email.strip(), name=name if isinstance(name, str) else "")


def _oauth_words(error: OAuthError) -> str:
    if error.error == "mismatching_state":
        return (
            "this sign-in was not started in this browser, or it has expired (the state does "
            "not match); start again"
        )
    if error.error == "access_denied":
        return "the identity provider did not sign you in"
    return f"the identity provider refused the sign-in ({error.error}); start again"
