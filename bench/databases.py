"""Fresh, migrated databases: a SQLite file in a temporary directory, or a PostgreSQL schema."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import sqlalchemy as sa
from sqlalchemy import Engine, make_url

from bench.config import POSTGRESQL, SQLITE
from flowline.core.database import make_engine, migrate

BENCH_SCHEMA = "flowline_bench"
"""Prefix of the PostgreSQL schemas the benchmark drops and recreates (`flowline_bench_api`,
...); `public`, the tests' schema, is left alone."""


def schema_name(run: str) -> str:
    return f"{BENCH_SCHEMA}_{run}"


def postgresql_bench_url(url: str, schema: str) -> str:
    """The same server, with `search_path` set to one of the benchmark's own schemas."""
    parsed = make_url(url)
    options = parsed.query.get("options")
    existing = " ".join(options) if isinstance(options, tuple) else (options or "")
    wanted = f"{existing} -csearch_path={schema}".strip()
    return parsed.update_query_dict({"options": wanted}).render_as_string(hide_password=False)


def describe(backend: str, url: str | None, runs: list[str]) -> str:
    if backend == SQLITE:
        return "one SQLite file per run in a temporary directory (WAL, synchronous=NORMAL)"
    assert url is not None
    shown = make_url(url).set(query={}).render_as_string(hide_password=True)
    schemas = ", ".join(schema_name(run) for run in runs)
    return (
        f"PostgreSQL {shown}: DROPS AND RECREATES schemas {schemas} (one per run, through "
        "search_path; schema public is not touched) and drops them at the end"
    )


@contextmanager
def fresh_engine(backend: str, postgresql_url: str | None, run: str) -> Iterator[Engine]:
    """A new, empty, migrated database for one run (`api`, `service`, ...); disposed, and the
    SQLite file deleted or the PostgreSQL schema dropped, afterwards."""
    if backend == SQLITE:
        with TemporaryDirectory(prefix="flowline-bench-") as directory:
            engine = make_engine(f"sqlite:///{Path(directory) / 'flowline.db'}")
            try:
                migrate(engine)
                yield engine
            finally:
                engine.dispose()
        return
    assert backend == POSTGRESQL and postgresql_url is not None
    schema = schema_name(run)
    engine = make_engine(postgresql_bench_url(postgresql_url, schema))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        migrate(engine)
        yield engine
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    finally:
        engine.dispose()


def engine_url(engine: Engine) -> str:
    """The URL another process (`flowline api`, `flowline worker`) reaches this database by."""
    return engine.url.render_as_string(hide_password=False)


def server_version(engine: Engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return "SQLite " + str(connection.execute(sa.text("select sqlite_version()")).scalar())
        version = str(connection.execute(sa.text("show server_version")).scalar())
        return "PostgreSQL " + version.split()[0]
