"""Dependencies as `Annotated` aliases: handlers stay a few lines."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from flowline.api.temporal_connection import TemporalConnection
from flowline.core.database import session_scope
from flowline.core.errors import Forbidden, Unauthorized
from flowline.core.models.workflows import Workflow
from flowline.core.services.api_keys import find_key, record_use
from flowline.core.services.workflows import get_workflow
from flowline.core.settings import Settings


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(_settings)]
EngineDep = Annotated[Engine, Depends(_engine)]


def _session(engine: EngineDep) -> Iterator[Session]:
    # The request is the unit of work: services never commit, this does.
    with session_scope(engine) as session:
        yield session


# scope="function": commit before the response is sent, not after. With the default scope the
# client could hold a 202 for an event that a crash right after the answer never committed.
SessionDep = Annotated[Session, Depends(_session, scope="function")]


async def _temporal(request: Request) -> Client:
    connection: TemporalConnection = request.app.state.temporal
    return await connection.client()


TemporalDep = Annotated[Client, Depends(_temporal)]


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    session_key = request.session.get("api_key") if "session" in request.scope else None
    return session_key if isinstance(session_key, str) else None


def _scope(request: Request, session: SessionDep, settings: SettingsDep) -> str:
    # The request's own session: a second connection would wait on the first's SQLite lock.
    presented = _presented_key(request)
    if presented is None:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    bootstrap = settings.bootstrap_admin_key
    key = find_key(session, presented, bootstrap.get_secret_value() if bootstrap else None)
    if key is not None:
        record_use(session, key)  # writes at most once a minute per key
    session.commit()  # end the read at once: on SQLite it holds the write lock
    if key is None:
        raise Unauthorized("unknown API key")
    return key.scope


def _admin(scope: Annotated[str, Depends(_scope)]) -> str:
    if scope != "admin":
        raise Forbidden("this endpoint needs an admin key")
    return scope


def _ingest(scope: Annotated[str, Depends(_scope)]) -> str:
    if scope not in ("admin", "ingest"):
        raise Forbidden("this endpoint needs an ingest or admin key")
    return scope


AdminKey = Annotated[str, Depends(_admin)]
IngestKey = Annotated[str, Depends(_ingest)]


def _workflow(workflow_id: int, session: SessionDep) -> Workflow:
    return get_workflow(session, workflow_id)


WorkflowDep = Annotated[Workflow, Depends(_workflow)]
