"""Request dependencies as `Annotated` aliases, for API and page handlers: they stay a few lines.

The API keys a route needs (`AdminKey`, `IngestKey`) are the API's own: api/authentication.py.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from flowline.core.database import session_scope
from flowline.core.models.workflows import Workflow
from flowline.core.services.workflows.crud import get_workflow
from flowline.core.settings import Settings
from flowline.http.parameters import IdInPath
from flowline.http.temporal_connection import TemporalConnection


# `async`: a plain `def` dependency is run on the thread pool, one hand-off per request for
# reading an attribute.
async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(_settings)]
EngineDep = Annotated[Engine, Depends(_engine)]


def _session(engine: EngineDep) -> Iterator[Session]:
    # The request is the unit of work: services never commit, this does.
    with session_scope(engine) as session:
        yield session


# scope="function": committed before the response is sent, so a client that got its 201 finds
# what it created, and a failed commit is never answered as a success.
SessionDep = Annotated[Session, Depends(_session, scope="function")]


async def _temporal(request: Request) -> Client:
    connection: TemporalConnection = request.app.state.temporal
    return await connection.client()


TemporalDep = Annotated[Client, Depends(_temporal)]


def _workflow(workflow_id: IdInPath, session: SessionDep) -> Workflow:
    return get_workflow(session, workflow_id)


WorkflowDep = Annotated[Workflow, Depends(_workflow)]
