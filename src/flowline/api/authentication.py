"""API keys: who may call what, decided in one place before anything else about a request.

A route names the key it needs with a `KeyScope` dependency (`AdminKey`, `IngestKey` below).
`ApiRoute` checks it before the body is read or any id is looked up, so a caller without a
valid key learns nothing: 401 whatever the body or the id, 403 for a key of the wrong scope.
"""

from typing import Annotated

from fastapi import Depends
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from flowline.core.database import read_scope, session_scope
from flowline.core.errors import Forbidden, Unauthorized
from flowline.core.services.api_keys import find_key, needs_use_recorded, record_use
from flowline.core.settings import Settings

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


def _scope_of_key(engine: Engine, presented: str, bootstrap: str | None) -> str | None:
    # A read-only unit of its own, ended before the request's own one begins: on SQLite it takes
    # no write lock. `last_used_at` is written at most once a minute per key, in a short unit
    # of its own.
    with read_scope(engine) as session:
        key = find_key(session, presented, bootstrap)
    if key is not None and needs_use_recorded(key):
        with session_scope(engine) as session:
            record_use(session, key)
    return key.scope if key is not None else None


class KeyScope:
    """A dependency naming the scopes a route accepts; its value is the caller's scope."""

    def __init__(self, *accepted: str) -> None:
        self.accepted = accepted

    def __repr__(self) -> str:
        return f"KeyScope{self.accepted}"

    async def authenticate(self, request: Request) -> str:
        presented = presented_key(request)
        if presented is None:
            raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
        settings: Settings = request.app.state.settings
        engine: Engine = request.app.state.engine
        bootstrap = settings.bootstrap_admin_key
        scope = await run_in_threadpool(
            _scope_of_key, engine, presented, bootstrap.get_secret_value() if bootstrap else None
        )
        if scope is None:
            raise Unauthorized("unknown API key")
        if scope not in self.accepted:
            raise Forbidden(f"this operation needs a key of scope {' or '.join(self.accepted)}")
        request.scope[_CHECKED] = scope
        return scope

    async def __call__(self, request: Request) -> str:
        # Routes built by `ApiRoute` were checked before their body was read; any other route
        # that names a scope is checked here.
        checked = request.scope.get(_CHECKED)
        if isinstance(checked, str) and checked in self.accepted:
            return checked
        return await self.authenticate(request)


ADMIN = KeyScope("admin")
INGEST = KeyScope("admin", "ingest")

# Checked by `ApiRoute` before anything else about the request.
AdminKey = Annotated[str, Depends(ADMIN)]
IngestKey = Annotated[str, Depends(INGEST)]
