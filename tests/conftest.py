"""Real components for the tests that cross a process boundary.

A Temporal dev server (session-wide), SQLite and — when FLOWLINE_TEST_DATABASE_URL is set —
PostgreSQL, a real SMTP server and a real HTTP server on 127.0.0.1. Each test gets a fresh task
queue, empty tables, and a worker of its own.
"""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy import Engine, make_url
from sqlmodel import SQLModel
from temporalio.testing import WorkflowEnvironment

import flowline.core.models  # noqa: F401 - registers the tables
from flowline.core.database import make_engine, migrate
from testkit import temporal
from testkit.http_target import HttpTarget
from testkit.smtp import SmtpCapture
from tests.support.flowline_harness import Flowline, running_flowline


def _database_of_this_worker() -> None:
    """With pytest-xdist (`make test` runs the suite in parallel processes), each worker gets a
    PostgreSQL database of its own beside FLOWLINE_TEST_DATABASE_URL's, `<name>_<worker>`,
    created when missing: the suite drops and recreates schemas, and two workers must not
    share them. Set here, before anything reads the variable (conftests, processes started
    by tests)."""
    base = os.environ.get("FLOWLINE_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not base or not worker:
        return
    url = make_url(base)
    name = f"{url.database}_{worker}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if found.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["FLOWLINE_TEST_DATABASE_URL"] = url.set(database=name).render_as_string(
        hide_password=False
    )


_database_of_this_worker()
TEST_DATABASE_URL = os.environ.get("FLOWLINE_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


@pytest.fixture(scope="session", params=BACKENDS)
def db_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "flowline.db"
        engine = make_engine(f"sqlite:///{path}")
    else:
        assert TEST_DATABASE_URL is not None
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(db_engine: Engine) -> Iterator[Engine]:
    yield db_engine
    with db_engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(scope="session")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    async with temporal.dev_server() as env:
        yield env


@pytest.fixture
def mailbox() -> Iterator[SmtpCapture]:
    with SmtpCapture() as box:
        yield box


@pytest.fixture
def http_target() -> Iterator[HttpTarget]:
    with HttpTarget() as target:
        yield target


@pytest.fixture
def flowline_settings() -> dict[str, object]:
    """Settings a test module overrides (e.g. `http_allow_private_networks`)."""
    return {}


@pytest.fixture
async def flowline(
    engine: Engine,
    dev_server: WorkflowEnvironment,
    mailbox: SmtpCapture,
    http_target: HttpTarget,
    tmp_path: Path,
    flowline_settings: dict[str, object],
) -> AsyncIterator[Flowline]:
    """The whole product in-process: API (ASGI), worker, Temporal, SMTP and HTTP targets."""
    async with running_flowline(
        **flowline_settings,
        engine=engine,
        temporal_address=temporal.address_of(dev_server),
        mailbox=mailbox,
        http_target=http_target,
        data_dir=tmp_path,
        task_queue=f"test-{uuid.uuid4().hex[:12]}",
    ) as harness:
        yield harness
