"""API keys: who may call what, decided in one place before anything else about a request.

A route names the key it needs with a `KeyScope` dependency (`AdminKey`, `IngestKey` below).
`ApiRoute` checks it before the body is read or any id is looked up, so a caller without a
valid key learns nothing: 401 whatever the body or the id, 403 for a key of the wrong scope.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from flowline.api.codec_cors import web_ui_origins
from flowline.core.database import read_scope, session_scope
from flowline.core.errors import Forbidden, Unauthorized
from flowline.core.principals import Principal, RoleName
from flowline.core.services.api_keys import (
    PresentedKey,
    bootstrap_match,
    find_key,
    needs_use_recorded,
    record_use,
)
from flowline.core.settings import Settings
from flowline.http.principal import remember_principal

_CHECKED = "flowline_key_scope"


def presented_key(request: Request) -> str | None:
    """The key sent as `Authorization: Bearer <key>`.

    The web UI does not call `/v1`: its pages check their own session (flowline.web.signin).
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def key_principal(key: PresentedKey) -> Principal:
    role: RoleName = "admin" if key.scope == "admin" else "ingest"
    return Principal(kind="api_key", id=key.id, name=key.name, role=role)


def _key_of(engine: Engine, presented: str, bootstrap: str | None) -> PresentedKey | None:
    # A read-only unit of its own, ended before the request's own one begins: on SQLite it takes
    # no write lock. `last_used_at` is written at most once a minute per key, in a short unit
    # of its own.
    with read_scope(engine) as session:
        key = find_key(session, presented, bootstrap)
    if key is not None and needs_use_recorded(key):
        with session_scope(engine) as session:
            record_use(session, key)
    return key


class KeyScope:
    """A dependency naming the scopes a route accepts; its value is the caller's scope."""

    def __init__(self, *accepted: str) -> None:
        self.accepted = accepted

    def __repr__(self) -> str:
        return f"KeyScope{self.accepted}"

    def presented(self, request: Request) -> str | None:
        """The key the request carries (a scope for another kind of caller may look elsewhere)."""
        return presented_key(request)

    def refused(self, detail: str) -> Unauthorized:
        return Unauthorized(detail)

    async def authenticate(self, request: Request) -> str:
        presented = self.presented(request)
        if presented is None:
            raise self.refused("missing API key: send 'Authorization: Bearer <key>'")
        settings: Settings = request.app.state.settings
        engine: Engine = request.app.state.engine
        bootstrap = settings.bootstrap_admin_key
        secret = bootstrap.get_secret_value() if bootstrap else None
        # The bootstrap key needs no database read (nor a hand-off to the thread pool).
        key = bootstrap_match(presented, secret) or await run_in_threadpool(
            _key_of, engine, presented, secret
        )
        if key is None:
            raise self.refused("unknown API key")
        if key.scope not in self.accepted:
            raise Forbidden(f"this operation needs a key of scope {' or '.join(self.accepted)}")
        request.scope[_CHECKED] = key.scope
        remember_principal(request, key_principal(key))
        return key.scope

    async def __call__(self, request: Request) -> str:
        # Routes built by `ApiRoute` were checked before their body was read; any other route
        # that names a scope is checked here.
        checked = request.scope.get(_CHECKED)
        if isinstance(checked, str) and checked in self.accepted:
            return checked
        return await self.authenticate(request)


# On `app.state`: (request, db session, settings) -> the signed-in web UI user or None. The
# composition root sets it from the web UI's sign-in, which the API does not import.
SESSION_CHECK = "web_ui_session_check"
SessionCheck = Callable[[Request, Any, Settings], Principal | None]


class CodecAccess(KeyScope):
    """The codec endpoints: an admin key, or the session of someone signed in to the web UI.

    The Temporal Web UI in a browser can send only cookies. Its requests carry the page's
    `Origin`, which a browser sets and a page cannot change: the session is accepted only from
    the Web UI's origin, so another site (or another local port) cannot use a visitor's session
    to decrypt payloads, and SameSite=Lax already keeps the cookie off cross-site requests.
    """

    def __init__(self) -> None:
        super().__init__("admin")

    async def authenticate(self, request: Request) -> str:
        if presented_key(request) is not None or not _has_session(request):
            return await super().authenticate(request)
        settings: Settings = request.app.state.settings
        origin = request.headers.get("origin")
        if origin not in web_ui_origins(settings.temporal_ui_url):
            raise Forbidden(
                "a signed-in session may use the codec only from the Temporal Web UI at "
                f"{settings.temporal_ui_url}; other callers send an admin API key"
            )
        check: SessionCheck | None = getattr(request.app.state, SESSION_CHECK, None)
        engine: Engine = request.app.state.engine
        principal = (
            None if check is None else await run_in_threadpool(_signed_in, check, request, engine)
        )
        if principal is None:
            raise Unauthorized("sign in to Flowline in this browser, or send an admin API key")
        # Every signed-in role may read payloads: a viewer reads everything the UI shows.
        request.scope[_CHECKED] = "admin"
        remember_principal(request, principal)
        return "admin"


def _has_session(request: Request) -> bool:
    return "session" in request.scope and bool(request.session)


def _signed_in(check: SessionCheck, request: Request, engine: Engine) -> Principal | None:
    settings: Settings = request.app.state.settings
    with read_scope(engine) as session:
        return check(request, session, settings)


ADMIN = KeyScope("admin")
INGEST = KeyScope("admin", "ingest")

# Checked by `ApiRoute` before anything else about the request.
AdminKey = Annotated[str, Depends(ADMIN)]
CodecCaller = Annotated[str, Depends(CodecAccess())]
IngestKey = Annotated[str, Depends(INGEST)]
